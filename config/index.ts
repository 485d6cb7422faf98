import * as pulumi from "@pulumi/pulumi";
import { authSecretEnv } from "./authConfig";
import { PROJECT, Settings, parseConfig } from "./settings";

export * from "./settings";
export { IMAGES } from "./images";
export { SERVICES, ServiceName } from "./services";

/**
 * TLS material for a `tcp://` Docker host. An explicit provider does not read `docker:*` stack
 * config by itself, so the program passes it on (the key as a secret).
 */
export interface DockerTls {
  readonly certPath?: string;
  readonly caMaterial?: string;
  readonly certMaterial?: string;
  readonly keyMaterial?: pulumi.Output<string>;
}

/**
 * The keys the CLI passes as secrets. @pulumi/pulumi keeps the list (PULUMI_CONFIG_SECRET_KEYS, or
 * what setAllConfig was given) behind `runtime.isConfigSecret`, which sdk/nodejs/runtime/config.ts
 * marks @internal; without it, the environment variable the language host sets is read directly.
 */
function isSecretKey(fullKey: string): boolean {
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
    .isConfigSecret;
  if (typeof isConfigSecret === "function") return isConfigSecret(fullKey);
  const listed: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS || "[]");
  return Array.isArray(listed) && listed.includes(fullKey);
}

/**
 * Reads the whole stack config once; the only place in the program that touches pulumi.Config.
 * Refusals throw before any resource exists; warnings are logged then, too.
 */
export function loadSettings(): {
  settings: Settings;
  smtpPassword: pulumi.Output<string>;
  dockerTls: DockerTls;
} {
  const raw = pulumi.runtime.allConfig();
  const { settings, warnings } = parseConfig(raw, pulumi.getStack(), {
    secretKeys: Object.keys(raw).filter(isSecretKey),
  });
  for (const warning of warnings) void pulumi.log.warn(warning);
  const smtpPassword = new pulumi.Config(PROJECT).getSecret("smtpPass") ?? pulumi.secret("");
  const docker = new pulumi.Config("docker");
  const dockerTls: DockerTls = {
    certPath: docker.get("certPath"),
    caMaterial: docker.get("caMaterial"),
    certMaterial: docker.get("certMaterial"),
    keyMaterial: docker.getSecret("keyMaterial"),
  };
  return { settings, smtpPassword, dockerTls };
}

/**
 * Secrets the user brings for the apps' own integrations (Studio's assistant, sign-in providers),
 * read once here for the Docker and Kubernetes stacks alike; each is present only when set.
 */
export interface UserSecrets {
  readonly studioOpenAiKey?: pulumi.Output<string>;
  /** GoTrue's secret env: provider client secrets, SMS credentials, hook secrets. */
  readonly authEnv?: Readonly<Record<string, pulumi.Output<string>>>;
}

export function loadUserSecrets(settings: Settings): UserSecrets {
  const config = new pulumi.Config(PROJECT);
  const authEnv = authSecretEnv(pulumi.runtime.allConfig(), settings.apiExternalUrl);
  return {
    studioOpenAiKey: config.getSecret("studioOpenAiKey"),
    authEnv: Object.fromEntries(
      Object.entries(authEnv).map(([name, value]) => [name, pulumi.secret(value)]),
    ),
  };
}

/** Secret credentials of the backups' off-site copy; each is present only when set. */
export interface BackupCredentials {
  readonly sftpPrivateKey?: pulumi.Output<string>;
  readonly s3AccessKeyId?: pulumi.Output<string>;
  readonly s3SecretAccessKey?: pulumi.Output<string>;
}

/** The backup scheduler's off-site credentials (Docker targets). */
export function loadBackupCredentials(): BackupCredentials {
  const config = new pulumi.Config(PROJECT);
  return {
    sftpPrivateKey: config.getSecret("backupSftpPrivateKey"),
    s3AccessKeyId: config.getSecret("backupS3AccessKeyId"),
    s3SecretAccessKey: config.getSecret("backupS3SecretAccessKey"),
  };
}

/** The secrets only `target: kubernetes` reads; called for that target alone. */
export function loadKubernetesSecrets(smtpPassword: pulumi.Output<string>, user: UserSecrets) {
  const config = new pulumi.Config(PROJECT);
  return {
    smtpPassword,
    user,
    databaseUrl: config.getSecret("databaseUrl"),
    s3AccessKeyId: config.getSecret("s3AccessKeyId") ?? pulumi.secret(""),
    s3SecretAccessKey: config.getSecret("s3SecretAccessKey") ?? pulumi.secret(""),
  };
}
