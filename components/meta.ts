import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Env, ServiceArgs, serviceContainer } from "./container";
import { DB_HOST, DB_NAME, DB_PORT } from "./database";

export interface MetaArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  /** Must equal Studio's PG_META_CRYPTO_KEY, or Studio cannot list tables (supabase#39593). */
  readonly cryptoKey: pulumi.Input<string>;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** postgres-meta, Studio's window into the database. */
export class Meta extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: MetaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Meta", name, {}, opts);
    const { settings } = args;
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "meta",
        image: settings.images.meta,
        network: args.network,
        aliases: ["meta"],
        env: metaEnv(args.postgresPassword, args.cryptoKey),
        // Upstream declares no healthcheck; `wait` needs one. Node is in the image, curl is not.
        healthcheck: {
          tests: ["CMD", "node", "-e", "require('net').connect(8080,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"],
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}

/**
 * The meta container's environment, as upstream's `meta` service. A function of its own so that
 * test/real/postgresMeta.test.ts runs npm's @supabase/postgres-meta with exactly this (changing
 * only the address of the database).
 */
export function metaEnv(postgresPassword: pulumi.Input<string>, cryptoKey: pulumi.Input<string>): Env {
  return {
    PG_META_PORT: 8080,
    PG_META_DB_HOST: DB_HOST,
    PG_META_DB_PORT: DB_PORT,
    PG_META_DB_NAME: DB_NAME,
    PG_META_DB_USER: "postgres",
    PG_META_DB_PASSWORD: postgresPassword,
    CRYPTO_KEY: cryptoKey,
  };
}
