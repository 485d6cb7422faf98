import { z } from "zod";
import { DB_DATA_MAJOR_DEFAULT } from "./images";
import { DEFAULT_NETWORK_POOL } from "./networkPool";

/** Where the Docker daemon listens on its host, unless `ownstack:dockerSocket` says otherwise. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";
import { isHostName } from "./formats";
import { restShape } from "./restConfig";
import { authShape } from "./authConfig";
import { authBasicsShape } from "./authBasics";
import { kubernetesMonitoringShape } from "./kubernetesMonitoring";
import { kubernetesOllamaShape } from "./kubernetesOllama";
import {
  backupRetention,
  backupSchedule,
  dockerHost,
  domainName,
  duration,
  email,
  httpUrl,
  imageOverride,
  kubeName,
  memoryOverride,
  networkPool,
  ollamaModel,
  optionalHttpUrl,
  port,
  projectPath,
  redisSize,
  replicaOverride,
  socketPath,
  sshPublicKey,
  text,
} from "./valueTypes";

/** The config namespace of every key; `ownstack:apiPort` in stack files and errors. */
export const PROJECT = "ownstack";
export const configKey = (key: string): string => `${PROJECT}:${key}`;

/**
 * Every key a user may set under the `ownstack:` namespace, with its zod type and the default the
 * program applies. `Pulumi.yaml` declares the same keys with the same defaults; a test keeps the two
 * in step, because the Pulumi CLI fills typed defaults in but unit tests and the Automation API
 * without a project file do not.
 */

/** Value types other modules read too. */

export const TARGETS = ["local", "vps", "kubernetes"] as const;
export type Target = (typeof TARGETS)[number];

/** `auto` lets the stack kind decide: on for `local`, off for `vps`. */
export const toggle = z
  .union([z.boolean(), z.enum(["auto", "true", "false"])], {
    error: "expected auto, true or false",
  })
  .transform((v) => (v === "true" ? true : v === "false" ? false : v));
export type Toggle = boolean | "auto";

/** Secrets that `npm run rotate -- <name>` can regenerate, each with its counter key. */
export const ROTATABLE = [
  "jwt",
  "postgres",
  "dashboard",
  "minio",
  "redis",
  "qdrant",
  "realtime",
  "vault",
  "meta",
  "signingKey",
  "logflare",
  "backup",
  "saml",
  "openWebui",
] as const;
export type Rotatable = (typeof ROTATABLE)[number];
export const rotationKey = <N extends Rotatable>(name: N) =>
  `rotate${name[0].toUpperCase()}${name.slice(1)}` as `rotate${Capitalize<N>}`;

/** One counter key per rotatable secret (`rotateJwt`, ...), in ROTATABLE's order. */
function rotationKeys() {
  const counter = z
    .number({ error: "expected a whole number >= 0 (a rotation counter)" })
    .int("expected a whole number >= 0 (a rotation counter)")
    .min(0, "expected a whole number >= 0 (a rotation counter)")
    .default(0);
  return Object.fromEntries(ROTATABLE.map((name) => [rotationKey(name), counter])) as Record<
    `rotate${Capitalize<Rotatable>}`,
    typeof counter
  >;
}

export const DEFAULT_SEED_PATH = "supabase/seed.sql";

export const DEFAULT_MIGRATIONS_PATH = "supabase/migrations";

