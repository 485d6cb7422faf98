import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import { ANALYTICS_URL } from "./analytics";
import { Env, Healthcheck } from "./container";
import { DEFAULT_DB, DbEndpoint, JwtDbClientArgs } from "./database";
import { ServiceComponent } from "./serviceComponent";

export interface StudioArgs extends JwtDbClientArgs {
  /** sb_ keys (authSigning: es256), shown and used by Studio since upstream PR #46173. */
  readonly publishableKey?: pulumi.Input<string>;
  readonly secretKey?: pulumi.Input<string>;
  readonly anonKey: pulumi.Input<string>;
  readonly serviceRoleKey: pulumi.Input<string>;
  readonly pgMetaCryptoKey: pulumi.Input<string>;
  /** OPENAI_API_KEY (ownstack:studioOpenAiKey): turns on Studio's AI assistant and SQL helpers. */
  readonly openAiKey?: pulumi.Input<string>;
  /** Logflare's query token with the log stack on (`ownstack:logs`); without it the Logs pages stay off. */
  readonly logflarePrivateToken?: pulumi.Input<string>;
}

/** Where Studio keeps saved SQL snippets and the Edge Functions it shows and edits (upstream's paths). */
export const STUDIO_SNIPPETS_FOLDER = "/app/snippets";
export const STUDIO_FUNCTIONS_FOLDER = "/app/edge-functions";

/** What the env needs: the component's args without the Docker wiring, and where Postgres is. */
export type StudioEnvArgs = Omit<StudioArgs, "network" | "dependsOn"> & {
  readonly db?: DbEndpoint;
};

export const STUDIO_HEALTHCHECK: Healthcheck = {
  tests: [
    "CMD",
    "node",
    "-e",
    `fetch('http://localhost:${ADDRESSES.studio.port}/api/platform/profile').then((r) => {if (r.status !== 200) throw new Error(r.status)})`,
  ],
  timeout: "10s",
  startPeriod: "20s",
};

/** Supabase Studio; reached through Kong's basic-auth catch-all, never published itself. */
export class Studio extends ServiceComponent {
  // Data, not cache: they survive a Studio replace and `pulumi destroy`, protected like db-data.
  /** Saved SQL snippets (`snippets.json`); Studio cannot save a snippet without it. */
  public readonly snippetsVolume = this.volume("studio-snippets");
  /**
   * The Edge Functions folder. With Edge Functions on, the runtime mounts this same volume as its
   * functions root (components/functions.ts), so a function edited in Studio is the one that runs.
   */
  public readonly functionsVolume = this.volume("functions");

  constructor(name: string, args: StudioArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Studio", name, args, opts);
    this.serve({
      service: "studio",
      env: studioEnv(args),
      // Read-write, unlike upstream's `:ro` functions mount: Studio's editor writes the files the
      // runtime serves (docker/docker-compose.yml mounts volumes/functions in both services).
      volumes: [
        { volumeName: this.snippetsVolume.name, containerPath: STUDIO_SNIPPETS_FOLDER },
        { volumeName: this.functionsVolume.name, containerPath: STUDIO_FUNCTIONS_FOLDER },
      ],
      healthcheck: STUDIO_HEALTHCHECK,
    });
    this.registerOutputs({
      container: this.container.id,
      snippetsVolume: this.snippetsVolume.name,
      functionsVolume: this.functionsVolume.name,
    });
  }
}

/** Studio's env, shared by the studio container and the kubernetes Deployment. */
export function studioEnv(args: StudioEnvArgs): Env {
  const { settings } = args;
  const db = args.db ?? DEFAULT_DB;
  return {
    HOSTNAME: "0.0.0.0",
    STUDIO_PG_META_URL: internalUrl("meta"),
    POSTGRES_HOST: db.host,
    POSTGRES_PORT: db.port,
    POSTGRES_DB: db.name,
    POSTGRES_PASSWORD: args.postgresPassword,
    POSTGRES_USER_READ_WRITE: "postgres",
    PG_META_CRYPTO_KEY: args.pgMetaCryptoKey,
    PGRST_DB_SCHEMAS: settings.rest.schemas,
    PGRST_DB_MAX_ROWS: settings.rest.maxRows,
    PGRST_DB_EXTRA_SEARCH_PATH: settings.rest.extraSearchPath,
    DEFAULT_ORGANIZATION_NAME: "ownstack",
    DEFAULT_PROJECT_NAME: settings.stack,
    SUPABASE_URL: internalUrl("kong"),
    SUPABASE_PUBLIC_URL: settings.publicUrl,
    SUPABASE_ANON_KEY: args.anonKey,
    SUPABASE_SERVICE_KEY: args.serviceRoleKey,
    AUTH_JWT_SECRET: args.jwtSecret,
    ...(args.publishableKey && args.secretKey
      ? { SUPABASE_PUBLISHABLE_KEY: args.publishableKey, SUPABASE_SECRET_KEY: args.secretKey }
      : {}),
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
    ...(args.openAiKey ? { OPENAI_API_KEY: args.openAiKey } : {}),
    SNIPPETS_MANAGEMENT_FOLDER: STUDIO_SNIPPETS_FOLDER,
    EDGE_FUNCTIONS_MANAGEMENT_FOLDER: STUDIO_FUNCTIONS_FOLDER,
  };
}
