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
    redis: 160,
    prometheus: 256,
    postgresExporter: 48,
    redisExporter: 32,
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
