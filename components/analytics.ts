import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import { OneShotJob } from "./jobGates";
import { Env, Healthcheck } from "./container";
import { DEFAULT_DB, DbClientArgs, DbEndpoint, dbUrl } from "./database";
import { ServiceComponent } from "./serviceComponent";

/** Logflare on the private network: Vector posts here, Studio queries here. Never published. */
export const ANALYTICS_URL = internalUrl("analytics");
/** Logflare keeps its metadata and, on the Postgres backend, the logs themselves here. */
export const ANALYTICS_DATABASE = "_supabase";
export const ANALYTICS_SCHEMA = "_analytics";

export interface AnalyticsArgs extends DbClientArgs {
  /** Ingest token: what Vector sends as x-api-key. */
  readonly publicToken: pulumi.Input<string>;
  /** Query token: what Studio's Logs pages use. */
  readonly privateToken: pulumi.Input<string>;
  /** The migrations job, which creates `_supabase._analytics` on data volumes older than the log stack. */
  readonly after: readonly OneShotJob[];
}

export interface AnalyticsEnvArgs {
  readonly postgresPassword: pulumi.Input<string>;
  readonly publicToken: pulumi.Input<string>;
  readonly privateToken: pulumi.Input<string>;
  /** Where Postgres is; the Docker db by default. */
  readonly db?: DbEndpoint;
}

/** Logflare's env on both runtimes: single tenant, Supabase mode, Postgres backend. */
export function analyticsEnv(args: AnalyticsEnvArgs): Env {
  const db = args.db ?? DEFAULT_DB;
  return {
    LOGFLARE_NODE_HOST: "127.0.0.1",
    DB_USERNAME: "supabase_admin",
    DB_DATABASE: ANALYTICS_DATABASE,
    DB_HOSTNAME: db.host,
    DB_PORT: db.port,
    DB_PASSWORD: args.postgresPassword,
    DB_SCHEMA: ANALYTICS_SCHEMA,
    LOGFLARE_SINGLE_TENANT: "true",
    LOGFLARE_SUPABASE_MODE: "true",
    LOGFLARE_PUBLIC_ACCESS_TOKEN: args.publicToken,
    LOGFLARE_PRIVATE_ACCESS_TOKEN: args.privateToken,
    LOGFLARE_FEATURE_FLAG_OVERRIDE: "multibackend=true",
    POSTGRES_BACKEND_URL: dbUrl(
      "supabase_admin",
      args.postgresPassword,
      "postgresql",
      ANALYTICS_DATABASE,
      db,
    ),
    POSTGRES_BACKEND_SCHEMA: ANALYTICS_SCHEMA,
  };
}

// Upstream's check and timings (5s/5s/10/30s): Logflare migrates its schema on first start.
export const ANALYTICS_HEALTHCHECK: Healthcheck = {
  tests: [
    "CMD-SHELL",
    `curl -sSfL -o /dev/null http://localhost:${ADDRESSES.analytics.port}/health`,
  ],
  retries: 10,
  startPeriod: "30s",
};

/**
 * Logflare, Studio's log store, wired as upstream's logs overlay (supabase/supabase
 * docker/docker-compose.logs.yml): single tenant, Supabase mode, Postgres backend in
 * `_supabase._analytics`. Its port 4000 stays on the private network, as upstream since Feb 2026.
 */
export class Analytics extends ServiceComponent {
  constructor(name: string, args: AnalyticsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:logs:Analytics", name, args, opts, {
      service: "analytics",
      env: analyticsEnv(args),
      healthcheck: ANALYTICS_HEALTHCHECK,
      // First start runs Logflare's migrations and seeds the Supabase sources.
      waitTimeout: 180,
    });
  }
}
