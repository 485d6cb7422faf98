import { callersOf } from "./edges";
import { DEFAULT_MEMORY_MIB, LOG_SERVICES, memoryColumn } from "./memory";
import { rollsOut } from "./rollout";
import { Target } from "./schema";
import { SERVICES, ServiceName } from "./services";
import type { Settings } from "./types";

/** Always on: the Supabase core as upstream's docker-compose runs it. */
export const CORE: readonly ServiceName[] = [
  "auth",
  "db",
  "kong",
  "meta",
  "realtime",
  "rest",
  "storage",
  "studio",
];

/**
 * The long-running services a stack runs, from its settings. A plan test checks this list against
 * the containers the program declares, so doctor's memory budget cannot drift from the stack.
 */
export function enabledServices(settings: Pick<Settings, "target" | "features">): ServiceName[] {
  const f = settings.features;
  const on: Record<ServiceName, boolean> = {
    ...(Object.fromEntries(SERVICES.map((s) => [s, CORE.includes(s)])) as Record<
      ServiceName,
      boolean
    >),
    traefik: settings.target === "vps",
    mail: f.mailpit,
    minio: f.minio,
    qdrant: f.qdrant,
    ollama: f.ollama,
    redis: f.redis,
    prometheus: f.prometheus,
    // Exporters come with Prometheus; the Redis one only when there is a Redis to read.
    postgresExporter: f.prometheus,
    redisExporter: f.prometheus && f.redis,
    functions: f.functions,
    supavisor: f.supavisor,
    imgproxy: f.imgproxy,
    grafana: f.grafana,
    analytics: f.logs,
    vector: f.logs,
    backup: f.backup,
    openWebui: f.openWebui,
    dockerProxy: false,
    mailTemplates: f.mailTemplates,
  };
  // The Docker API proxy runs for the services that read the Docker API (its edges).
  on.dockerProxy = callersOf("dockerProxy").some((reader) => on[reader as ServiceName]);
  return SERVICES.filter((s) => on[s]).sort();
}

/** Sum of the memory limits of the enabled services, in MiB: what the stack may use at most. */
export function memoryBudgetMiB(
  settings: Pick<Settings, "target" | "features" | "memoryMiB">,
): number {
  return enabledServices(settings).reduce((sum, s) => sum + settings.memoryMiB[s], 0);
}

/**
 * What a rollout adds on top, in MiB: on vps the rolling services (config/rollout.ts) run two
 * revisions while an update replaces them. Pulumi runs independent replacements in parallel and
 * deletes the replaced containers only after their successors are up, so one update that touches
 * all of them (a rotated secret in every env, a new release of each image) overlaps all of them
 * at once: the sum of the enabled ones counts, not only the largest. Zero on local, where every
 * container is replaced delete-first.
 */
export function rolloutOverlapMiB(
  settings: Pick<Settings, "target" | "features" | "memoryMiB">,
): number {
  return enabledServices(settings)
    .filter((s) => rollsOut(settings, s))
    .reduce((sum, s) => sum + settings.memoryMiB[s], 0);
}

/** The most the stack may hold at once: its limits plus, on vps, a rollout's overlap. */
export const peakMemoryMiB = (settings: Pick<Settings, "target" | "features" | "memoryMiB">) =>
  memoryBudgetMiB(settings) + rolloutOverlapMiB(settings);

/** When each service runs, for the README table. */
const WHEN: Record<ServiceName, string> = {
  ...(Object.fromEntries(CORE.map((s) => [s, "always"])) as Record<ServiceName, string>),
  traefik: "vps only",
  mail: "`mailpit` (auto: local)",
  minio: "`storageBackend: minio` (default)",
  qdrant: "`qdrant` (auto: local)",
  ollama: "`ollama` (auto: local)",
  redis: "`redis` (auto: local)",
  prometheus: "`prometheus` (auto: local)",
  postgresExporter: "with `prometheus`",
  redisExporter: "with `prometheus` and `redis`",
  imgproxy: "`imgproxy` (auto: local)",
  functions: "`functions` (off by default)",
  supavisor: "`supavisor` (off by default)",
  grafana: "`grafana` (off by default)",
  analytics: "`logs` (local: on; vps: your choice)",
  vector: "`logs` (local: on; vps: your choice)",
  backup: "`backup` (on by default)",
  openWebui: "`openWebui` (auto: local, with Ollama and Qdrant)",
  dockerProxy: "for Traefik (vps) and Vector (`logs`)",
  mailTemplates: "with a mail template body (`authEmail.template.<id>.contentPath`)",
};

const sum = (target: Target, services: readonly ServiceName[]) =>
  services.reduce((n, s) => n + memoryColumn(target)[s], 0);

/** The README's memory table, generated from the defaults the plan uses (a test keeps them equal). */
export function renderMemoryTable(): string {
  const rows = SERVICES.map(
    (s) =>
      `| ${s} | ${s === "traefik" ? "–" : DEFAULT_MEMORY_MIB.local[s]} | ${DEFAULT_MEMORY_MIB.vps[s]} | ${WHEN[s]} |`,
  );
  return (
    [
      "| Service | local (MiB) | vps (MiB) | Runs |",
      "|---|---:|---:|---|",
      ...rows,
      `| **core total** | **${sum("local", CORE)}** | **${sum("vps", [...CORE, "traefik", "dockerProxy"])}** | always (vps with Traefik and the Docker API proxy) |`,
      `| **log stack** (analytics + vector) | **${sum("local", LOG_SERVICES)}** | **${sum("vps", LOG_SERVICES)}** | \`logs\` |`,
    ].join("\n") + "\n"
  );
}
