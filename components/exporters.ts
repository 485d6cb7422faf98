import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalAddress } from "../config/services";
import { ServiceArgs } from "./container";
import { DbClientArgs, dbUrl } from "./database";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

export type PostgresExporterArgs = DbClientArgs;

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
      // The db speaks no TLS on the private network; lib/pq would otherwise insist on it.
      env: {
        DATA_SOURCE_NAME: pulumi.secret(
          pulumi.interpolate`${dbUrl("postgres", args.postgresPassword, "postgresql")}?sslmode=disable`,
        ),
      },
      // quay.io/prometheus/busybox base: wget is there. `/` is the landing page, no DB round-trip.
      healthcheck: {
        tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.postgresExporter.port}/`, "download"),
      },
    });
  }
}

export interface RedisExporterArgs extends ServiceArgs {
  readonly redisPassword: pulumi.Input<string>;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * redis_exporter from its `-alpine` build: the plain tag is a scratch image with no shell or wget,
 * so no healthcheck could run in it. `/health` answers without touching Redis.
 */
export class RedisExporter extends ServiceComponent {
  constructor(name: string, args: RedisExporterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:observability:RedisExporter", name, args, opts, {
      service: "redisExporter",
      env: {
        REDIS_ADDR: `redis://${internalAddress("redis")}`,
        REDIS_PASSWORD: pulumi.secret(args.redisPassword),
      },
      healthcheck: {
        tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.redisExporter.port}/health`, "download"),
      },
    });
  }
}
