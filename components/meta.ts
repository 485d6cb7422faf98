import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { Env, Healthcheck } from "./container";
import { DEFAULT_DB, DbClientArgs, DbEndpoint } from "./database";
import { ServiceComponent } from "./serviceComponent";

export interface MetaArgs extends DbClientArgs {
  /** Must equal Studio's PG_META_CRYPTO_KEY, or Studio cannot list tables (supabase#39593). */
  readonly cryptoKey: pulumi.Input<string>;
}

// Upstream declares no healthcheck; `wait` needs one. Node is in the image, curl is not.
export const META_HEALTHCHECK: Healthcheck = {
  tests: [
    "CMD",
    "node",
    "-e",
    `require('net').connect(${ADDRESSES.meta.port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`,
  ],
};

/** postgres-meta, Studio's window into the database. */
export class Meta extends ServiceComponent {
  constructor(name: string, args: MetaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Meta", name, args, opts, {
      service: "meta",
      env: metaEnv(args.postgresPassword, args.cryptoKey),
      healthcheck: META_HEALTHCHECK,
    });
  }
}

/**
 * The meta container's environment, as upstream's `meta` service. A function of its own so that
 * test/real/postgresMeta.test.ts runs npm's @supabase/postgres-meta with exactly this (changing
 * only the address of the database), and the kubernetes Deployment gets it too.
 */
export function metaEnv(
  postgresPassword: pulumi.Input<string>,
  cryptoKey: pulumi.Input<string>,
  db: DbEndpoint = DEFAULT_DB,
): Env {
  return {
    PG_META_PORT: ADDRESSES.meta.port,
    PG_META_DB_HOST: db.host,
    PG_META_DB_PORT: db.port,
    PG_META_DB_NAME: db.name,
    PG_META_DB_USER: "postgres",
    PG_META_DB_PASSWORD: postgresPassword,
    CRYPTO_KEY: cryptoKey,
  };
}
