import { describe, expect, it } from "vitest";
import { itRefuses, problemsOf, refused, without } from "./problems";
import { SECRET_KEYS, SettingKey, settingsShape } from "../../config/schema";
import { parseConfig, parseSettings } from "../../config/settings";
import { VPS_CONFIG } from "../plan/mocks";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
/** A stack config that sets a list-valued key, which Pulumi hands to the program as JSON text. */
const listSetting =
  (key: string) =>
  (...entries: string[]) => ({ [`ownstack:${key}`]: JSON.stringify(entries) });
const memoryLimits = listSetting("memoryLimits");
const imageOverrides = listSetting("imageOverrides");
const ollamaModels = listSetting("ollamaModels");

describe("memory limits and image overrides: one entry per service, one = per entry, sizes a machine has", () => {
  itRefuses("local", [
    [
      "a memory limit larger than any machine",
      memoryLimits("db=4096GiB"),
      'ownstack:memoryLimits[0]: expected a size of at most 1TiB such as "512MiB" or "2GiB", got "4096GiB"',
    ],
    [
      "a memory limit no number type holds",
      memoryLimits(`db=${"9".repeat(400)}g`),
      "ownstack:memoryLimits[0]: expected a size of at most 1TiB",
    ],
    [
      "a memory limit for a service listed twice",
      memoryLimits("kong=512MiB", "kong=1GiB"),
      'ownstack:memoryLimits[1]: "kong" is already set by ownstack:memoryLimits[0], expected each service once',
    ],
    [
      "a memory limit with a second =",
      memoryLimits("kong=512MiB=1GiB"),
      'ownstack:memoryLimits[0]: expected one "service=size" entry such as "kong=512MiB", got "kong=512MiB=1GiB"',
    ],
    [
      "a memory limit without a size",
      memoryLimits("kong="),
      'ownstack:memoryLimits[0]: expected one "service=size" entry such as "kong=512MiB", got "kong="',
    ],
  ]);

  it("accepts a 1TiB limit and a fractional size", () => {
    expect(
      parseSettings(memoryLimits("ollama=1024GiB", "kong=0.5GiB"), "local").memoryMiB,
    ).toMatchObject({ ollama: 1048576, kong: 512 });
  });

  itRefuses("local", [
    [
      "an image override for a service listed twice",
      imageOverrides("kong=kong/kong:3.9.3", "kong=kong/kong:3.9.2"),
      'ownstack:imageOverrides[1]: "kong" is already set by ownstack:imageOverrides[0], expected each service once',
    ],
    [
      "an image override with a second =",
      imageOverrides("kong=kong/kong:3.9.3=x"),
      'ownstack:imageOverrides[0]: expected one "service=image:tag" entry such as "kong=kong/kong:3.9.3", got "kong=kong/kong:3.9.3=x"',
    ],
    [
      "an image override with an uppercase repository",
      imageOverrides("kong=Kong/Kong:3.9.3"),
      'ownstack:imageOverrides[0]: expected an image reference as Docker reads it: [registry[:port]/]lowercase/path[:tag][@digest], such as "kong/kong:3.9.3", got "Kong/Kong:3.9.3"',
    ],
    [
      "an image override with an empty path segment",
      imageOverrides("kong=kong//kong:3.9.3"),
      "ownstack:imageOverrides[0]: expected an image reference as Docker reads it",
    ],
    [
      "an image override with a registry port but no tag",
      imageOverrides("kong=registry.example.com:5000/kong/kong"),
      'ownstack:imageOverrides[0]: expected a pinned tag or digest such as "kong/kong:3.9.3"',
    ],
  ]);

  it("accepts a registry with a port and a digest", () => {
    const images = parseSettings(
      imageOverrides(
        "kong=registry.example.com:5000/kong/kong:3.9.3",
        `db=supabase/postgres@${DIGEST}`,
      ),
      "local",
    ).images;
    expect([images.kong, images.db]).toEqual([
      "registry.example.com:5000/kong/kong:3.9.3",
      `supabase/postgres@${DIGEST}`,
    ]);
  });
});

