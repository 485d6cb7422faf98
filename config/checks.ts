import { setCommand } from "./userSecrets";
import { logStackMiB, redisMaxMemoryProblem } from "./memory";
import { PROJECT, RawSettings, configKey as key } from "./schema";
import { durationSeconds } from "./valueTypes";
import { closest } from "./suggest";
import type { Settings } from "./types";

/**
 * Checks across keys, each a pure function of the parsed keys that returns one sentence per
 * problem, naming the key and the expected form. `parseSettings` runs them all and reports every
 * problem at once; a new check is one more function here and one line in `crossKeyProblems`.
 */

/** The services after `auto` is resolved for the stack kind (MinIO follows storageBackend). */
export type Features = Omit<Settings["features"], "minio">;

export function vpsRequirements(c: RawSettings, features: Features): string[] {
  if (c.target !== "vps") return [];
  const out: string[] = [];
  if (c.domain === "")
    out.push(`${key("domain")}: required on vps, expected a bare domain such as example.com`);
  if (c.acmeEmail === "")
    out.push(
      `${key("acmeEmail")}: required on vps for Let's Encrypt, expected an e-mail address such as admin@example.com`,
    );
  if (c.insecureHttp)
    out.push(
      `${key("insecureHttp")}: plain-HTTP exposure is refused on vps; remove it so Traefik serves HTTPS only`,
    );
  if (!features.mailpit && c.smtpHost === "")
    out.push(
      `${key("smtpHost")}: required on vps so sign-up mails reach users, expected a host such as smtp.example.com (or set ${key("mailpit")}: true)`,
    );
  if (!features.mailpit && c.smtpHost !== "" && c.smtpAdminEmail === "")
    out.push(
      `${key("smtpAdminEmail")}: required on vps as the sender of auth mails, expected an e-mail address such as no-reply@example.com`,
    );
  return out;
}

/**
 * GoTrue logs in whenever GOTRUE_SMTP_USER is set; with no password it sends `AUTH` with an empty
 * one and every mail fails. `smtpPassSet` says whether `ownstack:smtpPass` has a value.
 */
/**
 * The log stack is the largest optional memory cost after the AI services; on a server that is a
 * decision, not a default (README "Logs").
 */
export function logsChosenOnVps(c: RawSettings): string[] {
  if (c.target !== "vps" || c.logs !== "auto") return [];
  return [
    `${key("logs")}: choose on vps, expected true (Studio's Logs Explorer: analytics + vector, ${logStackMiB("vps")} MiB of memory limits) or false`,
  ];
}

export function smtpCredentials(
  c: RawSettings,
  features: Features,
  smtpPassSet: boolean,
): string[] {
  if (features.mailpit || c.smtpUser === "" || smtpPassSet) return [];
  return [
    `${key("smtpPass")}: required when ${key("smtpUser")} is set, expected it as a secret: pulumi config set --secret smtpPass '<password>'`,
  ];
}

export function dockerHostTls(
  c: RawSettings,
  rawConfig: Readonly<Record<string, string>>,
): string[] {
  if (
    !c.dockerHost.startsWith("tcp://") ||
    rawConfig["docker:certPath"] ||
    rawConfig["docker:caMaterial"]
  )
    return [];
  return [
    `${key("dockerHost")}: tcp:// needs TLS, expected docker:certPath (or docker:caMaterial) to be set as well`,
  ];
}

export function ollamaGpuChoice(c: RawSettings, features: Features): string[] {
  if (!features.ollama || c.ollamaGpu !== "auto") return [];
  if (c.target === "kubernetes")
    return [
      `${key("ollamaGpu")}: "auto" would probe this machine, not the cluster's nodes; on kubernetes expected one of: nvidia, amd, cpu (nvidia and amd request ${key("ollamaGpuCount")} GPUs from the device plugin)`,
    ];
  if (c.target === "vps")
    return [
      `${key("ollamaGpu")}: "auto" would probe this laptop, not the server; on vps expected one of: nvidia, amd, cpu`,
    ];
  if (c.dockerHost !== "")
    return [
      `${key("ollamaGpu")}: "auto" would probe this machine, but Docker runs on ${key("dockerHost")}; expected one of: nvidia, amd, cpu`,
    ];
  return [];
}

