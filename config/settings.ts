import { RunError } from "@pulumi/pulumi";
import { Features, crossKeyProblems, foreignKeyFindings, plainTextSecrets } from "./checks";
import { parseRetention } from "./backupRetention";
import { longestGapSeconds, parseSchedule } from "./backupSchedule";
import { dbDataMajorProblems } from "./dbData";
import { portConflicts } from "./exposure";
import { ImageKey } from "./images";
import { KubernetesSettings, kubernetesSettings } from "./kubernetes";
import { ServiceName } from "./serviceNames";
import { resolveImages, resolveMemory } from "./overrides";
import { projectFileProblems } from "./projectFiles";
import { mailTemplateFiles, mailTemplateProblems } from "./mailTemplates";
import { restSettings } from "./restConfig";
import { authOptionSettings, mapKeysInPlainText } from "./authConfig";
import type { Settings } from "./types";
import {
  PROJECT,
  ROTATABLE,
  Rotatable,
  RawSettings,
  SECRET_KEYS,
  rotationKey,
  SettingKey,
  Target,
  Toggle,
  settingsSchema,
  settingsShape,
} from "./schema";
import { durationSeconds } from "./valueTypes";
import { closest } from "./suggest";

export { PROJECT };
export type { Settings };

/**
 * Thrown before any resource is declared; lists every problem, one per line. A RunError, because
 * @pulumi/pulumi's runner (cmd/run/run.js) prints a RunError's message as it is and anything else
 * through util.inspect with a stack trace. It declares no `stack`, `message` or `name` of its own.
 */
export class ConfigError extends RunError {
  readonly problems: readonly string[];

