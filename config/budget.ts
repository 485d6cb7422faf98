import { SERVICES, ServiceName } from "./memory";
import { Settings } from "./settings";

/** Always on: the Supabase core as upstream's docker-compose runs it. */
const CORE: readonly ServiceName[] = ["auth", "db", "kong", "meta", "realtime", "rest", "storage", "studio"];

/**
 * The long-running services a stack runs, from its settings. A plan test checks this list against
 * the containers the program declares, so doctor's memory budget cannot drift from the stack.
 */
export function enabledServices(settings: Pick<Settings, "target" | "features">): ServiceName[] {
  const f = settings.features;
  const on: Record<ServiceName, boolean> = {
    ...(Object.fromEntries(SERVICES.map((s) => [s, CORE.includes(s)])) as Record<ServiceName, boolean>),
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
  };
  return SERVICES.filter((s) => on[s]).sort();
}

/** Sum of the memory limits of the enabled services, in MiB: what the stack may use at most. */
export function memoryBudgetMiB(settings: Pick<Settings, "target" | "features" | "memoryMiB">): number {
  return enabledServices(settings).reduce((sum, s) => sum + settings.memoryMiB[s], 0);
}