export function grafanaNeedsPrometheus(features: Features): string[] {
  if (!features.grafana || features.prometheus) return [];
  return [
    `${key("grafana")}: Grafana reads Prometheus, expected ${key("prometheus")}: true as well (or ${key("grafana")}: false)`,
  ];
}

/** Open WebUI is wired to the stack's Ollama (models) and Qdrant (VECTOR_DB), not to outside ones. */
export function openWebuiNeeds(features: Features): string[] {
  if (!features.openWebui) return [];
  return (["ollama", "qdrant"] as const)
    .filter((s) => !features[s])
    .map(
      (s) =>
        `${key("openWebui")}: Open WebUI uses the stack's ${s === "ollama" ? "Ollama for its models" : "Qdrant as its vector database"}, expected ${key(s)}: true as well (or ${key("openWebui")}: false)`,
    );
}

export function signingKeyOverlap(c: RawSettings): string[] {
  if (durationSeconds(c.signingKeyOverlap) >= c.jwtExpiry) return [];
  return [
    `${key("signingKeyOverlap")}: expected at least ${key("jwtExpiry")} (${c.jwtExpiry}s) so sessions signed by the old key verify until they expire, got "${c.signingKeyOverlap}"`,
  ];
}

export function redisFitsItsContainer(
  c: RawSettings,
  features: Features,
  redisMemoryMiB: number,
): string[] {
  const problem = features.redis
    ? redisMaxMemoryProblem(c.redisMaxMemory, redisMemoryMiB)
    : undefined;
  return problem ? [`${key("redisMaxMemory")}: ${problem}`] : [];
}

/** Every cross-key check; `redisMemoryMiB` is the redis limit after `memoryLimits`. */
export function crossKeyProblems(
  c: RawSettings,
  features: Features,
  rawConfig: Readonly<Record<string, string>>,
  redisMemoryMiB: number,
): string[] {
  return [
    ...vpsRequirements(c, features),
    ...logsChosenOnVps(c),
    ...smtpCredentials(c, features, (rawConfig[key("smtpPass")] ?? "") !== ""),
    ...dockerHostTls(c, rawConfig),
    ...ollamaGpuChoice(c, features),
    ...grafanaNeedsPrometheus(features),
    ...openWebuiNeeds(features),
    ...signingKeyOverlap(c),
    ...redisFitsItsContainer(c, features, redisMemoryMiB),
    ...backupOffsiteCredentials(c, rawConfig),
  ];
}

/** The off-site copy needs its credentials (secrets) and, for SFTP, the server's host key. */
export function backupOffsiteCredentials(
  c: RawSettings,
  rawConfig: Readonly<Record<string, string>>,
): string[] {
  if (c.backupOffsite === "") return [];
  const out: string[] = [];
  const secret = (k: string) => (rawConfig[key(k)] ?? "") !== "";
  if (c.backupOffsite.startsWith("sftp://")) {
    if (!/^sftp:\/\/[^@/\s:]+@[^/\s]+/.test(c.backupOffsite))
      out.push(
        `${key("backupOffsite")}: expected sftp://user@host[:port]/path, got "${c.backupOffsite}"`,
      );
    if (!secret("backupSftpPrivateKey"))
      out.push(
        `${key("backupSftpPrivateKey")}: required for an SFTP off-site copy, expected an OpenSSH private key set with pulumi config set --secret ${key("backupSftpPrivateKey")} < key`,
      );
    if (c.backupSftpHostKey === "")
      out.push(
        `${key("backupSftpHostKey")}: required for an SFTP off-site copy, expected the line ssh-keyscan prints for the host, without the host name`,
      );
  } else {
    for (const k of ["backupS3AccessKeyId", "backupS3SecretAccessKey"])
      if (!secret(k))
        out.push(
          `${key(k)}: required for an S3 off-site copy, expected it set with pulumi config set --secret ${key(k)}`,
        );
  }
  return out;
}