  constructor(stackName: string, problems: readonly string[]) {
    super(
      `Invalid config for stack "${stackName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.problems = problems;
  }
}

const KNOWN_KEYS = new Set<string>([...Object.keys(settingsShape), ...SECRET_KEYS]);

/**
 * Config values arrive as strings; arrays, numbers and booleans as their JSON text, and a YAML key
 * left empty as `null`. A value the key accepts as text stays text (`smtpUser: "12345"`); anything
 * else is read as JSON, so a type error names what the key expects.
 */
function decode(key: SettingKey, raw: string): unknown {
  if (raw !== "null" && settingsShape[key].safeParse(raw).success) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export interface ParseOptions {
  /** Where `migrationsPath`, `seedPath` and `functionsPath` resolve; the program's cwd by default. */
  readonly projectDir?: string;
  /** The keys the CLI passes as secrets (PULUMI_CONFIG_SECRET_KEYS), to warn about plain-text ones. */
  readonly secretKeys?: readonly string[];
  /**
   * npm run pg-upgrade reads a stack whose db image is already the new major: everything else is
   * checked as usual.
   */
  readonly acceptOtherDbMajor?: boolean;
}

/** Settings plus what is worth a warning but not a refusal (keys nothing reads, plain-text secrets). */
export interface ParsedConfig {
  readonly settings: Settings;
  readonly warnings: readonly string[];
}

/**
 * Parses a stack's raw config (`{"ownstack:apiPort": "8000", "docker:certPath": …}`) into Settings,
 * checking the files it names as well. Throws one ConfigError listing every problem. No Pulumi
 * runtime, so it is unit-tested directly and reused by the scripts.
 */
export function parseConfig(
  rawConfig: Readonly<Record<string, string>>,
  stack: string,
  options: ParseOptions = {},
): ParsedConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(rawConfig)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!KNOWN_KEYS.has(key)) {
      const hint = closest(key, [...KNOWN_KEYS]);
      problems.push(
        `${fullKey}: unknown key${hint ? ` (did you mean ${PROJECT}:${hint}?)` : ""}; the keys are declared in Pulumi.yaml`,
      );
      continue;
    }
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    input[key] = decode(key as SettingKey, raw);
  }
  const foreign = foreignKeyFindings(rawConfig, [...KNOWN_KEYS]);
  problems.push(...foreign.problems);

  const parsed = settingsSchema.safeParse(input);
  const invalid = new Set<string>();
  if (!parsed.success) {
    // A block of the wrong shape (`{"a": 1}` for a provider) is one problem: its unknown fields,
    // not also every field it lacks.
    const wrongShape = new Set(
      parsed.error.issues
        .filter((i) => i.code === "unrecognized_keys")
        .map((i) => pathText(i.path)),
    );
    for (const issue of parsed.error.issues) {
      const [head, ...rest] = issue.path;
      const where = `${PROJECT}:${String(head)}${rest.map((p) => `[${String(p)}]`).join("")}`;
      let got: unknown = input[String(head)];
      for (const p of rest)
        got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
      if (got === undefined && wrongShape.has(pathText(issue.path.slice(0, -1)))) continue;
      // A missing field has nothing to show: the message says what belongs there.
      problems.push(
        got === undefined
          ? `${where}: ${issue.message}`
          : `${where}: ${issue.message}, got ${JSON.stringify(got)}`,
      );
      invalid.add(String(head));
    }
  }
  // Keys that failed their own type fall back to their defaults, so the cross-key checks still run
  // and one error lists every problem; complaints that only follow from such a fallback are dropped.
  const usable = parsed.success
    ? parsed
    : settingsSchema.safeParse(
        Object.fromEntries(Object.entries(input).filter(([k]) => !invalid.has(k))),
      );
  if (!usable.success) throw new ConfigError(stack, problems);
  const c = usable.data;
  const features = resolveFeatures(c);
  const later: string[] = [];
  const memoryMiB = resolveMemory(c.target, c.memoryLimits, later);
  const images = resolveImages(c.imageOverrides, later);
  const kubernetes = kubernetesSettings(c, rawConfig, stack, later);
  const settings = assemble(c, stack, features, memoryMiB, images, kubernetes);
  later.push(
    ...crossKeyProblems(c, features, rawConfig, memoryMiB.redis),
    ...portConflicts(settings),
    ...(options.acceptOtherDbMajor
      ? []
      : dbDataMajorProblems({
          ...settings.db,
          stack,
          prefix: settings.prefix,
          target: c.target,
          dbImage: images.db,
        })),
    ...projectFileProblems(
      { ...c, functions: features.functions },
      options.projectDir ?? process.cwd(),
    ),
    ...mailTemplateProblems(c.authEmail, options.projectDir ?? process.cwd()),
  );
  problems.push(
    ...later.filter((p) => ![...invalid].some((k) => new RegExp(`${PROJECT}:${k}\\b`).test(p))),
  );
  if (problems.length > 0) throw new ConfigError(stack, problems);
  return {
    settings,
    warnings: [
      ...foreign.warnings,
      ...plainTextSecrets(rawConfig, options.secretKeys ?? [], stack),
      ...mapKeysInPlainText(rawConfig, c, options.secretKeys ?? [], stack, settings.apiExternalUrl),
    ],
  };
}

/** parseConfig's Settings, for callers that have nowhere to show warnings. */
export function parseSettings(
  rawConfig: Readonly<Record<string, string>>,
  stack: string,
  projectDir?: string,
): Settings {
  return parseConfig(rawConfig, stack, { projectDir }).settings;
}

const pathText = (path: readonly PropertyKey[]) => path.map(String).join("\0");

function resolveToggle(value: Toggle, target: Target): boolean {
  return value === "auto" ? target === "local" : value;
}

function resolveFeatures(c: RawSettings): Features {
  const on = (value: Toggle) => resolveToggle(value, c.target);
  // auto: the chat front end comes with what it talks to, Ollama for models and Qdrant for RAG.
  const openWebui =
    c.openWebui === "auto" ? on("auto") && on(c.ollama) && on(c.qdrant) : c.openWebui;
  return {
    mailpit: on(c.mailpit),
    qdrant: on(c.qdrant),
    ollama: on(c.ollama),
    redis: on(c.redis),
    prometheus: on(c.prometheus),
    functions: on(c.functions),
    supavisor: on(c.supavisor),
    imgproxy: on(c.imgproxy),
    grafana: on(c.grafana),
    logs: on(c.logs),
    backup: c.backup,
    openWebui,
    mailTemplates: mailTemplateFiles(c.authEmail).length > 0,
  };
}

/** The typed view of checked keys: derived URLs, resolved toggles, sorted lists; deeply frozen. */
function assemble(
  c: RawSettings,
  stack: string,
  features: Features,
  memoryMiB: Record<ServiceName, number>,
  images: Record<ImageKey, string>,
  kubernetes: KubernetesSettings,
): Settings {
  // vps and kubernetes both serve https://api.<domain> and https://studio.<domain>.
  const remote = c.target !== "local";
  const publicUrl = remote ? `https://api.${c.domain}` : `http://localhost:${c.apiPort}`;
  return deepFreeze({
    stack,
    target: c.target,
    prefix: `${PROJECT}-${stack}`,
    publicUrl,
    studioUrl: remote ? `https://studio.${c.domain}` : publicUrl,
    apiExternalUrl: `${publicUrl}/auth/v1`,
    siteUrl:
      c.siteUrl !== "" ? c.siteUrl : remote ? `https://${c.domain}` : "http://localhost:3000",
    additionalRedirectUrls: [...c.additionalRedirectUrls].sort(),
    ports: {
      api: c.apiPort,
      mailpit: c.mailpitPort,
      qdrant: c.qdrantPort,
      ollama: c.ollamaPort,
      redis: c.redisPort,
      prometheus: c.prometheusPort,
      poolerSession: c.poolerSessionPort,
      poolerTransaction: c.poolerTransactionPort,
      grafana: c.grafanaPort,
      openWebui: c.openWebuiPort,
    },
    auth: {
      jwtExpiry: c.jwtExpiry,
      disableSignup: c.disableSignup,
      emailAutoconfirm: c.enableEmailAutoconfirm,
      anonymousUsers: c.enableAnonymousUsers,
      saml: c.authSaml,
      manualLinking: c.authManualLinking,
      dashboardUsername: c.dashboardUsername,
    },
    smtp: {
      host: c.smtpHost,
      port: c.smtpPort,
      user: c.smtpUser,
      adminEmail: c.smtpAdminEmail,
      senderName: c.smtpSenderName,
    },
    rest: restSettings(c),
    authOptions: authOptionSettings(c, `${publicUrl}/auth/v1`),
    features: { ...features, minio: c.storageBackend === "minio" },
    storage: { backend: c.storageBackend, bucket: c.storageBucket },
    ollama: { gpu: c.ollamaGpu, models: [...c.ollamaModels], keepAlive: c.ollamaKeepAlive },
    openWebui: {
      adminEmail:
        c.openWebuiAdminEmail !== ""
          ? c.openWebuiAdminEmail
          : remote
            ? `admin@${c.domain}`
            : "admin@localhost",
    },
    redis: { maxMemory: c.redisMaxMemory, policy: c.redisMaxMemoryPolicy },
    prometheus: { retention: c.prometheusRetention },
    signing: { algorithm: c.authSigning, overlapSeconds: durationSeconds(c.signingKeyOverlap) },
    functions: { path: c.functionsPath, verifyJwt: c.functionsVerifyJwt },
    pooler: { tenantId: stack },
    migrations: { path: c.migrationsPath, seedPath: c.seedPath },
    db: { dataMajor: c.dbDataMajor, dataVolume: c.dbDataVolume },
    backup: backupSettings(c),
    kubernetes,
    dockerSocket: c.dockerSocket,
    networkPool: c.networkPool,
    vps: {
      domain: c.domain,
      acmeEmail: c.acmeEmail,
      acmeChallenge: c.acmeChallenge,
      acmeStaging: c.acmeStaging,
      dockerHost: c.dockerHost,
    },
    rotation: Object.fromEntries(
      ROTATABLE.map((n) => [n, c[rotationKey(n) as keyof RawSettings] as number]),
    ) as Record<Rotatable, number>,
    memoryMiB,
    images,
  });
}

function backupSettings(c: RawSettings): Settings["backup"] {
  const schedule = parseSchedule(c.backupSchedule);
  return {
    schedule: c.backupSchedule,
    retention: parseRetention(c.backupRetention).retention,
    // An invalid schedule is reported by its key; the fallback only lets the other checks run.
    intervalSeconds: typeof schedule === "string" ? 86_400 : longestGapSeconds(schedule),
    offsite: c.backupOffsite,
    s3Endpoint: c.backupOffsiteS3Endpoint,
    s3Region: c.backupOffsiteS3Region,
    sftpHostKey: c.backupSftpHostKey.trim(),
    pitr: {
      enabled: c.pitr && c.backup,
      archiveTimeoutSeconds: c.walArchiveTimeoutSeconds,
      retentionDays: c.pitrRetentionDays,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
