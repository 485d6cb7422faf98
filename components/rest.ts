import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, serviceContainer } from "./container";
import { dbUrl } from "./database";

export interface RestArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  readonly jwtSecret: pulumi.Input<string>;
  /** JWT_JWKS (authSigning: es256); PostgREST takes a secret, a JWK or a JWKS in one variable. */
  readonly jwks?: pulumi.Input<string>;
  /**
   * Serve the admin app (/ready, /metrics) on the internal network so Prometheus can scrape it.
   * Default false: upstream keeps it on localhost because `/config` shows secrets.
   */
  readonly metrics?: boolean;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export const REST_SCHEMAS = "public,graphql_public";

/** PostgREST, wired as upstream's `rest` service (supabase-selfhost.md §1.4). */
export class Rest extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: RestArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Rest", name, {}, opts);
    const { settings } = args;
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "rest",
        image: settings.images.rest,
        network: args.network,
        aliases: ["rest"],
        command: ["postgrest"],
        env: {
          PGRST_DB_URI: dbUrl("authenticator", args.postgresPassword),
          PGRST_DB_SCHEMAS: REST_SCHEMAS,
          PGRST_DB_MAX_ROWS: 1000,
          PGRST_DB_EXTRA_SEARCH_PATH: "public",
          PGRST_DB_ANON_ROLE: "anon",
          PGRST_JWT_SECRET: args.jwks ?? args.jwtSecret,
          PGRST_DB_USE_LEGACY_GUCS: false,
          PGRST_APP_SETTINGS_JWT_EXP: settings.auth.jwtExpiry,
          // The `--ready` healthcheck asks the admin server.
          PGRST_ADMIN_SERVER_PORT: 3001,
          PGRST_ADMIN_SERVER_HOST: args.metrics ? "0.0.0.0" : "localhost",
        },
        // Distroless image: no shell, so the binary checks itself.
        healthcheck: { tests: ["CMD", "postgrest", "--ready"] },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}
