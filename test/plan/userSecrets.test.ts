import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../config/schema";
import { MAP_KEYS } from "../../config/authConfig";
import {
  USER_SECRETS,
  USER_SECRET_NAMES,
  UserSecret,
  UserSecretName,
  renderUserSecretTable,
  userSecretText,
} from "../../config/userSecrets";
import { VPS_CONFIG, evaluate } from "./mocks";
import { Plan, PlannedResource } from "./harness";
import { diff } from "./lookups";
import { K8S_CONFIG } from "../support/stacks";

/**
 * The secrets a user brings, against the plan: each is set once, then changed, and exactly the
 * consumers config/userSecrets.ts names are replaced (Docker) or roll (kubernetes); nothing that
 * holds data changes.
 */

const json = (v: unknown) => JSON.stringify(v);
const hook = (secret: string) =>
  json({
    sendEmail: { uri: "https://hooks.example.com/send-email", secrets: `v1,whsec_${secret}` },
  });
const OFFSITE_SFTP = {
  "ownstack:backupOffsite": "sftp://backup@files.example.com/srv/ownstack",
  "ownstack:backupSftpHostKey": `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5${"A".repeat(44)}`,
};
const OFFSITE_S3 = { "ownstack:backupOffsite": "s3://my-backups/ownstack" };

/** For each secret: the config around it, then its first and its new value. */
const CASES: Record<
  UserSecretName,
  { with?: Record<string, string>; before: string; after: string }
> = {
  authProviders: {
    before: json({ google: { clientId: "123.apps.googleusercontent.com", secret: "old" } }),
    after: json({ google: { clientId: "123.apps.googleusercontent.com", secret: "new" } }),
  },
  authSms: {
    before: json({
      provider: "twilio",
      twilio: { accountSid: "AC1", authToken: "old", messageServiceSid: "MG1" },
    }),
    after: json({
      provider: "twilio",
      twilio: { accountSid: "AC1", authToken: "new", messageServiceSid: "MG1" },
    }),
  },
  authHooks: { before: hook("A".repeat(40)), after: hook("B".repeat(40)) },
  authCaptcha: {
    before: json({ provider: "hcaptcha", secret: "old" }),
    after: json({ provider: "hcaptcha", secret: "new" }),
  },
  smtpPass: {
    // On local, auth mails through Mailpit unless it is off and an SMTP server is given.
    with: {
      "ownstack:mailpit": "false",
      "ownstack:smtpHost": "smtp.example.com",
      "ownstack:smtpUser": "postmaster@example.com",
      "ownstack:smtpAdminEmail": "admin@example.com",
    },
    before: "old-password",
    after: "new-password",
  },
  studioOpenAiKey: { before: "sk-old", after: "sk-new" },
  backupSftpPrivateKey: {
    with: OFFSITE_SFTP,
    before: "-----BEGIN OPENSSH PRIVATE KEY-----\nold\n-----END OPENSSH PRIVATE KEY-----\n",
    after: "-----BEGIN OPENSSH PRIVATE KEY-----\nnew\n-----END OPENSSH PRIVATE KEY-----\n",
  },
  backupS3AccessKeyId: {
    with: { ...OFFSITE_S3, "ownstack:backupS3SecretAccessKey": "secret" },
    before: "AKIAOLD",
    after: "AKIANEW",
  },
  backupS3SecretAccessKey: {
    with: { ...OFFSITE_S3, "ownstack:backupS3AccessKeyId": "AKIA" },
    before: "old",
    after: "new",
  },
  s3AccessKeyId: { before: "AKIAOLD", after: "AKIANEW" },
  s3SecretAccessKey: { before: "old", after: "new" },
};

const configFor = (name: UserSecretName, value: string, base: Record<string, string>) => ({
  ...base,
  ...CASES[name].with,
  [`ownstack:${name}`]: value,
});

/**
 * Kubernetes workloads that roll: their pod template changed, or their env Secret did (it is
 * auto-named, so a changed value is a new Secret the template points at; the mocks cannot name it).
 */
function rolled(base: Plan, changed: Plan): string[] {
  const isWorkload = (r: PlannedResource) =>
    /apps\/v1:(Deployment|StatefulSet|DaemonSet)$/.test(r.type);
  const isEnvSecret = (r: PlannedResource) =>
    r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("-env");
  const d = diff(base, changed).others.map((o) => o.split("::"));
  return [
    ...new Set(
      d.flatMap(([type, name]) => {
        const r = changed.resources.find((x) => x.type === type && x.name === name)!;
        if (isWorkload(r)) return [r.inputs.metadata.name as string];
        if (isEnvSecret(r)) return [name.slice(0, -"-env".length)];
        return [];
      }),
    ),
  ].sort();
}

const docker = USER_SECRET_NAMES.filter((n) => (USER_SECRETS[n] as UserSecret).docker !== false);
const kubernetes = USER_SECRET_NAMES.filter((n) => (USER_SECRETS[n] as UserSecret).kubernetes);

describe("the secrets a user brings", () => {
  it("lists every secret key and every map key that holds a secret", () => {
    const mapSecrets = MAP_KEYS.filter((k) =>
      ["authProviders", "authSms", "authHooks", "authCaptcha"].includes(k),
    );
    expect([...USER_SECRET_NAMES].sort()).toEqual(
      [...SECRET_KEYS.filter((k) => k !== "databaseUrl"), ...mapSecrets].sort(),
    );
  });

  it("README's table is the one the entries render", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    expect(readme).toContain(renderUserSecretTable().trim());
  });

  it("rotate prints how to set a new value and what restarts", () => {
    expect(userSecretText("smtpPass", "vps")).toContain(
      "pulumi config set -s vps --secret smtpPass '<password>'",
    );
    expect(userSecretText("smtpPass", "vps")).toContain("restarts (Docker): auth");
    expect(userSecretText("s3AccessKeyId", "k8s")).not.toContain("Docker");
  });
});

describe.each([
  ["local", {}],
  ["vps", VPS_CONFIG],
] as const)(
  "changing a secret a user brings on %s replaces exactly its consumers",
  (stack, base) => {
    const replaced = new Map<UserSecretName, ReturnType<typeof diff>>();
    beforeAll(async () => {
      for (const name of docker) {
        const before = await evaluate(configFor(name, CASES[name].before, base), stack);
        const after = await evaluate(configFor(name, CASES[name].after, base), stack);
        replaced.set(name, diff(before, after));
      }
    }, 600_000);

    it.each(docker.map((n) => [n, USER_SECRETS[n].restarts.join(" ")]))(
      "%s replaces: %s",
      (name, expected) => {
        const d = replaced.get(name as UserSecretName)!;
        expect(d.containers.join(" ")).toBe(expected);
        expect(d.others.filter((o) => o.startsWith("docker:"))).toEqual([]);
      },
    );
  },
);

describe("changing a secret a user brings on kubernetes rolls exactly its consumers", () => {
  const rolls = new Map<UserSecretName, string[]>();
  beforeAll(async () => {
    for (const name of kubernetes) {
      const before = await evaluate(configFor(name, CASES[name].before, K8S_CONFIG), "k8s");
      const after = await evaluate(configFor(name, CASES[name].after, K8S_CONFIG), "k8s");
      rolls.set(name, rolled(before, after));
    }
  }, 600_000);

  it.each(kubernetes.map((n) => [n, (USER_SECRETS[n] as UserSecret).kubernetes!.join(" ")]))(
    "%s rolls: %s",
    (name, expected) => {
      expect(rolls.get(name as UserSecretName)!.join(" ")).toBe(expected);
    },
  );
});