/**
 * `docker:*` keys the program passes to its explicit Docker provider (components/network.ts). An
 * explicit provider reads no stack config by itself, so every other `docker:*` key is ignored.
 */
export const DOCKER_TLS_KEYS = [
  "docker:caMaterial",
  "docker:certMaterial",
  "docker:certPath",
  "docker:keyMaterial",
] as const;
/** `docker:*` keys that choose the daemon: ignoring them would deploy somewhere else than meant. */
const DOCKER_TARGET_KEYS = ["docker:context", "docker:host"];
/** The engine's own namespace (`pulumi:tags`, `pulumi:disable-default-providers`). */
const ENGINE_NAMESPACE = "pulumi";

export interface Findings {
  readonly problems: string[];
  readonly warnings: string[];
}

/**
 * Keys outside `ownstack:`. A namespace one typo away from ours is refused with the key it meant;
 * a `docker:` key that picks the daemon is refused (`ownstack:dockerHost` does that); other keys
 * that nothing reads get a warning naming them.
 */
export function foreignKeyFindings(
  rawConfig: Readonly<Record<string, string>>,
  knownKeys: readonly string[],
): Findings {
  const problems: string[] = [];
  const warnings: string[] = [];
  const dockerHost = rawConfig[key("dockerHost")] ?? "";
  for (const fullKey of Object.keys(rawConfig).sort()) {
    const colon = fullKey.indexOf(":");
    const namespace = fullKey.slice(0, colon);
    const name = fullKey.slice(colon + 1);
    if (namespace === PROJECT || namespace === ENGINE_NAMESPACE) continue;
    if (namespace.toLowerCase() === PROJECT || closest(namespace, [PROJECT]) !== undefined) {
      const meant = closest(name, knownKeys) ?? name;
      problems.push(`${fullKey}: unknown namespace "${namespace}", expected ${key(meant)}`);
    } else if (DOCKER_TARGET_KEYS.includes(fullKey)) {
      problems.push(
        `${fullKey}: not read, because ownstack deploys through its own Docker provider; expected ${key("dockerHost")} instead (ssh://user@host or tcp://host:2376)`,
      );
    } else if ((DOCKER_TLS_KEYS as readonly string[]).includes(fullKey)) {
      if (!dockerHost.startsWith("tcp://"))
        warnings.push(
          `${fullKey} is used only with a tcp:// ${key("dockerHost")}; it is ignored for "${dockerHost || "this machine"}"`,
        );
    } else if (namespace === "docker") {
      warnings.push(
        `${fullKey} is ignored: ownstack's Docker provider reads only ${key("dockerHost")} and ${DOCKER_TLS_KEYS.join(", ")}`,
      );
    } else {
      warnings.push(
        `${fullKey} is ignored: ownstack reads ${PROJECT}:* keys (declared in Pulumi.yaml) and ${DOCKER_TLS_KEYS.join(", ")}`,
      );
    }
  }
  return { problems, warnings };
}

/** Plain secret keys whose value a user sets by hand (the map keys warn in config/authConfig.ts). */
const HAND_SET_SECRETS = ["smtpPass", "studioOpenAiKey"] as const;

/** User secrets kept in plain text in the stack file; `secretKeys` are the keys the CLI marks secret. */
export function plainTextSecrets(
  rawConfig: Readonly<Record<string, string>>,
  secretKeys: readonly string[],
  stack: string,
): string[] {
  return HAND_SET_SECRETS.flatMap((name) => {
    const full = key(name);
    if ((rawConfig[full] ?? "") === "" || secretKeys.includes(full)) return [];
    return [
      `${full} is stored in plain text in Pulumi.${stack}.yaml; encrypt it with: ${setCommand(name, stack)}`,
    ];
  });
}
