/**
 * The secrets a user brings (an OAuth client secret, the SMTP password, an off-site key), as the
 * rotation table (scripts/lib/rotation-plan.ts) lists the generated ones: how to set a new value,
 * which containers embed it and so restart when it changes, and what users notice. Nothing here
 * is regenerated: the provider issues the new value, `pulumi config set --secret` stores it and
 * `pulumi up` replaces exactly these consumers (test/plan/userSecrets.test.ts changes each value
 * on the plan and compares). `npm run rotate -- <name>` prints the entry.
 */

export interface UserSecret {
  /** The `pulumi config set` arguments that store a new value (`--secret` is always there). */
  readonly set: string;
  /** Docker containers (by `ownstack.service` label) replaced when the value changes. */
  readonly restarts: readonly string[];
  /** Kubernetes workloads (by name) that roll when the value changes; absent: Docker only. */
  readonly kubernetes?: readonly string[];
  /** Docker stacks read it too; false for the kubernetes-only keys. */
  readonly docker?: false;
  readonly notice: string;
}

export const USER_SECRETS = {
  authProviders: {
    set: "--secret --path 'authProviders.<provider>.secret' '<client secret>'",
    restarts: ["auth"],
    kubernetes: ["auth"],
    notice:
      "Auth restarts (a few seconds on vps, where the new container is healthy before the old one stops); sessions are kept. " +
      "Change the secret at the provider first, or sign-ins with it fail until both match.",
  },
  authSms: {
    set: "--secret --path 'authSms.<provider>.<credential>' '<value>'",
    restarts: ["auth"],
    kubernetes: ["auth"],
    notice: "Auth restarts; SMS codes already sent stay valid.",
  },
  authHooks: {
    set: "--secret --path 'authHooks.<hook>.secrets' 'v1,whsec_<base64>'",
    restarts: ["auth"],
    kubernetes: ["auth"],
    notice:
      "Auth restarts. GoTrue signs each hook call with every secret in the value (a list joined by vertical bars): put the new one first and keep the old " +
      "until the hook's endpoint verifies the new one, then remove it.",
  },
  authCaptcha: {
    set: "--secret --path 'authCaptcha.secret' '<secret key>'",
    restarts: ["auth"],
    kubernetes: ["auth"],
    notice:
      "Auth restarts; the site key in your app changes only if the captcha provider issued a new one.",
  },
  smtpPass: {
    set: "--secret smtpPass '<password>'",
    restarts: ["auth"],
    kubernetes: ["auth"],
    notice:
      "Auth restarts; GoTrue sends mail while it answers the request, so a sign-up or reset asked for during the restart may need a retry.",
  },
  studioOpenAiKey: {
    set: "--secret studioOpenAiKey '<sk-...>'",
    restarts: ["studio"],
    kubernetes: ["studio"],
    notice: "Studio restarts (about 30 s); its AI assistant uses the new key.",
  },
  backupSftpPrivateKey: {
    set: "--secret backupSftpPrivateKey < ~/.ssh/ownstack_backup",
    restarts: ["backup"],
    notice:
      "The backup scheduler restarts; the next off-site copy logs in with the new key (add its public key to the server's authorized_keys first).",
  },
  backupS3AccessKeyId: {
    set: "--secret backupS3AccessKeyId '<access key id>'",
    restarts: ["backup"],
    notice: "The backup scheduler restarts; the next off-site copy signs with the new key.",
  },
  backupS3SecretAccessKey: {
    set: "--secret backupS3SecretAccessKey '<secret access key>'",
    restarts: ["backup"],
    notice: "The backup scheduler restarts; the next off-site copy signs with the new key.",
  },
  s3AccessKeyId: {
    set: "--secret s3AccessKeyId '<access key id>'",
    restarts: [],
    kubernetes: ["storage"],
    docker: false,
    notice: "Storage's pods roll one at a time (two replicas by default); stored objects are kept.",
  },
  s3SecretAccessKey: {
    set: "--secret s3SecretAccessKey '<secret access key>'",
    restarts: [],
    kubernetes: ["storage"],
    docker: false,
    notice: "Storage's pods roll one at a time (two replicas by default); stored objects are kept.",
  },
} as const satisfies Readonly<Record<string, UserSecret>>;

export type UserSecretName = keyof typeof USER_SECRETS;
export const USER_SECRET_NAMES = Object.keys(USER_SECRETS) as UserSecretName[];

/** The full `pulumi config set` command for a new value on `stack`. */
export const setCommand = (name: UserSecretName, stack: string): string =>
  `pulumi config set -s ${stack} ${USER_SECRETS[name].set}`;

/** What `npm run rotate -- <name>` prints for a secret the user brings. */
export function userSecretText(name: UserSecretName, stack: string): string {
  const e: UserSecret = USER_SECRETS[name];
  const list = (xs: readonly string[] | undefined) =>
    xs !== undefined && xs.length > 0 ? xs.join(", ") : "nothing";
  return [
    `${name} is a secret you bring, so ownstack cannot generate a new one. To change it on stack "${stack}":`,
    `  1. get the new value from its issuer`,
    `  2. ${setCommand(name, stack)}`,
    `  3. pulumi up -s ${stack}`,
    ...(e.docker === false ? [] : [`  restarts (Docker): ${list(e.restarts)}`]),
    ...(e.kubernetes !== undefined ? [`  rolls (kubernetes): ${list(e.kubernetes)}`] : []),
    `  users notice: ${e.notice}`,
  ].join("\n");
}

/** README's table of the secrets a user brings, from the same entries. */
export function renderUserSecretTable(): string {
  const code = (xs: readonly string[] | undefined) =>
    xs !== undefined && xs.length > 0 ? xs.map((x) => `\`${x}\``).join(", ") : "nothing";
  const rows = USER_SECRET_NAMES.map((n) => {
    const e: UserSecret = USER_SECRETS[n];
    const docker = e.docker === false ? "(kubernetes only)" : code(e.restarts);
    const cluster = e.kubernetes === undefined ? "(Docker only)" : code(e.kubernetes);
    return `| \`${n}\` | \`pulumi config set ${e.set}\` | ${docker} | ${cluster} | ${e.notice} |`;
  });
  return (
    [
      "| Secret | Set a new value | Restarts (Docker) | Rolls (kubernetes) | What users notice |",
      "|---|---|---|---|---|",
      ...rows,
    ].join("\n") + "\n"
  );
}
