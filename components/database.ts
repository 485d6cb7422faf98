import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { ServiceArgs } from "./container";
import { DB_COMMAND, DB_START_PATHS, dbHealthcheckTests, dbStartFiles } from "./render/dbStart";
import { initSqlFiles } from "./render/initSql";
import {
  WAL_ARCHIVE_PATHS,
  renderWalArchiveScript,
  replicationHbaShell,
  walArchiveArgs,
  walArchivePrepareShell,
} from "./render/walArchive";
import { ServiceComponent } from "./serviceComponent";

/** What a service that logs in to Postgres takes besides its own inputs: it starts after its `dependsOn`. */
export interface DbClientArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** A Postgres client that also verifies the stack's JWTs (most Supabase services). */
export interface JwtDbClientArgs extends DbClientArgs {
  readonly jwtSecret: pulumi.Input<string>;
}

export interface DatabaseArgs extends ServiceArgs {
  readonly password: pulumi.Input<string>;
}

export const DB_HOST = ADDRESSES.db.aliases[0];
export const DB_PORT = ADDRESSES.db.port;
export const DB_NAME = "postgres";
/** How long a first start (initdb + init SQL + migrations) may take before the db counts as failing. */
export const DB_FIRST_INIT_SECONDS = 240;

/**
 * Where the services reach Postgres. On Docker and on kubernetes with CloudNativePG it is `db:5432`
 * (a container alias, or a Service the operator keeps on the primary); a managed database has its own.
 */
export interface DbEndpoint {
  readonly host: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  readonly name: pulumi.Input<string>;
}
export const DEFAULT_DB: DbEndpoint = { host: DB_HOST, port: DB_PORT, name: DB_NAME };

/** `postgres://role:password@db:5432/postgres`, the DSN every service builds from the one password. */
export function dbUrl(
  role: string,
  password: pulumi.Input<string>,
  scheme = "postgres",
  database?: string,
  at: DbEndpoint = DEFAULT_DB,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.interpolate`${scheme}://${role}:${password}@${at.host}:${at.port}/${database ?? at.name}`,
  );
}

/** The db container's env; npm run pg-upgrade starts the new major's server with the same. */
export function dbEnv<P extends pulumi.Input<string>>(password: P, jwtExpiry: number) {
  return {
    POSTGRES_HOST: "/var/run/postgresql",
    PGPORT: DB_PORT,
    POSTGRES_PORT: DB_PORT,
    PGPASSWORD: password,
    POSTGRES_PASSWORD: password,
    PGDATABASE: DB_NAME,
    POSTGRES_DB: DB_NAME,
    JWT_EXP: jwtExpiry,
  };
}

/** Postgres from the supabase/postgres image, with its data and config on protected volumes. */
export class Database extends ServiceComponent {
  public readonly dataVolume = this.volume("db-data");
  /** Holds the pgsodium root key: losing it makes every Vault secret unreadable. */
  public readonly configVolume = this.volume("db-config");
  /**
   * Archived WAL for point-in-time recovery (render/walArchive.ts), protected like the data: with
   * a base backup it is the database at any instant since. The backup scheduler mounts it too.
   */
  public readonly walVolume?: docker.Volume;

  constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Database", name, args, opts);
    const { jwtExpiry } = args.settings.auth;
    const { pitr } = args.settings.backup;
    if (pitr.enabled) this.walVolume = this.volume("db-wal");
    const hooks = pitr.enabled
      ? { beforeStart: walArchivePrepareShell(), afterReady: replicationHbaShell("$psql") }
      : {};
    this.serve({
      service: "db",
      // The wrapper runs the image's entrypoint with upstream's command, then applies the current
      // password to every role: the rotation path for an existing data volume (render/dbStart.ts).
      entrypoints: ["/bin/sh", DB_START_PATHS.script],
      command: pitr.enabled
        ? [...DB_COMMAND, ...walArchiveArgs(pitr.archiveTimeoutSeconds)]
        : DB_COMMAND,
      env: dbEnv(args.password, jwtExpiry),
      volumes: [
        {
          // After npm run pg-upgrade the upgraded data is on its own volume; the stack's volume
          // stays as it was, the rollback (config/dbData.ts).
          volumeName:
            args.settings.db.dataVolume !== "" ? args.settings.db.dataVolume : this.dataVolume.name,
          containerPath: "/var/lib/postgresql/data",
        },
        { volumeName: this.configVolume.name, containerPath: "/etc/postgresql-custom" },
        ...(this.walVolume
          ? [{ volumeName: this.walVolume.name, containerPath: WAL_ARCHIVE_PATHS.dir }]
          : []),
      ],
      // Init SQL runs only on an empty data directory; the start wrapper covers every later start.
      uploads: pulumi.secret(
        pulumi
          .output(args.password)
          .apply((pw) => [
            ...initSqlFiles(pw, jwtExpiry),
            ...dbStartFiles(undefined, hooks),
            ...(pitr.enabled
              ? [{ file: WAL_ARCHIVE_PATHS.script, content: renderWalArchiveScript() }]
              : []),
          ]),
      ),
      // Healthy only once the password is applied, so no dependent starts with one the db lacks.
      // A first start runs initdb and the image's migrate.sh (init scripts plus every bundled
      // migration) before the real server listens; on a slow disk that takes minutes (no
      // published figure). Failures during the start period do not count, and a passing probe
      // ends it early, so a long one costs nothing on a warm start.
      healthcheck: {
        tests: dbHealthcheckTests(),
        retries: 10,
        startPeriod: `${DB_FIRST_INIT_SECONDS}s`,
      },
      // Start period plus 10 failed probes, with room for a few more before `pulumi up` gives up.
      waitTimeout: DB_FIRST_INIT_SECONDS + 120,
    });
    this.registerOutputs({ container: this.container.id, dataVolume: this.dataVolume.name });
  }
}
