import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { Env, Healthcheck } from "./container";
import { DbEndpoint, JwtDbClientArgs, dbUrl } from "./database";
import { ServiceComponent } from "./serviceComponent";

export interface RestArgs extends JwtDbClientArgs {
  /** JWT_JWKS (authSigning: es256); PostgREST takes a secret, a JWK or a JWKS in one variable. */
  readonly jwks?: pulumi.Input<string>;
  /** Open the admin server on the private network, where Prometheus scrapes its /metrics. */
  readonly metrics?: boolean;
}

/**
 * Where PostgREST's admin server listens. It answers /live, /ready, /schema_cache and /metrics
 * (src/PostgREST/Admin.hs in PostgREST v14): health, the structure of the exposed schemas and
 * request/pool counters, no credential. Before 13.0.0 it also served /config, the whole
 * configuration with the JWT secret and the database URI with its password (PostgREST
 * CHANGELOG, #3956: off by default from 12.2.12, dropped in 13.0.0). So the admin server leaves
 * loopback only for Prometheus and only on a PostgREST that has no /config; with an older image
 * (ownstack:imageOverrides) it stays on loopback, and Prometheus's rest job finds nothing.
 * Loopback is where `postgrest --ready`, the healthcheck, asks.
 */
export function restAdminHost(image: string, metrics: boolean): string {
  return metrics && (postgrestMajor(image) ?? 0) >= 13 ? "0.0.0.0" : "localhost";
}

/** `postgrest/postgrest:v14.17` → 14; undefined when the tag is no version (a digest, `latest`). */
export function postgrestMajor(image: string): number | undefined {
  const tag = /:v?(\d+)(?:\.\d+)*(?:@.*)?$/.exec(image);
  return tag ? Number(tag[1]) : undefined;
}

/** What the env needs: the component's args without the Docker wiring, and where Postgres is. */
export type RestEnvArgs = Omit<RestArgs, "network" | "dependsOn"> & { readonly db?: DbEndpoint };

// Distroless image: no shell, so the binary checks itself.
export const REST_HEALTHCHECK: Healthcheck = { tests: ["CMD", "postgrest", "--ready"] };

/**
 * PostgREST, wired as upstream's `rest` service:
 * https://github.com/supabase/supabase/blob/master/docker/docker-compose.yml
 */
export class Rest extends ServiceComponent {
  constructor(name: string, args: RestArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Rest", name, args, opts, {
      service: "rest",
      command: ["postgrest"],
      env: restEnv(args),
      healthcheck: REST_HEALTHCHECK,
    });
  }
}

/** PostgREST's env, shared by the rest container and the kubernetes Deployment. */
export function restEnv(args: RestEnvArgs): Env {
  const { settings } = args;
  return {
    PGRST_DB_URI: dbUrl("authenticator", args.postgresPassword, undefined, undefined, args.db),
    PGRST_DB_SCHEMAS: settings.rest.schemas,
    PGRST_DB_MAX_ROWS: settings.rest.maxRows,
    PGRST_DB_EXTRA_SEARCH_PATH: settings.rest.extraSearchPath,
    PGRST_DB_ANON_ROLE: "anon",
    PGRST_JWT_SECRET: args.jwks ?? args.jwtSecret,
    PGRST_APP_SETTINGS_JWT_EXP: settings.auth.jwtExpiry,
    PGRST_ADMIN_SERVER_PORT: ADDRESSES.rest.metrics.port,
    PGRST_ADMIN_SERVER_HOST: restAdminHost(settings.images.rest, args.metrics ?? false),
  };
}
