import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

/**
 * SQL helpers over the `pg` client for tests against a real server, and the roles the
 * supabase/postgres image creates before our init SQL runs.
 */

export const IMAGE_ROLES_SQL = readFileSync(
  join(__dirname, "..", "real", "fixtures", "supabase-image-roles.sql"),
  "utf8",
);

export interface Login {
  /** 127.0.0.1, or a socket folder. */
  readonly host: string;
  readonly port: number;
}

/** Connects, runs `use` and closes the connection, also when `use` fails (rolling back). */
async function withClient<T>(client: pg.Client, use: (c: pg.Client) => Promise<T>): Promise<T> {
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `use` on one connection to `database` as `user`, closed afterwards as withClient does. */
export function withLogin<T>(
  at: Login,
  user: string,
  password: string | undefined,
  use: (c: pg.Client) => Promise<T>,
  database = "postgres",
): Promise<T> {
  return withClient(new pg.Client({ host: at.host, port: at.port, user, password, database }), use);
}

/** True when `role` logs in with `password`; false when Postgres refuses the password. */
export async function canLogin(at: Login, role: string, password: string): Promise<boolean> {
  try {
    return await withLogin(at, role, password, async (c) => {
      await c.query("SELECT 1");
      return true;
    });
  } catch (err) {
    // 28P01 invalid_password: the only refusal these tests expect; anything else is a real failure.
    if ((err as { code?: string }).code === "28P01") return false;
    throw err;
  }
}

/** Runs SQL as `user` and closes the connection, also when the SQL fails (rolling back). */
export function runSql(
  at: Login,
  user: string,
  password: string | undefined,
  sql: string,
): Promise<pg.QueryResult[]> {
  return withLogin(at, user, password, async (c) => {
    const result = await c.query(sql);
    return Array.isArray(result) ? result : [result];
  });
}

/** `role → logs in?` for every role, so a failing test shows the whole picture. */
export async function loginTable(
  at: Login,
  roles: readonly string[],
  password: string,
): Promise<Record<string, boolean>> {
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
export async function runStatements(
  at: Login,
  user: string,
  password: string,
  sql: string,
): Promise<void> {
  const statements = sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("--"));
  await withLogin(at, user, password, async (c) => {
    for (const statement of statements) await c.query(statement);
  });
}

/** The rows of one query on the database at `url`; the connection is closed either way. */
export async function queryRows<T = Record<string, unknown>>(
  url: string,
  text: string,
): Promise<T[]> {
  return withClient(
    new pg.Client({ connectionString: url }),
    async (c) => (await c.query(text)).rows as T[],
  );
}
