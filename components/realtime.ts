import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { Env, Healthcheck } from "./container";
import { DEFAULT_DB, DbEndpoint, JwtDbClientArgs } from "./database";
import { ServiceComponent } from "./serviceComponent";

export interface RealtimeArgs extends JwtDbClientArgs {
  /** JWT_JWKS (authSigning: es256), so ES256 sessions verify on channel joins. */
  readonly jwks?: pulumi.Input<string>;
  readonly anonKey: pulumi.Input<string>;
  readonly secretKeyBase: pulumi.Input<string>;
  readonly dbEncKey: pulumi.Input<string>;
}

/** The name the gateway calls it by: its first label is the tenant (see config/services.ts). */
export const REALTIME_HOST = ADDRESSES.realtime.aliases[1];

/** What the env needs: the component's args without the Docker wiring, and where Postgres is. */
export type RealtimeEnvArgs = Omit<RealtimeArgs, "network" | "dependsOn" | "settings"> & {
  readonly db?: DbEndpoint;
};

export const REALTIME_HEALTHCHECK: Healthcheck = {
  tests: [
    "CMD-SHELL",
    `curl -sSfL --head -o /dev/null -H "Authorization: Bearer $ANON_KEY" http://localhost:${ADDRESSES.realtime.port}/api/tenants/realtime-dev/health`,
  ],
  // Docker probes first after one interval: 5s keeps several probes inside the create wait.
  interval: "5s",
  startPeriod: "10s",
};

export class Realtime extends ServiceComponent {
  constructor(name: string, args: RealtimeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Realtime", name, args, opts, {
      service: "realtime",
      hostname: REALTIME_HOST,
      env: realtimeEnv(args),
      healthcheck: REALTIME_HEALTHCHECK,
    });
  }
}

/** Realtime's env, shared by the realtime container and the kubernetes Deployment. */
export function realtimeEnv(args: RealtimeEnvArgs): Env {
  const db = args.db ?? DEFAULT_DB;
  return {
    PORT: ADDRESSES.realtime.port,
    DB_HOST: db.host,
    DB_PORT: db.port,
    DB_USER: "supabase_admin",
    DB_PASSWORD: args.postgresPassword,
    DB_NAME: db.name,
    DB_AFTER_CONNECT_QUERY: "SET search_path TO _realtime",
    DB_ENC_KEY: args.dbEncKey,
    API_JWT_SECRET: args.jwtSecret,
    ...(args.jwks ? { API_JWT_JWKS: args.jwks } : {}),
    METRICS_JWT_SECRET: args.jwtSecret,
    SECRET_KEY_BASE: args.secretKeyBase,
    ERL_AFLAGS: "-proto_dist inet_tcp",
    DNS_NODES: "''",
    RLIMIT_NOFILE: 10000,
    APP_NAME: "realtime",
    SEED_SELF_HOST: true,
    RUN_JANITOR: true,
    DISABLE_HEALTHCHECK_LOGGING: true,
    // Read by the healthcheck's shell, so the key never appears in the container spec's test.
    ANON_KEY: args.anonKey,
  };
}
