import { Target } from "./schema";
import { MEMORY_SIZE } from "./valueTypes";
import type { ServiceName } from "./serviceNames";

/** One-shot jobs get a small fixed limit; they exit after a few seconds. */
export const JOB_MEMORY_MIB = 64;

/**
 * Default limits in MiB: an idle or load figure plus headroom, the source beside each number.
 * "No published figure" means none was found for the pinned image and the number is a ceiling
 * chosen from what the process holds by design (buffers, caches); containers cannot run where
 * these numbers were set, so none was measured here. The vps column fits a 4 GB server without
 * the AI services and logs. A limit is a hard ceiling (container.ts sets swap equal to it).
 */
const LOCAL_MIB: Record<ServiceName, number> = {
  // shared_buffers 128MB and maintenance_work_mem 64MB (supabase/postgres
  // ansible/files/postgresql_config/postgresql.conf.j2) plus ~25 service connections at a few MB each.
  db: 512,
  // No published figure: a single Go binary (GoTrue) with a small DB pool.
  auth: 96,
  // No published figure: PostgREST holds the schema cache of the exposed schemas.
  rest: 96,
  // Idle BEAM at 202-226 MiB resident on a 4 GB VPS (supabase/supabase#32713) + ~40%.
  realtime: 320,
  // No published figure: Node.js API; uploads stream, they are not buffered whole.
  storage: 160,
  // No published figure for a single-drive MinIO with one bucket.
  minio: 192,
  // No published figure: Node.js, one pg pool; Studio's table editor queries go through it.
  meta: 112,
  // next-server idle at 117 MiB (supabase/supabase#32713); server-side rendering of the
  // dashboard pages roughly doubles it.
  studio: 320,
  // One nginx worker (kong.ts) at ~100 MB each (supabase-community/supabase-kubernetes#187)
  // plus the master and the declarative config.
  kong: 192,
  // No published figure: Mailpit keeps caught mails in SQLite on disk.
  mail: 32,
  // No published figure: Traefik's Docker provider and a few routers.
  traefik: 128,
  // No published figure: Qdrant maps segments from disk; collections held in RAM grow it.
  qdrant: 1024,
  // A 7-8B model at Q4 is ~5 GB resident (ollama.com/library model sizes) + KV cache.
  ollama: 8192,
  // The default redisMaxMemory (256mb) plus the fifth spare settings require.
  redis: 320,
  // No published figure: the head block of ~15 scrape targets at 15 s.
  prometheus: 512,
  // No published figure: Go exporters holding one scrape in memory.
  postgresExporter: 64,
  redisExporter: 48,
  // Edge runtime: the main router plus one user worker (150 MB cap each, upstream
  // volumes/functions/main/index.ts memoryLimitMb) per warm function.
  functions: 512,
  // Idle BEAM at 202-226 MiB resident on a 4 GB VPS (supabase/supabase#32713) + ~40%.
  supavisor: 320,
  // libvips decodes whole images: a 16.8 MP source (IMGPROXY_MAX_SRC_RESOLUTION) is 64 MiB
  // as RGBA, and a resize holds source and target.
  imgproxy: 256,
  // No published figure: Grafana with one provisioned data source and no plugins.
  grafana: 192,
  // Logflare idles at ~300 MB (supabase/supabase#30122, macOS): 1.5 GiB is 5x that. Linux hosts
  // have reported 1.8 GB resident after hours (#30122, #32713); past the limit Logflare restarts
  // and keeps its logs (they are in Postgres). Sized so the local stack without Ollama stays
  // within 6 GiB (test/plan/ai.test.ts); raise with memoryLimits analytics=2GiB.
  analytics: 1536,
  // No published figure: Vector's own footprint plus in-memory sink buffers, 500 events per
  // sink by default (vector.dev docs, buffers), 7 sinks (render/vector.ts).
  vector: 128,
  // Backup scheduler: Node 22 running the bundled scheduler idles at ~75 MiB RSS (measured with
  // `node backup-scheduler.js run`, /proc VmRSS); a run adds pg_dump, pg_restore --file=- (row
  // counts) and tar beside it, all streaming, so about 3x the idle figure.
  backup: 256,
  // Open WebUI at 651824 KiB (637 MiB) resident after a fresh restart (open-webui#4188, top) and
  // "often more than 1 GB" once used (open-webui#2582): RAG embeds documents in-process with
  // sentence-transformers unless an embedding engine is configured.
  openWebui: 1536,
  // No published figure: Debian's HAProxy 2.6 on the rendered haproxy.cfg (one thread, maxconn
  // 256) holds 12.5 MiB in the master and 6.5 MiB in the worker (/proc VmRSS, measured with
  // `haproxy -W -db` after 50 requests); each open stream adds two 16 KiB buffers (tune.bufsize),
  // 8 MiB at maxconn: 48 MiB is ~2.5x the idle figure.
  dockerProxy: 48,
  // No published figure: Debian's HAProxy 2.6 on the rendered haproxy.cfg with a 1 MB template
  // (GoTrue's largest, tune.bufsize 1007616) holds 12.4 MiB in the master and 7.6 MiB in the
  // worker (/proc VmRSS after 20 requests); each open stream adds two buffers, 31 MiB at maxconn
  // 16 with templates that large: 64 MiB covers it.
  mailTemplates: 64,
};