describe("Ollama models: what `ollama pull` accepts", () => {
  it.each([
    ["a library model", "llama3.2:1b"],
    ["an untagged model", "nomic-embed-text"],
    ["a user's model", "myuser/mymodel:v1"],
    ["a Hugging Face model", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"],
  ])("accepts %s", (_, model) => {
    expect(parseSettings(ollamaModels(model), "local").ollama.models).toEqual([model]);
  });

  it("refuses a name ollama would refuse, naming the entry", () => {
    expect(refused(ollamaModels("llama3.2:1b", "my.user/model"))).toContain(
      "ownstack:ollamaModels[1]: expected a model name as `ollama pull` takes it",
    );
  });
});

describe("keys outside ownstack:", () => {
  it.each([
    ["ownstak:apiPort", 'ownstak:apiPort: unknown namespace "ownstak", expected ownstack:apiPort'],
    [
      "Ownstack:apiport",
      'Ownstack:apiport: unknown namespace "Ownstack", expected ownstack:apiPort',
    ],
  ])("refuses the misspelled namespace of %s, naming the key it meant", (key, problem) => {
    expect(problemsOf({ [key]: "8100" })).toEqual([problem]);
  });

  it("refuses docker:host and docker:context, which the program's own provider would ignore", () => {
    expect(problemsOf({ "docker:host": "ssh://deploy@203.0.113.10" })).toEqual([
      "docker:host: not read, because ownstack deploys through its own Docker provider; expected ownstack:dockerHost instead (ssh://user@host or tcp://host:2376)",
    ]);
    expect(refused({ "docker:context": "server" })).toContain("docker:context: not read");
  });

  it("takes docker TLS material with a tcp:// host, without a warning", () => {
    const config = {
      "ownstack:dockerHost": "tcp://203.0.113.10:2376",
      "ownstack:ollamaGpu": "cpu",
      "docker:certPath": "/home/me/.docker/server",
      "docker:caMaterial": "-----BEGIN CERTIFICATE-----",
    };
    expect(parseConfig(config, "local").warnings).toEqual([]);
  });

  it("warns about docker keys its provider does not read, and TLS material without a tcp:// host", () => {
    expect(
      parseConfig({ "docker:sshOpts": '["-p","2222"]', "docker:certPath": "/certs" }, "local")
        .warnings,
    ).toEqual([
      'docker:certPath is used only with a tcp:// ownstack:dockerHost; it is ignored for "this machine"',
      "docker:sshOpts is ignored: ownstack's Docker provider reads only ownstack:dockerHost and docker:caMaterial, docker:certMaterial, docker:certPath, docker:keyMaterial",
    ]);
  });
});

describe("addresses in the form the program using them reads", () => {
  const vps = (key: string, value: string) =>
    refused({ ...VPS_CONFIG, [`ownstack:${key}`]: value }, "vps");
  it.each([
    [
      "acmeEmail",
      "mailto:ops@example.com",
      'ownstack:acmeEmail: expected an e-mail address such as admin@example.com, got "mailto:ops@example.com"',
    ],
    [
      "smtpAdminEmail",
      "no-reply@example.com;",
      'ownstack:smtpAdminEmail: expected an e-mail address such as admin@example.com, got "no-reply@example.com;"',
    ],
    [
      "dockerHost",
      "ssh://deploy@203.0.113.10:70000",
      'ownstack:dockerHost: expected ssh://user@host[:port] (key auth) or tcp://host:2376 (with TLS material in docker:certPath), ports 1-65535, got "ssh://deploy@203.0.113.10:70000"',
    ],
    ["dockerHost", "ssh://user@host@other", "ownstack:dockerHost: expected ssh://user@host[:port]"],
    [
      "smtpHost",
      "smtp://smtp.example.com",
      'ownstack:smtpHost: expected a host name such as smtp.example.com (no scheme or port; the port goes in ownstack:smtpPort), got "smtp://smtp.example.com"',
    ],
    [
      "smtpHost",
      "smtp.example.com:587",
      'ownstack:smtpHost: expected a host name such as smtp.example.com (no scheme or port; the port goes in ownstack:smtpPort), got "smtp.example.com:587"',
    ],
  ])("refuses %s %s", (key, value, message) => {
    expect(vps(key, value)).toContain(message);
  });
});

describe("values YAML reads as numbers, booleans or null get the key's own message", () => {
  it.each([
    [
      "domain",
      "12345",
      "ownstack:domain: expected a bare domain such as example.com (no scheme, port or path), got 12345",
    ],
    [
      "acmeEmail",
      "true",
      "ownstack:acmeEmail: expected an e-mail address such as admin@example.com, got true",
    ],
    [
      "smtpHost",
      "null",
      "ownstack:smtpHost: expected a host name such as smtp.example.com (no scheme or port; the port goes in ownstack:smtpPort), got null",
    ],
    [
      "smtpUser",
      "null",
      "ownstack:smtpUser: expected the SMTP user name as text, such as postmaster@example.com, got null",
    ],
    [
      "siteUrl",
      "3000",
      "ownstack:siteUrl: expected an absolute http(s) URL such as https://app.example.com, got 3000",
    ],
  ])("%s: %s", (key, value, message) => {
    expect(refused({ ...VPS_CONFIG, [`ownstack:${key}`]: value }, "vps")).toContain(message);
  });

  it("keeps a number-looking value that the key takes as text", () => {
    expect(parseSettings({ ...VPS_CONFIG, "ownstack:smtpUser": "12345" }, "vps").smtp.user).toBe(
      "12345",
    );
  });

  const keys = (Object.keys(settingsShape) as SettingKey[]).filter((k) => k !== "target");
  it.each(keys)(
    "%s: no refusal of a number, boolean, null, list or map is zod's generic text",
    (key) => {
      for (const value of ["12345", "3.5", "true", "null", "[1]", '{"a":1}']) {
        for (const problem of problemsOf({ [`ownstack:${key}`]: value })) {
          expect(problem, `${key}=${value}`).toMatch(
            // Lists name the entry ([0]); the sign-in maps name the field ([google][secret]).
            new RegExp(`^ownstack:${key}(\\[[^\\]]+\\])*: .*expected `),
          );
          expect(problem, `${key}=${value}`).not.toMatch(/Invalid input|received/);
        }
      }
    },
  );
});

describe("the SMTP password", () => {
  const withoutPass = without(VPS_CONFIG, "ownstack:smtpPass");

  it("is required when an SMTP user is set: GoTrue would log in with an empty password", () => {
    expect(problemsOf(withoutPass, "vps")).toEqual([
      "ownstack:smtpPass: required when ownstack:smtpUser is set, expected it as a secret: pulumi config set --secret smtpPass '<password>'",
    ]);
    expect(problemsOf({ ...withoutPass, "ownstack:smtpUser": "" }, "vps")).toEqual([]);
    expect(problemsOf({ ...withoutPass, "ownstack:mailpit": "true" }, "vps")).toEqual([]);
  });

  it("in plain text gets a warning that names the key and the command that encrypts it, never the value", () => {
    const { warnings } = parseConfig(VPS_CONFIG, "vps", { secretKeys: [] });
    expect(warnings).toEqual([
      "ownstack:smtpPass is stored in plain text in Pulumi.vps.yaml; encrypt it with: pulumi config set -s vps --secret smtpPass '<password>'",
    ]);
    expect(warnings.join("\n")).not.toContain(VPS_CONFIG["ownstack:smtpPass"]);
  });

  it("never appears in a refusal", () => {
    const message = problemsOf(
      { ...VPS_CONFIG, "ownstack:apiPort": "0", "ownstack:smtpPass": "hunter2-secret" },
      "vps",
    ).join("\n");
    expect(message).not.toContain("hunter2-secret");
  });

  it("is a secret key, with the kubernetes credentials (database URL, S3 keys), the backups' off-site credentials and Studio's OpenAI key", () => {
    expect([...SECRET_KEYS].sort()).toEqual([
      "backupS3AccessKeyId",
      "backupS3SecretAccessKey",
      "backupSftpPrivateKey",
      "databaseUrl",
      "s3AccessKeyId",
      "s3SecretAccessKey",
      "smtpPass",
      "studioOpenAiKey",
    ]);
  });
});

describe("a clean config gets no warning", () => {
  it.each([
    ["local", {}],
    ["vps", VPS_CONFIG],
  ])("%s", (stack, config) => {
    expect(parseConfig(config, stack, { secretKeys: ["ownstack:smtpPass"] }).warnings).toEqual([]);
  });
});
