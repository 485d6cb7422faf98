import { describe, expect, it } from "vitest";
import { itRefuses, problemsOf } from "./problems";
import { IMAGES } from "../../config/images";
import { DEFAULT_MEMORY_MIB } from "../../config/memory";
import { Settings, parseConfig, parseSettings } from "../../config/settings";
import { VPS_CONFIG } from "../plan/mocks";

const k = (key: string) => `ownstack:${key}`;

describe("bad config is refused with one message per problem, naming the key and the expected form", () => {
  itRefuses("local", [
    [
      "a port above 65535",
      { [k("apiPort")]: "70000" },
      "ownstack:apiPort: expected an integer port 1-65535, got 70000",
    ],
    [
      "port 0",
      { [k("mailpitPort")]: "0" },
      "ownstack:mailpitPort: expected an integer port 1-65535, got 0",
    ],
    [
      "a port that is not a number",
      { [k("apiPort")]: "eighty" },
      'ownstack:apiPort: expected an integer port 1-65535, got "eighty"',
    ],
    [
      "a port used twice",
      { [k("mailpitPort")]: "8000" },
      "ownstack:mailpitPort: port 8000 is already used by ownstack:apiPort, expected a free port",
    ],
    [
      "a site URL without scheme",
      { [k("siteUrl")]: "localhost:3000" },
      'ownstack:siteUrl: expected an absolute http(s) URL such as https://app.example.com, got "localhost:3000"',
    ],
    [
      "a redirect URL that is no URL",
      { [k("additionalRedirectUrls")]: '["welcome"]' },
      "ownstack:additionalRedirectUrls[0]: expected an absolute http(s) URL",
    ],
    [
      "a memory limit of 2 gigs",
      { [k("memoryLimits")]: '["db=2 gigs"]' },
      'ownstack:memoryLimits[0]: expected a size of at least 6MiB such as "512MiB" or "2GiB", got "2 gigs"',
    ],
    [
      "a memory limit for an unknown service",
      { [k("memoryLimits")]: '["postgres=1GiB"]' },
      'ownstack:memoryLimits[0]: unknown service "postgres", expected one of: db, auth,',
    ],
    [
      "memory limits given as one string",
      { [k("memoryLimits")]: "db=1GiB" },
      'ownstack:memoryLimits: expected a list such as ["kong=512MiB"], got "db=1GiB"',
    ],
    [
      "an unknown toggle value",
      { [k("qdrant")]: "maybe" },
      'ownstack:qdrant: expected auto, true or false, got "maybe"',
    ],
    [
      "a boolean spelled yes",
      { [k("disableSignup")]: "yes" },
      'ownstack:disableSignup: expected true or false, got "yes"',
    ],
    [
      "a misspelled key",
      { [k("apiport")]: "8000" },
      "ownstack:apiport: unknown key (did you mean ownstack:apiPort?); the keys are declared in Pulumi.yaml",
    ],
    [
      "an unknown key",
      { [k("colour")]: "blue" },
      "ownstack:colour: unknown key; the keys are declared in Pulumi.yaml",
    ],
    [
      "an image override on :latest",
      { [k("imageOverrides")]: '["kong=kong:latest"]' },
      'ownstack:imageOverrides[0]: expected a pinned tag or digest such as "kong/kong:3.9.3", got "kong:latest"',
    ],
    [
      "an image override without a tag",
      { [k("imageOverrides")]: '["db=supabase/postgres"]' },
      'ownstack:imageOverrides[0]: expected a pinned tag or digest such as "supabase/postgres:',
    ],
    [
      "an image override for an unknown service",
      { [k("imageOverrides")]: '["pgadmin=dpage/pgadmin4:9.1"]' },
      'ownstack:imageOverrides[0]: unknown service "pgadmin", expected one of: db,',
    ],
    [
      "an image override that is not service=image",
      { [k("imageOverrides")]: '["kong/kong:3.9.3"]' },
      'ownstack:imageOverrides[0]: expected one "service=image:tag" entry such as "kong=kong/kong:3.9.3", got "kong/kong:3.9.3"',
    ],
    [
      "a JWT expiry of 10 seconds",
      { [k("jwtExpiry")]: "10" },
      "ownstack:jwtExpiry: expected a number of seconds between 60 and 604800, got 10",
    ],
    [
      "a JWT expiry of a fraction",
      { [k("jwtExpiry")]: "3600.5" },
      "ownstack:jwtExpiry: expected a number of seconds between 60 and 604800, got 3600.5",
    ],
    [
      "an unknown target",
      { [k("target")]: "cloud" },
      'ownstack:target: expected one of: local, vps, kubernetes, got "cloud"',
    ],
    [
      "an S3 bucket in capitals",
      { [k("storageBucket")]: "My_Bucket" },
      "ownstack:storageBucket: expected an S3 bucket name",
    ],
    [
      "an unknown storage backend",
      { [k("storageBackend")]: "gcs" },
      'ownstack:storageBackend: expected one of: minio, file, s3, got "gcs"',
    ],
    [
      "a negative rotation counter",
      { [k("rotateJwt")]: "-1" },
      "ownstack:rotateJwt: expected a whole number >= 0 (a rotation counter), got -1",
    ],
    [
      "a sender address without @",
      { [k("smtpAdminEmail")]: "admin" },
      'ownstack:smtpAdminEmail: expected an e-mail address such as admin@example.com, got "admin"',
    ],
    [
      "a one-letter dashboard user",
      { [k("dashboardUsername")]: "a" },
      "ownstack:dashboardUsername: expected 3-32 letters, digits, dot, dash or underscore",
    ],
    [
      "an http:// Docker host",
      { [k("dockerHost")]: "http://203.0.113.10:2375" },
      "ownstack:dockerHost: expected ssh://user@host[:port] (key auth) or tcp://host:2376",
    ],
    [
      "a tcp:// Docker host without TLS material",
      { [k("dockerHost")]: "tcp://203.0.113.10:2376" },
      "ownstack:dockerHost: tcp:// needs TLS, expected docker:certPath",
    ],
  ]);

  it("one error lists every problem, type errors and cross-key checks alike", () => {
    const problems = problemsOf({
      [k("apiPort")]: "70000",
      [k("siteUrl")]: "nope",
      [k("qdrant")]: "maybe",
      [k("bogus")]: "1",
      [k("memoryLimits")]: '["postgres=1GiB"]',
      [k("redisPort")]: "54324",
    });
    expect(problems).toHaveLength(6);
    for (const key of ["apiPort", "siteUrl", "qdrant", "bogus", "memoryLimits[0]", "redisPort"])
      expect(problems.join("\n")).toContain(`ownstack:${key}:`);
  });

  it("the thrown error names the stack and counts the problems", () => {
    expect(() => parseSettings({ [k("apiPort")]: "0", [k("target")]: "cloud" }, "local")).toThrow(
      /Invalid config for stack "local" \(2 problems\)/,
    );
  });

  it("a key that failed its own check does not raise follow-on complaints", () => {
    // An invalid domain falls back to "" internally; "domain is required" would be noise.
    expect(problemsOf({ ...VPS_CONFIG, [k("domain")]: "https://example.com" }, "vps")).toHaveLength(
      1,
    );
  });

  it("keys of other namespaces are warned about, not refused", () => {
    expect(problemsOf({ "aws:region": "eu-west-1" })).toEqual([]);
    expect(parseConfig({ "aws:region": "eu-west-1" }, "local").warnings).toEqual([
      "aws:region is ignored: ownstack reads ownstack:* keys (declared in Pulumi.yaml) and docker:caMaterial, docker:certMaterial, docker:certPath, docker:keyMaterial",
    ]);
  });
});

