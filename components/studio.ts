import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ANALYTICS_URL } from "./analytics";
import { ServiceArgs, serviceContainer } from "./container";
import { DB_HOST, DB_NAME, DB_PORT } from "./database";
import { REST_SCHEMAS } from "./rest";

export interface StudioArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  readonly jwtSecret: pulumi.Input<string>;
  /** sb_ keys (authSigning: es256), shown and used by Studio since upstream PR #46173. */
  readonly publishableKey?: pulumi.Input<string>;
  readonly secretKey?: pulumi.Input<string>;
  readonly anonKey: pulumi.Input<string>;
  readonly serviceRoleKey: pulumi.Input<string>;
  readonly pgMetaCryptoKey: pulumi.Input<string>;
  /** Logflare's query token with the log stack on (`ownstack:logs`); without it the Logs pages stay off. */
  readonly logflarePrivateToken?: pulumi.Input<string>;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Supabase Studio; reached through Kong's basic-auth catch-all, never published itself. */
export class Studio extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: StudioArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Studio", name, {}, opts);
    const { settings } = args;
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "studio",
        image: settings.images.studio,
        network: args.network,
        aliases: ["studio"],
        env: {
          HOSTNAME: "0.0.0.0",
          STUDIO_PG_META_URL: "http://meta:8080",
          POSTGRES_HOST: DB_HOST,
          POSTGRES_PORT: DB_PORT,
          POSTGRES_DB: DB_NAME,
          POSTGRES_PASSWORD: args.postgresPassword,
          POSTGRES_USER_READ_WRITE: "postgres",
          PG_META_CRYPTO_KEY: args.pgMetaCryptoKey,
          PGRST_DB_SCHEMAS: REST_SCHEMAS,
          PGRST_DB_MAX_ROWS: 1000,
          PGRST_DB_EXTRA_SEARCH_PATH: "public",
          DEFAULT_ORGANIZATION_NAME: "ownstack",
          DEFAULT_PROJECT_NAME: settings.stack,
          SUPABASE_URL: "http://kong:8000",
          SUPABASE_PUBLIC_URL: settings.publicUrl,
          SUPABASE_ANON_KEY: args.anonKey,
          SUPABASE_SERVICE_KEY: args.serviceRoleKey,
          AUTH_JWT_SECRET: args.jwtSecret,
          ...(args.publishableKey && args.secretKey ? { SUPABASE_PUBLISHABLE_KEY: args.publishableKey, SUPABASE_SECRET_KEY: args.secretKey } : {}),
          // As upstream's logs overlay (docker/docker-compose.logs.yml) sets them.
          ...(args.logflarePrivateToken
            ? {
                ENABLED_FEATURES_LOGS_ALL: true,
                NEXT_PUBLIC_ENABLE_LOGS: true,
                NEXT_ANALYTICS_BACKEND_PROVIDER: "postgres",
                LOGFLARE_URL: ANALYTICS_URL,
                LOGFLARE_PRIVATE_ACCESS_TOKEN: args.logflarePrivateToken,
              }
            : { ENABLED_FEATURES_LOGS_ALL: false, NEXT_PUBLIC_ENABLE_LOGS: false }),
        },
        healthcheck: {
          tests: [
            "CMD",
            "node",
            "-e",
            "fetch('http://localhost:3000/api/platform/profile').then((r) => {if (r.status !== 200) throw new Error(r.status)})",
          ],
          timeout: "10s",
          startPeriod: "20s",
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}
