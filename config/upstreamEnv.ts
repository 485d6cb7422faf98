import TABLE from "./upstreamEnv.json";

/** The services whose env names are checked against what their pinned image reads. */
export const CHECKED_SERVICES = ["auth", "rest", "studio"] as const;
export type CheckedService = (typeof CHECKED_SERVICES)[number];

export interface UpstreamEnv {
  /** The image tag the names were read from; it must be the one config/images.ts pins. */
  readonly image: string;
  /** The config loader at that tag the names come from. */
  readonly source: string;
  /** Families read by prefix (PostgREST's PGRST_APP_SETTINGS_*). */
  readonly prefixes: readonly string[];
  readonly names: readonly string[];
}

export const UPSTREAM_ENV: Readonly<Record<CheckedService, UpstreamEnv>> = TABLE;

/** The names in `env` the service's pinned image never reads: typos and upstream renames. */
export function unreadEnv(service: CheckedService, env: readonly string[]): string[] {
  const { names, prefixes } = UPSTREAM_ENV[service];
  const known = new Set(names);
  return env.filter((name) => !known.has(name) && !prefixes.some((p) => name.startsWith(p)));
}