describe("no config at all gives a valid local stack", () => {
  const s = parseSettings({}, "local");

  it("targets this machine with Kong on 8000 and Studio behind it", () => {
    expect(s).toMatchObject({
      stack: "local",
      target: "local",
      prefix: "ownstack-local",
      publicUrl: "http://localhost:8000",
      studioUrl: "http://localhost:8000",
    });
    expect(s.apiExternalUrl).toBe("http://localhost:8000/auth/v1");
    expect(s.siteUrl).toBe("http://localhost:3000");
  });

  it("turns Mailpit and MinIO on, pins the image table and uses the local memory budget", () => {
    expect(s.features).toMatchObject({ mailpit: true, minio: true });
    expect(s.images).toEqual(IMAGES);
    expect(s.memoryMiB).toEqual(DEFAULT_MEMORY_MIB.local);
    expect(s.ports.api).toBe(8000);
  });

  it("typed values arrive as the CLI passes them, as strings", () => {
    const t = parseSettings(
      {
        [k("apiPort")]: "8100",
        [k("disableSignup")]: "true",
        [k("memoryLimits")]: '["kong=512MiB"]',
        [k("qdrant")]: "false",
      },
      "local",
    );
    expect([t.ports.api, t.auth.disableSignup, t.memoryMiB.kong, t.features.qdrant]).toEqual([
      8100,
      true,
      512,
      false,
    ]);
  });

  it("Settings is deeply frozen", () => {
    const frozen = (value: unknown, path: string): string[] =>
      value && typeof value === "object"
        ? [
            ...(Object.isFrozen(value) ? [] : [path]),
            ...Object.entries(value).flatMap(([key, v]) => frozen(v, `${path}.${key}`)),
          ]
        : [];
    expect(frozen(s, "settings")).toEqual([]);
    expect(() => {
      (s.ports as { api: number }).api = 1;
    }).toThrow(TypeError);
    expect(() => (s.additionalRedirectUrls as string[]).push("https://evil.example")).toThrow(
      TypeError,
    );
    expect(s.ports.api).toBe(8000);
  });

  it("parsing is pure: the same config always gives equal Settings", () => {
    const again: Settings = parseSettings({}, "local");
    expect(again).toEqual(s);
    expect(again).not.toBe(s);
  });
});
