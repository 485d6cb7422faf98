import { RunError } from "@pulumi/pulumi";
import { plannedBindings } from "./exposure";
import { projectFileProblems } from "./projectFiles";
import { closest } from "./suggest";
import { ImageKey } from "./images";
import { ServiceName, logStackMiB, redisMaxMemoryProblem } from "./memory";
import { resolveImages, resolveMemory } from "./overrides";
import { ROTATABLE, Rotatable, durationSeconds, RawSettings, SECRET_KEYS, rotationKey, SettingKey, Target, Toggle, settingsSchema, settingsShape } from "./schema";

export const PROJECT = "ownstack";

/** The one typed, frozen view of a stack's config that every component receives. */
export interface Settings {
  readonly stack: string;
  readonly target: Target;
  /** `ownstack-<stack>`: prefix of container, volume and network names, unique per stack. */
  readonly prefix: string;
  /** Where apps reach the API gateway: `http://localhost:8000` or `https://api.<domain>`. */
  readonly publicUrl: string;
  /** Where the dashboard is: behind Kong basic auth at `/` locally, `https://studio.<domain>` on vps. */
  readonly studioUrl: string;
  /** GoTrue's `API_EXTERNAL_URL`; upstream made it end in `/auth/v1` in release 0.7.0. */
  readonly apiExternalUrl: string;
  readonly siteUrl: string;
  readonly additionalRedirectUrls: readonly string[];
  readonly ports: Readonly<
    Record<"api" | "mailpit" | "qdrant" | "ollama" | "redis" | "prometheus" | "poolerSession" | "poolerTransaction" | "grafana", number>
  >;
  readonly auth: Readonly<{
    jwtExpiry: number;
    disableSignup: boolean;
    emailAutoconfirm: boolean;
    anonymousUsers: boolean;
    dashboardUsername: string;
  }>;
  readonly smtp: Readonly<{ host: string; port: number; user: string; adminEmail: string; senderName: string }>;
  readonly features: Readonly<
    Record<"mailpit" | "minio" | "qdrant" | "ollama" | "redis" | "prometheus" | "functions" | "supavisor" | "imgproxy" | "grafana" | "logs", boolean>
  >;
  readonly storage: Readonly<{ backend: "minio" | "file"; bucket: string }>;
  readonly ollama: Readonly<{ gpu: "auto" | "nvidia" | "amd" | "cpu"; models: readonly string[]; keepAlive: string }>;
  readonly redis: Readonly<{ maxMemory: string; policy: string }>;
  readonly prometheus: Readonly<{ retention: string }>;
  /** es256: GoTrue signs with an EC key (JWKS, sb_ keys); hs256: the shared secret only. */
  readonly signing: Readonly<{ algorithm: "es256" | "hs256"; overlapSeconds: number }>;
  readonly functions: Readonly<{ path: string; verifyJwt: boolean }>;
  /** Supavisor's tenant: clients connect as `postgres.<tenantId>`. */
  readonly pooler: Readonly<{ tenantId: string }>;
  readonly migrations: Readonly<{ path: string; seedPath: string }>;
  readonly vps: Readonly<{ domain: string; acmeEmail: string; acmeChallenge: "http" | "tls"; acmeStaging: boolean; dockerHost: string }>;
  /** Rotation counters; each is the keeper of the secret it names. */
  readonly rotation: Readonly<Record<Rotatable, number>>;
  readonly memoryMiB: Readonly<Record<ServiceName, number>>;
  readonly images: Readonly<Record<ImageKey, string>>;
}

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

/** Config values arrive as strings; arrays, numbers and booleans as their JSON text. */
function decode(key: SettingKey, raw: string): unknown {
  if (settingsShape[key].safeParse(raw).success) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}


/**
 * Parses a stack's raw config (`{"ownstack:apiPort": "8000", "docker:certPath": …}`) into Settings,
 * checking the files it names below `projectDir` as well. No Pulumi runtime, so it is unit-tested
 * directly and reused by the scripts.
 */
