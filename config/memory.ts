import { MEMORY_SIZE, Target } from "./schema";

/** Every long-running container, keyed as in `memoryLimits` overrides. */
export const SERVICES = [
  "db",
  "auth",
  "rest",
  "realtime",
  "storage",
  "minio",
  "meta",
  "studio",
  "kong",
  "mail",
  "traefik",
  "qdrant",
  "ollama",
  "redis",
  "prometheus",
  "postgresExporter",
  "redisExporter",
  "functions",
  "supavisor",
  "imgproxy",
  "grafana",
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** One-shot jobs get a small fixed limit; they exit after a few seconds. */
export const JOB_MEMORY_MIB = 64;

/**
 * Default limits in MiB. The core local stack (db … mail) sums to under 2 GiB; the vps column fits
 * a 4 GB server with Traefik, leaving room for the kernel and page cache. See the README budget table.
 */
export const DEFAULT_MEMORY_MIB: Record<Target, Record<ServiceName, number>> = {
  local: {
    db: 512,
    auth: 96,
    rest: 96,
    realtime: 256,
    storage: 160,
    minio: 192,
    meta: 112,
    studio: 320,
    kong: 192,
    mail: 32,
    traefik: 128,
    qdrant: 1024,
    ollama: 8192,
    redis: 320,
    prometheus: 512,
    postgresExporter: 64,
    redisExporter: 48,
    // Edge runtime: the main router plus one user worker (150 MB cap each) per warm function.
    functions: 512,
    supavisor: 256,
    // libvips decodes whole images; 16.8 MP sources (IMGPROXY_MAX_SRC_RESOLUTION) need headroom.
    imgproxy: 256,
    grafana: 192,
  },
  vps: {
    db: 768,
    auth: 96,
    rest: 96,
    realtime: 256,
    storage: 160,
    minio: 192,
    meta: 112,
    studio: 320,
    kong: 192,
    mail: 32,
    traefik: 128,
    qdrant: 512,
    ollama: 2048,
    // Fits the default redisMaxMemory (256mb) with the fifth spare settings require.
    redis: 320,
    prometheus: 256,
    postgresExporter: 48,
    redisExporter: 32,
    functions: 384,
    supavisor: 192,
    imgproxy: 192,
    grafana: 160,
  },
};

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
  if (mib > limit) return `"${maxMemory}" does not fit the redis container's ${containerMiB} MiB, expected at most "${limit}mb" (or raise memoryLimits redis=…)`;
  return undefined;
}
