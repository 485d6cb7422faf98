import { beforeAll, describe, expect, it } from "vitest";
import { ROTATABLE, Rotatable, rotationKey } from "../../config/schema";
import { ROTATION_PLAN, restartedBy } from "../../scripts/lib/rotation-plan";
import { DB_COMMAND, DB_START_PATHS, dbHealthcheckTests } from "../../components/render/dbStart";
import { EXTRAS_ON, Plan, PlannedResource, VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import { Diff, container, containers, diff, env, serviceOf } from "./lookups";
import { walArchiveArgs } from "../../components/render/walArchive";

/**
 * Bumping one rotation counter must change the inputs of exactly the containers that embed that
 * secret (every container input is ForceNew, so a changed input is a replaced container) and of
 * nothing that holds data it does not need to.
 */

const rotate = (name: Rotatable, config: Record<string, string> = {}) => ({
  ...config,
  [`ownstack:${rotationKey(name)}`]: "1",
});

/**
 * Evaluates the stack once, then once per rotated secret, before the describe's tests; checks that
 * each rotation replaces only containers the rotation table names and, where `replaces` lists
 * them, exactly those.
 */
function rotationSuite(
  names: readonly Rotatable[],
  config: Record<string, string>,
  stack: string,
  replaces: Partial<Record<Rotatable, string>>,
) {
  const base = planBeforeAll(config, stack);
  const diffs = new Map<Rotatable, Diff>();
  beforeAll(async () => {
    for (const name of names)
      diffs.set(name, diff(base, await evaluate(rotate(name, config), stack)));
  });

  it.each(names.map((n) => [n]))(
    "%s: every replaced container is one the rotation table names",
    (name) => {
      const d = diffs.get(name as Rotatable)!;
      expect(
        d.containers.filter((c) => !ROTATION_PLAN[name as Rotatable].restarts.includes(c)),
      ).toEqual([]);
    },
  );

  it.each(Object.entries(replaces))("%s replaces exactly: %s", (name, expected) => {
    expect(diffs.get(name as Rotatable)!.containers.join(" ")).toBe(expected);
  });

  it("no rotation changes a volume or the network", () => {
    for (const d of diffs.values())
      expect(d.others.filter((o) => o.startsWith("docker:"))).toEqual([]);
  });
  return { base, diffs };
}

describe("rotation on the local stack replaces exactly the consumers", () => {
  const { base, diffs } = rotationSuite(ROTATABLE, {}, "local", {
    // Prometheus scrapes Realtime with a metrics JWT signed by the secret.
    jwt: "auth kong prometheus realtime rest storage studio",
    // db and every service that logs in.
    postgres:
      "analytics auth backup db meta migrations postgresExporter realtime rest storage studio",
    minio: "backup minio minio-createbucket storage",
    redis: "redis redisExporter",
    // Studio queries Logflare with the private token.
    logflare: "analytics studio vector",
  });

  it("the plan runs every container the rotation table names but the opt-in Edge Functions, Grafana and Supavisor", () => {
    const running = new Set(containers(base).map(serviceOf));
    expect(restartedBy(ROTATABLE).filter((c) => !running.has(c))).toEqual([
      "functions",
      "grafana",
      "supavisor",
    ]);
  });

  // The sb_ keys are API keys too, so they follow the JWT counter; the ES256 signing key does not.
  it("each counter regenerates only its own generated values", () => {
    expect(Object.fromEntries([...diffs].map(([name, d]) => [name, d.others])))
      .toMatchInlineSnapshot(`
      {
        "backup": [],
        "dashboard": [
          "random:index/randomPassword:RandomPassword::secrets-dashboard-password",
        ],
        "jwt": [
          "random:index/randomPassword:RandomPassword::secrets-jwt-secret",
          "random:index/randomString:RandomString::signing-publishable-key",
          "random:index/randomString:RandomString::signing-secret-key",
          "time:index/static:Static::secrets-api-keys-issued",
        ],
        "logflare": [
          "random:index/randomPassword:RandomPassword::secrets-logflare-private-token",
          "random:index/randomPassword:RandomPassword::secrets-logflare-public-token",
        ],
        "meta": [
          "random:index/randomPassword:RandomPassword::secrets-pg-meta-crypto-key",
        ],
        "minio": [
          "random:index/randomPassword:RandomPassword::secrets-minio-password",
          "random:index/randomPassword:RandomPassword::secrets-s3-access-key-id",
          "random:index/randomPassword:RandomPassword::secrets-s3-access-key-secret",
          "random:index/randomString:RandomString::secrets-minio-user",
        ],
        "openWebui": [
          "random:index/randomPassword:RandomPassword::secrets-openwebui-db-password",
          "random:index/randomPassword:RandomPassword::secrets-openwebui-secret-key",
        ],
        "postgres": [
          "random:index/randomPassword:RandomPassword::secrets-postgres-password",
        ],
        "qdrant": [
          "random:index/randomPassword:RandomPassword::secrets-qdrant-api-key",
        ],
        "realtime": [
          "random:index/randomPassword:RandomPassword::secrets-realtime-db-enc-key",
          "random:index/randomPassword:RandomPassword::secrets-realtime-secret-key-base",
        ],
        "redis": [
          "random:index/randomPassword:RandomPassword::secrets-redis-password",
        ],
        "saml": [],
        "signingKey": [
          "time:index/static:Static::signing-rotated",
          "tls:index/privateKey:PrivateKey::signing-key-1",
        ],
        "vault": [
          "random:index/randomPassword:RandomPassword::secrets-vault-enc-key",
        ],
      }
    `);
  });
});

describe("rotation with every optional consumer on", () => {
  // The secrets that Edge Functions, Supavisor or Grafana embed; the others were checked above.
  rotationSuite(
    ["jwt", "postgres", "dashboard", "realtime", "vault", "signingKey"],
    EXTRAS_ON,
    "local",
    {
      // Edge Functions and Supavisor verify JWTs and log in to Postgres.
      jwt: "auth functions kong prometheus realtime rest storage studio supavisor",
      postgres:
        "analytics auth backup db functions meta migrations postgresExporter realtime rest storage studio supavisor",
    },
  );
});

describe("rotation with SAML SSO on", () => {
  const { diffs } = rotationSuite(["saml", "jwt"], { "ownstack:authSaml": "true" }, "local", {
    saml: "auth",
    jwt: "auth kong prometheus realtime rest storage studio",
  });

  it("the saml counter replaces the RSA key and nothing else generated", () => {
    expect(diffs.get("saml")!.others).toEqual([
      "tls:index/privateKey:PrivateKey::secrets-saml-key-1",
    ]);
    expect(diffs.get("jwt")!.others).not.toContain(
      "tls:index/privateKey:PrivateKey::secrets-saml-key-0",
    );
  });
});

describe("rotation on the vps stack", () => {
  rotationSuite(["postgres", "dashboard"], VPS_CONFIG, "vps", {
    // Prometheus and its exporter are off by default on vps; Traefik stays.
    postgres: "auth backup db meta migrations realtime rest storage studio",
    dashboard: "kong",
  });
});

describe("the db container re-applies the Postgres password on every start", () => {
  it("runs the start wrapper around upstream's command and is healthy only once the password is applied", async () => {
    const db = container(await evaluate({}, "local"), "db");
    expect(db.inputs.entrypoints).toEqual(["/bin/sh", DB_START_PATHS.script]);
    // Upstream's command, then WAL archiving for point-in-time recovery (test/plan/pitr.test.ts).
    expect(db.inputs.command).toEqual([...DB_COMMAND, ...walArchiveArgs(60)]);
    expect(db.inputs.healthcheck.tests).toEqual(dbHealthcheckTests());
    const uploads: { file: string; content: string }[] = db.inputs.uploads;
    expect(uploads.map((u) => u.file)).toEqual(
      expect.arrayContaining([DB_START_PATHS.script, DB_START_PATHS.rotateSql]),
    );
    // The wrapper files read the password from the environment; only init SQL embeds it, as a secret.
    const password = env(db).POSTGRES_PASSWORD;
    expect(
      uploads.filter((u) => u.file.startsWith("/etc/ownstack/") && u.content.includes(password)),
    ).toEqual([]);
    expect(db.secretInputs.has("uploads")).toBe(true);
  });
});