export function parseSettings(rawConfig: Readonly<Record<string, string>>, stack: string, projectDir: string = process.cwd()): Settings {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(rawConfig)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!KNOWN_KEYS.has(key)) {
      const hint = closest(key, [...KNOWN_KEYS]);
      problems.push(`${fullKey}: unknown key${hint ? ` (did you mean ${PROJECT}:${hint}?)` : ""}; the keys are declared in Pulumi.yaml`);
      continue;
    }
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    input[key] = decode(key as SettingKey, raw);
  }

  const parsed = settingsSchema.safeParse(input);
  const invalid = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [head, ...rest] = issue.path;
      const where = `${PROJECT}:${String(head)}${rest.map((p) => `[${String(p)}]`).join("")}`;
      let got: unknown = input[String(head)];
      for (const p of rest) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
      problems.push(`${where}: ${issue.message}, got ${JSON.stringify(got)}`);
      invalid.add(String(head));
    }
  }
  // Keys that failed their own type fall back to their defaults, so the cross-key checks still run
  // and one error lists every problem; complaints that only follow from such a fallback are dropped.
  const usable = parsed.success ? parsed : settingsSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([k]) => !invalid.has(k))));
  if (!usable.success) throw new ConfigError(stack, problems);
  const crossKey: string[] = [];
  const settings = build(usable.data, rawConfig, stack, crossKey);
  crossKey.push(...projectFileProblems({ ...usable.data, functions: settings.features.functions }, projectDir));
  problems.push(...crossKey.filter((p) => ![...invalid].some((k) => new RegExp(`${PROJECT}:${k}\\b`).test(p))));
  if (problems.length > 0) throw new ConfigError(stack, problems);
  return settings;
}

function resolveToggle(value: Toggle, target: Target): boolean {
  return value === "auto" ? target === "local" : value;
}

