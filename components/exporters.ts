import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalAddress } from "../config/services";
import { Env, ServiceArgs } from "./container";
import { DEFAULT_DB, DbClientArgs, DbEndpoint, dbUrl } from "./database";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

export type PostgresExporterArgs = DbClientArgs;

/**
 * The exporter's DSN. The stack's own Postgres speaks no TLS on the private network (lib/pq would
 * otherwise insist on it); a managed database is reached over TLS.
 */
export function postgresExporterEnv(postgresPassword: pulumi.Input<string>, at?: DbEndpoint): Env {
  const sslmode = at === undefined || at === DEFAULT_DB ? "disable" : "require";
  return {
    DATA_SOURCE_NAME: pulumi.secret(
      pulumi.interpolate`${dbUrl("postgres", postgresPassword, "postgresql", undefined, at)}?sslmode=${sslmode}`,
    ),
  };
}

// quay.io/prometheus/busybox base: wget is there. `/` is the landing page, no DB round-trip.
export const POSTGRES_EXPORTER_HEALTHCHECK = {
  tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.postgresExporter.port}/`, "download"),
};

/**
 * postgres_exporter as the `postgres` role: not a superuser in the supabase image, but a member of
 * pg_monitor, which is all the exporter's default collectors read.
 */
export class PostgresExporter extends ServiceComponent {
  constructor(
    name: string,
    args: PostgresExporterArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:observability:PostgresExporter", name, args, opts, {
      service: "postgresExporter",
      env: postgresExporterEnv(args.postgresPassword),
      healthcheck: POSTGRES_EXPORTER_HEALTHCHECK,
    });
  }
}

export interface RedisExporterArgs extends ServiceArgs {
  readonly redisPassword: pulumi.Input<string>;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** redis_exporter logs in to the stack's Redis (Valkey) with its password. */
export const redisExporterEnv = (redisPassword: pulumi.Input<string>): Env => ({
  REDIS_ADDR: `redis://${internalAddress("redis")}`,
  REDIS_PASSWORD: pulumi.secret(redisPassword),
});

export const REDIS_EXPORTER_HEALTHCHECK = {
  tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.redisExporter.port}/health`, "download"),
};

/**
 * redis_exporter from its `-alpine` build: the plain tag is a scratch image with no shell or wget,
 * so no healthcheck could run in it. `/health` answers without touching Redis.
 */
export class RedisExporter extends ServiceComponent {
  constructor(name: string, args: RedisExporterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:observability:RedisExporter", name, args, opts, {
      service: "redisExporter",
      env: redisExporterEnv(args.redisPassword),
      healthcheck: REDIS_EXPORTER_HEALTHCHECK,
    });
  }
}
