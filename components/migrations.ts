import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Env, oneShotContainer } from "./container";
import { OneShotJob } from "./jobGates";
import { DEFAULT_DB, DbClientArgs, DbEndpoint } from "./database";
import {
  OPEN_WEBUI_PASSWORD_ENV,
  renderBootstrapSql,
  renderOpenWebuiDbSql,
} from "./render/initSql";
import { renderWebhooksSql } from "./render/webhooksSql";
import { APPLY_SQL, JOB_ROOT, MIGRATE_SH, RUNNER_SQL, migrationList } from "./render/migrations";
import { MigrationFile, planMigrations } from "../config/migrationFiles";
import { readFolder, readOptionalFile } from "../config/sourceFiles";
import { Settings } from "../config/settings";

export interface MigrationsArgs extends DbClientArgs {
  /** Auth and Storage create their schemas at start; user migrations may reference them. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** With Open WebUI on: the password its role gets; the job creates the role and its database. */
  readonly openWebuiDbPassword?: pulumi.Input<string>;
}

/**
 * Applies `supabase/migrations/*.sql` (path from `ownstack:migrationsPath`) and the optional seed
 * once each, through `ownstack.apply_migration` in a one-shot psql job on the db image. The job
 * is replaced, and so runs again, whenever a file changes; applied files are skipped by checksum.
 */
export class Migrations extends pulumi.ComponentResource {
  public readonly job: OneShotJob;
  /** Files in the order they are applied, for the stack output. */
  public readonly files: readonly string[];
  /** The job's output: one `applied|skipped|drift <file>` line per file. */
  public readonly log: pulumi.Output<string | undefined>;

  constructor(name: string, args: MigrationsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Migrations", name, {}, opts);
    const { settings } = args;
    const { migrations, seed } = loadMigrations(settings);
    this.files = [...migrations.map((m) => m.name), ...(seed !== undefined ? ["seed.sql"] : [])];
    this.job = oneShotContainer(
      `${name}-job`,
      {
        settings,
        job: "migrations",
        image: settings.images.db,
        network: args.network,
        entrypoints: ["/bin/sh", `${JOB_ROOT}/migrate.sh`],
        env: {
          ...migrationsEnv(args.postgresPassword),
          ...(args.openWebuiDbPassword !== undefined
            ? { [OPEN_WEBUI_PASSWORD_ENV]: pulumi.secret(args.openWebuiDbPassword) }
            : {}),
        },
        uploads: jobFiles(migrations, seed, args.openWebuiDbPassword !== undefined),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.log = this.job.container.containerLogs;
    this.registerOutputs({ job: this.job.container.id, files: this.files });
  }
}

/**
 * Reads and orders the configured migrations and seed. Missing paths and file names the job cannot
 * order were refused with the other config problems, before any resource (config/projectFiles.ts).
 */
export function loadMigrations(settings: Settings): { migrations: MigrationFile[]; seed?: string } {
  const { path, seedPath } = settings.migrations;
  // Like the Supabase CLI: only top-level .sql files are migrations.
  const sql = readFolder(path).filter((f) => !f.path.includes("/") && f.path.endsWith(".sql"));
  const { migrations } = planMigrations(
    sql.map((f) => ({ name: f.path, body: f.content.toString("utf8") })),
  );
  const seed = readOptionalFile(seedPath);
  return { migrations, seed: seed?.toString("utf8") };
}

/** Everything the job reads, under JOB_ROOT; sorted so that a reorder is never a diff. */
export function jobFiles(
  migrations: readonly MigrationFile[],
  seed: string | undefined,
  openWebui = false,
): docker.types.input.ContainerUpload[] {
  const files: { file: string; content: string; executable?: boolean }[] = [
    { file: `${JOB_ROOT}/migrate.sh`, content: MIGRATE_SH, executable: true },
    // Re-creates _supabase, _supavisor and _analytics for data volumes initialised before the
    // pooler or the log stack existed.
    // With Open WebUI, also its role and database (the password from the job's env).
    {
      file: `${JOB_ROOT}/bootstrap.sql`,
      content: renderBootstrapSql() + (openWebui ? renderOpenWebuiDbSql() : ""),
    },
    { file: `${JOB_ROOT}/runner.sql`, content: RUNNER_SQL },
    // Database Webhooks for data volumes initialised before ownstack shipped 98-webhooks.sql; a
    // no-op where init already ran it. Before the user's migrations, which may call http_request.
    { file: `${JOB_ROOT}/webhooks.sql`, content: renderWebhooksSql() },
    { file: `${JOB_ROOT}/apply.sql`, content: APPLY_SQL },
    { file: `${JOB_ROOT}/migrations.list`, content: migrationList(migrations) },
    ...migrations.map((m) => ({ file: `${JOB_ROOT}/migrations/${m.name}`, content: m.body })),
    ...(seed !== undefined ? [{ file: `${JOB_ROOT}/seed.sql`, content: seed }] : []),
  ];
  return files.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The migration job's env, shared by the Docker one-shot container and the kubernetes Job. */
export function migrationsEnv(
  postgresPassword: pulumi.Input<string>,
  db: DbEndpoint = DEFAULT_DB,
): Env {
  return {
    PGHOST: db.host,
    PGPORT: db.port,
    PGDATABASE: db.name,
    PGPASSWORD: postgresPassword,
    // Checksums are over UTF-8; the image's locale must not re-encode the bodies.
    PGCLIENTENCODING: "UTF8",
  };
}
