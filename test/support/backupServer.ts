import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { PgTarget, urlTarget } from "../../scripts/lib/backup/pg";
import { TestServer, startServerWithTools } from "./postgres";
import { queryRows } from "./sql";
import { skipOutsideCi } from "./binaries";

/**
 * The Postgres of a backup test file: a server with client tools that can dump it
 * (startServerWithTools) and a scratch folder, there before the file's first test and gone after
 * its last. On a machine without such a server the tests skip with a printed notice; with
 * CI=true that is an error instead.
 */
export interface BackupServer {
  /** Why this file's tests skip on this machine; undefined when the server runs. */
  readonly skipReason: string | undefined;
  /** The started server (only read it in a test that did not skip). */
  readonly server: TestServer;
  /** A scratch folder for backups and keys. */
  readonly work: string;
  /** The rows of one query on `database`. */
  sql<T = Record<string, unknown>>(database: string, text: string): Promise<T[]>;
  /** `database` as backup and restore reach it, with the server's own client tools. */
  target(database: string): PgTarget;
  /** `npm run restore` arguments that restore `folder` into `database` with the server's tools. */
  restoreArgs(folder: string, database: string): string[];
  /** Holds an exclusive lock on `table` until the returned function releases it. */
  lockTable(database: string, table: string): Promise<() => Promise<void>>;
  /** Resolves once a session whose application_name matches `app` waits for a lock. */
  waitForLockWait(database: string, app: RegExp): Promise<void>;
}

/** Registers the file's beforeAll/afterAll; `what` names the tests in the skip notice. */
export function useBackupServer(what: string, prefix: string): BackupServer {
  let server: TestServer | undefined;
  let skipReason: string | undefined;
  let work: string | undefined;
  const started = () => {
    if (!server) throw new Error(`no Postgres for ${what}: ${skipReason ?? "not started yet"}`);
    return server;
  };
  const sql = <T = Record<string, unknown>>(database: string, text: string) =>
    queryRows<T>(started().url(database), text);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), `${prefix}work-`));
    const result = await startServerWithTools(prefix);
    if (typeof result === "string") {
      skipOutsideCi(what, `Postgres with its client tools: ${result}`, "postgresql");
      skipReason = result;
      return;
    }
    server = result;
    console.info(`${what} on ${server.kind}, client tools from ${server.binDir ?? "PATH"}`);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  return {
    get skipReason() {
      return skipReason;
    },
    get server() {
      return started();
    },
    get work() {
      if (!work) throw new Error(`the scratch folder for ${what} is made in beforeAll`);
      return work;
    },
    sql,
    target: (database) => urlTarget(started().url(database), started().binDir),
    restoreArgs: (folder, database) => [
      folder,
      "--db-url",
      started().url(database),
      ...(started().binDir ? ["--pg-bin", started().binDir as string] : []),
    ],
    async lockTable(database, table) {
      const client = new pg.Client({ connectionString: started().url(database) });
      await client.connect();
      await client.query(`begin; lock table ${table} in access exclusive mode`);
      return async () => {
        await client.query("rollback");
        await client.end();
      };
    },
    async waitForLockWait(database, app) {
      for (;;) {
        const rows = await sql<{ application_name: string }>(
          database,
          "select application_name from pg_stat_activity where wait_event_type = 'Lock'",
        );
        if (rows.some((r) => app.test(r.application_name))) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
