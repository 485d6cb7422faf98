import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { OneShotJob } from "./jobGates";
import { DB_HOST, DB_NAME, DB_PORT, JwtDbClientArgs, dbUrl } from "./database";
import { POOLER_EXS_PATH, SUPAVISOR_COMMAND, renderPoolerExs } from "./render/pooler";
import { ServiceComponent } from "./serviceComponent";

export interface SupavisorArgs extends JwtDbClientArgs {
  readonly secretKeyBase: pulumi.Input<string>;
  /** Exactly 32 characters: Supavisor encrypts tenant credentials with it. */
  readonly vaultEncKey: pulumi.Input<string>;
  /** The migrations job, which creates `_supabase` on data volumes older than the pooler. */
  readonly after: readonly OneShotJob[];
}

/**
 * Supavisor, upstream's `supavisor` service (docker/docker-compose.yml): session mode on 5432,
 * transaction mode on 6543. Published on 127.0.0.1 locally and never on vps (config/exposure.ts).
 */
export class Supavisor extends ServiceComponent {
  /** The user name clients log in with: `postgres.<tenant>` (upstream pain point #9). */
  public readonly user: string;

  constructor(name: string, args: SupavisorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { tenantId } = args.settings.pooler;
    super("ownstack:supabase:Supavisor", name, args, opts, {
      service: "supavisor",
      command: SUPAVISOR_COMMAND,
      env: {
        PORT: ADDRESSES.supavisor.port,
        POSTGRES_HOST: DB_HOST,
        POSTGRES_PORT: DB_PORT,
        POSTGRES_DB: DB_NAME,
        POSTGRES_PASSWORD: args.postgresPassword,
        DATABASE_URL: dbUrl("supabase_admin", args.postgresPassword, "ecto", "_supabase"),
        CLUSTER_POSTGRES: true,
        SECRET_KEY_BASE: args.secretKeyBase,
        VAULT_ENC_KEY: args.vaultEncKey,
        API_JWT_SECRET: args.jwtSecret,
        METRICS_JWT_SECRET: args.jwtSecret,
        REGION: "local",
        ERL_AFLAGS: "-proto_dist inet_tcp",
        POOLER_TENANT_ID: tenantId,
        POOLER_DEFAULT_POOL_SIZE: 20,
        POOLER_MAX_CLIENT_CONN: 100,
        POOLER_POOL_MODE: "transaction",
        DB_POOL_SIZE: 5,
      },
      uploads: [{ file: POOLER_EXS_PATH, content: renderPoolerExs(), permissions: "0644" }],
      healthcheck: {
        tests: [
          "CMD-SHELL",
          `curl -sSfL --head -o /dev/null http://127.0.0.1:${ADDRESSES.supavisor.port}/api/health`,
        ],
        interval: "10s",
        retries: 10,
        startPeriod: "30s",
      },
      // migrate, then the tenant, then the server: slower than most on a first start.
      waitTimeout: 180,
    });
    this.user = `postgres.${tenantId}`;
  }
}