/** The keys, their types and defaults. Order here is the order of `Pulumi.yaml`. */
export const settingsShape = {
  target: z.enum(TARGETS, { error: "expected one of: local, vps, kubernetes" }).default("local"),

  // Network exposure.
  apiPort: port.default(8000),
  mailpitPort: port.default(54324),
  qdrantPort: port.default(6333),
  ollamaPort: port.default(11434),
  redisPort: port.default(6379),
  prometheusPort: port.default(9090),
  openWebuiPort: port.default(8080),
  insecureHttp: z.boolean({ error: "expected true or false" }).default(false),

  // Public identity (vps).
  domain: domainName.default(""),
  acmeEmail: email.default(""),
  acmeChallenge: z.enum(["http", "tls"], { error: "expected one of: http, tls" }).default("http"),
  acmeStaging: z.boolean({ error: "expected true or false" }).default(false),
  dockerHost: dockerHost.default(""),
  dockerSocket: socketPath.default(DEFAULT_DOCKER_SOCKET),
  networkPool: networkPool.default(DEFAULT_NETWORK_POOL),

  // Auth.
  siteUrl: optionalHttpUrl.default(""),
  additionalRedirectUrls: z
    .array(httpUrl, {
      error: 'expected a list of URLs such as ["https://app.example.com/welcome"]',
    })
    .default([]),
  jwtExpiry: z
    .number({ error: "expected a number of seconds between 60 and 604800" })
    .int("expected a number of seconds between 60 and 604800")
    .min(60, "expected a number of seconds between 60 and 604800")
    .max(604800, "expected a number of seconds between 60 and 604800")
    .default(3600),
  disableSignup: z.boolean({ error: "expected true or false" }).default(false),
  enableEmailAutoconfirm: z.boolean({ error: "expected true or false" }).default(false),
  enableAnonymousUsers: z.boolean({ error: "expected true or false" }).default(false),
  dashboardUsername: text("expected 3-32 letters, digits, dot, dash or underscore", (v) =>
    /^[a-zA-Z0-9_.-]{3,32}$/.test(v),
  ).default("supabase"),
  smtpHost: text(
    "expected a host name such as smtp.example.com (no scheme or port; the port goes in ownstack:smtpPort)",
    (v) => v === "" || isHostName(v),
  ).default(""),
  smtpPort: port.default(587),
  smtpUser: text("expected the SMTP user name as text, such as postmaster@example.com").default(""),
  smtpAdminEmail: email.default(""),
  smtpSenderName: text("expected the sender name of auth mails as text, such as ownstack").default(
    "ownstack",
  ),
  // SAML SSO and config.toml's other [auth] values (config/authBasics.ts).
  ...authBasicsShape,
  // Sign-in providers, phone, MFA, hooks, rate limits (config/authConfig.ts): maps, set with --path.
  ...authShape,

  // API: PostgREST's schemas, row cap and search path (config/restConfig.ts).
  ...restShape,

  // Services.
  mailpit: toggle.default("auto"),
  storageBackend: z
    .enum(["minio", "file", "s3"], { error: "expected one of: minio, file, s3" })
    .default("minio"),
  storageBucket: text(
    "expected an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)",
    (v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v),
  ).default("ownstack"),
  qdrant: toggle.default("auto"),
  ollama: toggle.default("auto"),
  ollamaGpu: z
    .enum(["auto", "nvidia", "amd", "cpu"], { error: "expected one of: auto, nvidia, amd, cpu" })
    .default("auto"),
  ollamaModels: z
    .array(ollamaModel, { error: 'expected a list of models such as ["llama3.2:1b"]' })
    .default([]),
  ollamaKeepAlive: z
    .union([z.string(), z.number()], { error: 'expected "-1", "0" or a duration such as "5m"' })
    .transform((v) => String(v))
    .refine((v) => /^(-1|0|\d+(s|m|h))$/.test(v), 'expected "-1", "0" or a duration such as "5m"')
    .default("5m"),
  redis: toggle.default("auto"),
  redisMaxMemory: redisSize.default("256mb"),
  redisMaxMemoryPolicy: z
    .enum(
      [
        "noeviction",
        "allkeys-lru",
        "allkeys-lfu",
        "volatile-lru",
        "volatile-lfu",
        "allkeys-random",
        "volatile-random",
        "volatile-ttl",
      ],
      {
        error: "expected a Redis maxmemory-policy such as allkeys-lru or noeviction",
      },
    )
    .default("allkeys-lru"),
  prometheus: toggle.default("auto"),
  // A zero retention would not mean "keep nothing" but fall back to Prometheus's default.
  prometheusRetention: duration
    .refine((v) => !/^0+[a-z]+$/.test(v), 'expected a retention longer than zero such as "15d"')
    .default("15d"),
  // Open WebUI: auto is on where Ollama and Qdrant are on locally (settings.ts).
  openWebui: toggle.default("auto"),
  openWebuiAdminEmail: email.default(""),
  // Studio's Logs Explorer (analytics + vector): on for local; vps must choose (settings.ts).
  logs: toggle.default("auto"),

  // Supabase extras: signing keys, Edge Functions, pooler, image transforms, Grafana, migrations.
  authSigning: z
    .enum(["es256", "hs256"], { error: "expected one of: es256, hs256" })
    .default("es256"),
  signingKeyOverlap: duration.default("1d"),
  functions: toggle.default(false),
  functionsPath: projectPath.default("supabase/functions"),
  functionsVerifyJwt: z.boolean({ error: "expected true or false" }).default(true),
  supavisor: toggle.default(false),
  poolerSessionPort: port.default(5432),
  poolerTransactionPort: port.default(6543),
  imgproxy: toggle.default("auto"),
  grafana: toggle.default(false),
  grafanaPort: port.default(3030),
  migrationsPath: projectPath.default(DEFAULT_MIGRATIONS_PATH),
  seedPath: projectPath.default(DEFAULT_SEED_PATH),

  // Kubernetes (target: kubernetes): cluster, database engine, ingress and object storage.
  kubeContext: text("expected a kubeconfig context name").default(""),
  namespace: text(
    "expected a Kubernetes namespace name such as ownstack-prod (lowercase letters, digits, dashes)",
    (v) => v === "" || /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v),
  ).default(""),
  replicas: z
    .array(replicaOverride, { error: 'expected a list such as ["rest=3", "kong=2"]' })
    .default([]),
  ingressClass: text("expected an IngressClass name such as nginx").default(""),
  ingressNamespace: kubeName("ingress-nginx").default("ingress-nginx"),
  clusterIssuer: text(
    "expected the name of a cert-manager ClusterIssuer such as letsencrypt-prod",
  ).default(""),
  database: z
    .enum(["cnpg", "external"], { error: "expected one of: cnpg, external" })
    .default("cnpg"),
  cnpgInstances: z
    .number({ error: "expected a whole number of Postgres instances between 1 and 9" })
    .int("expected a whole number of Postgres instances between 1 and 9")
    .min(1, "expected a whole number of Postgres instances between 1 and 9")
    .max(9, "expected a whole number of Postgres instances between 1 and 9")
    .default(2),
  cnpgStorageSize: text('expected a volume size such as "10Gi"', (v) =>
    /^\d+(Mi|Gi|Ti)$/.test(v),
  ).default("10Gi"),
  cnpgOperatorNamespace: kubeName("cnpg-system").default("cnpg-system"),
  cnpgBackupPath: text(
    "expected an S3 URL such as s3://backups/ownstack (or empty for no backups)",
    (v) => v === "" || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(v),
  ).default(""),
  cnpgBackupRetention: text('expected a retention such as "30d", "4w" or "3m"', (v) =>
    /^[1-9]\d*[dwm]$/.test(v),
  ).default("30d"),
  s3Endpoint: optionalHttpUrl.default(""),
  s3Region: text("expected a region name such as us-east-1", (v) => /^[a-z0-9-]+$/.test(v)).default(
    "us-east-1",
  ),
  s3ForcePathStyle: z.boolean({ error: "expected true or false" }).default(false),
  ...kubernetesMonitoringShape,
  ...kubernetesOllamaShape,
  // Backups: the scheduler in the stack, its retention, the optional off-site copy.
  backup: z.boolean({ error: "expected true or false" }).default(true),
  backupSchedule: backupSchedule.default("17 3 * * *"),
  backupRetention: backupRetention.default(["daily=7", "weekly=4"]),
  backupOffsite: text(
    "expected sftp://user@host[:port]/path or s3://bucket/prefix",
    (v) => v === "" || /^(sftp|s3):\/\//.test(v),
  ).default(""),
  backupOffsiteS3Endpoint: optionalHttpUrl.default(""),
  backupOffsiteS3Region: text('expected an S3 region such as "us-east-1" or "auto"', (v) =>
    /^[a-z0-9-]{2,32}$/.test(v),
  ).default("us-east-1"),
  backupSftpHostKey: sshPublicKey.default(""),
  // Point-in-time recovery on Docker: WAL archiving and base backups (README "Point-in-time recovery").
  pitr: z.boolean({ error: "expected true or false" }).default(true),
  walArchiveTimeoutSeconds: z
    .number({ error: "expected a number of seconds between 10 and 3600" })
    .int("expected a number of seconds between 10 and 3600")
    .min(10, "expected a number of seconds between 10 and 3600")
    .max(3600, "expected a number of seconds between 10 and 3600")
    .default(60),
  pitrRetentionDays: z
    .number({ error: "expected a whole number of days between 1 and 90" })
    .int("expected a whole number of days between 1 and 90")
    .min(1, "expected a whole number of days between 1 and 90")
    .max(90, "expected a whole number of days between 1 and 90")
    .default(7),

  // Rotation counters: bump one (npm run rotate) and `pulumi up` regenerates that secret.
  ...rotationKeys(),

  // Sizing and images.
  memoryLimits: z
    .array(memoryOverride, { error: 'expected a list such as ["kong=512MiB"]' })
    .default([]),
  imageOverrides: z
    .array(imageOverride, { error: 'expected a list such as ["kong=kong/kong:3.9.3"]' })
    .default([]),

  // The db volume's PostgreSQL major (config/dbData.ts), and the volume npm run pg-upgrade made.
  dbDataMajor: z
    .number({ error: "expected a PostgreSQL major version such as 17" })
    .int("expected a PostgreSQL major version such as 17")
    .min(12, "expected a PostgreSQL major version such as 17")
    .max(99, "expected a PostgreSQL major version such as 17")
    .default(DB_DATA_MAJOR_DEFAULT),
  dbDataVolume: text(
    'expected a Docker volume name such as "ownstack-local-db-data-pg18", or "" for the stack\'s own',
    (v) => v === "" || /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(v),
  ).default(""),
} as const;

export const settingsSchema = z.strictObject(settingsShape);
export type RawSettings = z.output<typeof settingsSchema>;
export type SettingKey = keyof typeof settingsShape;

/** Keys whose values are secrets; they are read with `requireSecret` and never logged. */
export const SECRET_KEYS = [
  "smtpPass",
  "studioOpenAiKey",
  "databaseUrl",
  "s3AccessKeyId",
  "s3SecretAccessKey",
  "backupSftpPrivateKey",
  "backupS3AccessKeyId",
  "backupS3SecretAccessKey",
] as const;