/** Where a server differs from a desktop; every other service keeps its local limit. */
const VPS_OVERRIDES_MIB: Partial<Record<ServiceName, number>> = {
  // More shared cache on a server: the same shared_buffers, more connections under load.
  db: 768,
  // Two nginx workers on vps (kong.ts) at ~100 MB each (supabase-kubernetes#187) + master.
  kong: 320,
  qdrant: 512,
  // A 1-3B model at Q4 (1-2 GB, ollama.com/library) on a CPU-only server.
  ollama: 2048,
  // Fewer scrape targets on vps (no AI services by default).
  prometheus: 256,
  postgresExporter: 48,
  redisExporter: 32,
  // The main router plus two warm 150 MB workers.
  functions: 384,
  imgproxy: 192,
  grafana: 160,
  // A server cannot spare the 1.8 GB reported on Linux (#32713): 1 GiB is ~3x the idle figure
  // (#30122); past it Logflare restarts. Logs are an explicit choice on vps (settings.ts).
  analytics: 1024,
  // 1.6x the fresh-start figure (#4188); Open WebUI is off on vps unless chosen.
  openWebui: 1024,
};

export const DEFAULT_MEMORY_MIB: Record<
  Exclude<Target, "kubernetes">,
  Record<ServiceName, number>
> = {
  local: LOCAL_MIB,
  vps: { ...LOCAL_MIB, ...VPS_OVERRIDES_MIB },
};

/**
 * Published resident-memory figures the limits above are derived from, per service: a default
 * limit must exceed its figure by a quarter at least (test/plan/limits.test.ts), so that an
 * idle container is never killed by its own limit.
 */
export const PUBLISHED_IDLE_MIB: Partial<
  Record<ServiceName, { readonly mib: number; readonly source: string }>
> = {
  // Two BEAM processes at 226092 and 202012 KiB RES (realtime and supavisor; which is which is not stated).
  realtime: { mib: 221, source: "supabase/supabase#32713 (4 GB VPS, top)" },
  supavisor: { mib: 221, source: "supabase/supabase#32713 (4 GB VPS, top)" },
  studio: { mib: 117, source: "supabase/supabase#32713 (next-server, 120140 KiB RES)" },
  kong: {
    mib: 100,
    source: "supabase-community/supabase-kubernetes#187 (~100 MB per nginx worker)",
  },
  analytics: { mib: 300, source: "supabase/supabase#30122 (Logflare idle on macOS)" },
  // The edge runtime's per-worker cap (upstream volumes/functions/main/index.ts memoryLimitMb).
  functions: {
    mib: 150,
    source: "supabase/supabase docker/volumes/functions/main/index.ts (memoryLimitMb 150)",
  },
  db: { mib: 128, source: "supabase/postgres postgresql.conf.j2 (shared_buffers 128MB)" },
  openWebui: { mib: 637, source: "open-webui/open-webui#4188 (651824 KiB RES after a restart)" },
};

/**
 * The column a target starts from. Kubernetes pods get the vps limits: sized for a server, per pod
 * (requests equal limits, so a replica never lands on a node that cannot hold it).
 */
export const memoryColumn = (target: Target): Record<ServiceName, number> =>
  DEFAULT_MEMORY_MIB[target === "kubernetes" ? "vps" : target];

/** The log stack's services (Studio's Logs Explorer), switched by `ownstack:logs`. */
export const LOG_SERVICES = ["analytics", "vector"] as const satisfies readonly ServiceName[];

/** What the log stack adds to a target's memory limits, in MiB. */
export const logStackMiB = (target: Target): number =>
  LOG_SERVICES.reduce((sum, s) => sum + memoryColumn(target)[s], 0);

/** Parses `512MiB`, `2GiB`, `768m`, `1g` into whole MiB, or returns undefined. */
export function parseMemoryMiB(text: string): number | undefined {
  const m = MEMORY_SIZE.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2].toLowerCase()[0];
  const mib = unit === "k" ? value / 1024 : unit === "g" ? value * 1024 : value;
  return Math.round(mib);
}

/** Redis sizes (`256mb`, `1gb`, `512kb`) in MiB; Redis reads the `b` suffixes as powers of 1024. */
export function redisSizeMiB(text: string): number {
  const m = /^(\d+)(kb|mb|gb)$/i.exec(text);
  if (!m) return NaN;
  const unit = m[2].toLowerCase();
  return Number(m[1]) * (unit === "gb" ? 1024 : unit === "kb" ? 1 / 1024 : 1);
}

/**
 * Why a Redis `maxmemory` does not fit its container, or undefined. Redis counts maxmemory against
 * its dataset only; AOF rewrites fork and copy pages on top, so a fifth of the container stays
 * spare. `0` would mean "no limit" and end in an OOM kill instead of eviction.
 */
export function redisMaxMemoryProblem(maxMemory: string, containerMiB: number): string | undefined {
  const mib = redisSizeMiB(maxMemory);
  const limit = Math.floor(containerMiB * 0.8);
  if (!(mib > 0)) return `expected a size above zero such as "256mb", got "${maxMemory}"`;
  if (mib > limit)
    return `"${maxMemory}" does not fit the redis container's ${containerMiB} MiB, expected at most "${limit}mb" (or raise memoryLimits redis=…)`;
  return undefined;
}