function build(c: RawSettings, rawConfig: Readonly<Record<string, string>>, stack: string, problems: string[]): Settings {
  const key = (k: string) => `${PROJECT}:${k}`;
  const vps = c.target === "vps";
  if (vps) {
    if (c.domain === "") problems.push(`${key("domain")}: required on vps, expected a bare domain such as example.com`);
    if (c.acmeEmail === "") problems.push(`${key("acmeEmail")}: required on vps for Let's Encrypt, expected an e-mail address such as admin@example.com`);
    if (c.insecureHttp) problems.push(`${key("insecureHttp")}: plain-HTTP exposure is refused on vps; remove it so Traefik serves HTTPS only`);
    if (c.mailpit !== true && c.smtpHost === "")
      problems.push(`${key("smtpHost")}: required on vps so sign-up mails reach users, expected a host such as smtp.example.com (or set ${key("mailpit")}: true)`);
    if (c.mailpit !== true && c.smtpHost !== "" && c.smtpAdminEmail === "")
      problems.push(`${key("smtpAdminEmail")}: required on vps as the sender of auth mails, expected an e-mail address such as no-reply@example.com`);
  }
  if (c.dockerHost.startsWith("tcp://") && !rawConfig["docker:certPath"] && !rawConfig["docker:caMaterial"])
    problems.push(`${key("dockerHost")}: tcp:// needs TLS, expected docker:certPath (or docker:caMaterial) to be set as well`);

  const features = {
    mailpit: resolveToggle(c.mailpit, c.target),
    minio: c.storageBackend === "minio",
    qdrant: resolveToggle(c.qdrant, c.target),
    ollama: resolveToggle(c.ollama, c.target),
    redis: resolveToggle(c.redis, c.target),
    prometheus: resolveToggle(c.prometheus, c.target),
    functions: resolveToggle(c.functions, c.target),
    supavisor: resolveToggle(c.supavisor, c.target),
    imgproxy: resolveToggle(c.imgproxy, c.target),
    grafana: resolveToggle(c.grafana, c.target),
    logs: resolveToggle(c.logs, c.target),
  };
  // The log stack is the largest optional memory cost after the AI services; on a server that
  // is a decision, not a default (README "Logs").
  if (vps && c.logs === "auto")
    problems.push(
      `${key("logs")}: choose on vps, expected true (Studio's Logs Explorer: analytics + vector, ${logStackMiB("vps")} MiB of memory limits) or false`,
    );
  if (vps && features.ollama && c.ollamaGpu === "auto")
    problems.push(`${key("ollamaGpu")}: "auto" would probe this laptop, not the server; on vps expected one of: nvidia, amd, cpu`);
  else if (features.ollama && c.ollamaGpu === "auto" && c.dockerHost !== "")
    problems.push(`${key("ollamaGpu")}: "auto" would probe this machine, but Docker runs on ${key("dockerHost")}; expected one of: nvidia, amd, cpu`);

  if (features.grafana && !features.prometheus)
    problems.push(`${key("grafana")}: Grafana reads Prometheus, expected ${key("prometheus")}: true as well (or ${key("grafana")}: false)`);
  const overlapSeconds = durationSeconds(c.signingKeyOverlap);
  if (overlapSeconds < c.jwtExpiry)
    problems.push(
      `${key("signingKeyOverlap")}: expected at least ${key("jwtExpiry")} (${c.jwtExpiry}s) so sessions signed by the old key verify until they expire, got "${c.signingKeyOverlap}"`,
    );

  const ports = {
    api: c.apiPort,
    mailpit: c.mailpitPort,
    qdrant: c.qdrantPort,
    ollama: c.ollamaPort,
    redis: c.redisPort,
    prometheus: c.prometheusPort,
    poolerSession: c.poolerSessionPort,
    poolerTransaction: c.poolerTransactionPort,
    grafana: c.grafanaPort,
  };
  const memoryMiB = resolveMemory(c.target, c.memoryLimits, problems);

  const redisMemory = features.redis ? redisMaxMemoryProblem(c.redisMaxMemory, memoryMiB.redis) : undefined;
  if (redisMemory) problems.push(`${key("redisMaxMemory")}: ${redisMemory}`);

  const images = resolveImages(c.imageOverrides, problems);

  const publicUrl = vps ? `https://api.${c.domain}` : `http://localhost:${c.apiPort}`;
  const settings: Settings = {
    stack,
    target: c.target,
    prefix: `${PROJECT}-${stack}`,
    publicUrl,
    studioUrl: vps ? `https://studio.${c.domain}` : publicUrl,
    apiExternalUrl: `${publicUrl}/auth/v1`,
    siteUrl: c.siteUrl !== "" ? c.siteUrl : vps ? `https://${c.domain}` : "http://localhost:3000",
    additionalRedirectUrls: [...c.additionalRedirectUrls].sort(),
    ports,
    auth: {
      jwtExpiry: c.jwtExpiry,
      disableSignup: c.disableSignup,
      emailAutoconfirm: c.enableEmailAutoconfirm,
      anonymousUsers: c.enableAnonymousUsers,
      dashboardUsername: c.dashboardUsername,
    },
    smtp: { host: c.smtpHost, port: c.smtpPort, user: c.smtpUser, adminEmail: c.smtpAdminEmail, senderName: c.smtpSenderName },
    features,
    storage: { backend: c.storageBackend, bucket: c.storageBucket },
    ollama: { gpu: c.ollamaGpu, models: [...c.ollamaModels], keepAlive: c.ollamaKeepAlive },
    redis: { maxMemory: c.redisMaxMemory, policy: c.redisMaxMemoryPolicy },
    prometheus: { retention: c.prometheusRetention },
    signing: { algorithm: c.authSigning, overlapSeconds },
    functions: { path: c.functionsPath, verifyJwt: c.functionsVerifyJwt },
    pooler: { tenantId: stack },
    migrations: { path: c.migrationsPath, seedPath: c.seedPath },
    vps: { domain: c.domain, acmeEmail: c.acmeEmail, acmeChallenge: c.acmeChallenge, acmeStaging: c.acmeStaging, dockerHost: c.dockerHost },
    rotation: Object.fromEntries(ROTATABLE.map((n) => [n, c[rotationKey(n) as keyof RawSettings] as number])) as Record<Rotatable, number>,
    memoryMiB,
    images,
  };
  problems.push(...portConflicts(settings));
  return deepFreeze(settings);
}

/** Two published services on one host port: checked on the exposure policy's own list. */
function portConflicts(settings: Settings): string[] {
  const seen = new Map<number, string>();
  const out: string[] = [];
  for (const b of plannedBindings(settings)) {
    if (!b.configKey) continue;
    const other = seen.get(b.external);
    if (other) out.push(`${PROJECT}:${b.configKey}: port ${b.external} is already used by ${PROJECT}:${other}, expected a free port`);
    else seen.set(b.external, b.configKey);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
