import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalAddress } from "../config/services";
import { ServiceArgs, serviceContainer } from "./container";
import { DbClientArgs, dbUrl } from "./database";

export type PostgresExporterArgs = DbClientArgs;

/**
 * postgres_exporter as the `postgres` role: not a superuser in the supabase image, but a member of
 * pg_monitor, which is all the exporter's default collectors read.
 */
export class PostgresExporter extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(
    name: string,
    args: PostgresExporterArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:observability:PostgresExporter", name, {}, opts);
    const { settings } = args;
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "postgresExporter",
        image: settings.images.postgresExporter,
        network: args.network,
        // The db speaks no TLS on the private network; lib/pq would otherwise insist on it.
        env: {
          DATA_SOURCE_NAME: pulumi.secret(
            pulumi.interpolate`${dbUrl("postgres", args.postgresPassword, "postgresql")}?sslmode=disable`,
          ),
        },
        // quay.io/prometheus/busybox base: wget is there. `/` is the landing page, no DB round-trip.
        healthcheck: {
          tests: [
            "CMD",
            "wget",
            "-q",
            "-O",
            "/dev/null",
            `http://127.0.0.1:${ADDRESSES.postgresExporter.port}/`,
          ],
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
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
export class RedisExporter extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: RedisExporterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:observability:RedisExporter", name, {}, opts);
    const { settings } = args;
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "redisExporter",
        image: settings.images.redisExporter,
        network: args.network,
        env: {
          REDIS_ADDR: `redis://${internalAddress("redis")}`,
          REDIS_PASSWORD: pulumi.secret(args.redisPassword),
        },
        healthcheck: {
          tests: [
            "CMD",
            "wget",
            "-q",
            "-O",
            "/dev/null",
            `http://127.0.0.1:${ADDRESSES.redisExporter.port}/health`,
          ],
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}
