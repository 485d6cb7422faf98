import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { dockerHostEnv } from "../docker";
import { OperatorError } from "../operatorError";
import { Readable } from "node:stream";
import { Cmd, capture, streamIn } from "./proc";

/**
 * Where the Postgres client tools run. In production they run inside the db container
 * (`docker exec`), so their version always matches the server; against a URL they are local
 * binaries, and pg_dump must be at least the server's major version.
 */
export type PgTool = "pg_dump" | "pg_dumpall" | "pg_restore" | "psql" | "pg_basebackup";

export interface PgTarget {
  /** For messages and the manifest; never holds a password. */
  readonly description: string;
  readonly database: string;
  /** `stdin`: we pipe into the tool. */
  command(tool: PgTool, args: readonly string[], opts?: { stdin?: boolean }): Cmd;
  /** The same server and login, another database (the drill's scratch copy). */
  forDatabase(database: string): PgTarget;
}

/**
 * The supabase/postgres container: supabase_admin is the superuser that owns the platform
 * schemas; its password is already in the container's env (PGPASSWORD), shared by every role.
 */
export function dockerTarget(
  container: string,
  opts: { dockerHost?: string; user?: string; database?: string } = {},
): PgTarget {
  const user = opts.user ?? "supabase_admin";
  const database = opts.database ?? "postgres";
  const env = dockerHostEnv(opts.dockerHost);
  return {
    description: `container ${container}${opts.dockerHost ? ` on ${opts.dockerHost}` : ""}, database ${database} as ${user}`,
    database,
    command: (tool, args, o = {}) => ({
      cmd: "docker",
      args: [
        "exec",
        ...(o.stdin ? ["-i"] : []),
        "-e",
        "PGHOST=127.0.0.1",
        "-e",
        `PGUSER=${user}`,
        "-e",
        `PGDATABASE=${database}`,
        container,
        tool,
        ...args,
      ],
      env,
    }),
    forDatabase: (db) => dockerTarget(container, { ...opts, database: db }),
  };
}

/** A `postgres://user:pass@host:port/db` URL, with local client tools from `binDir` (or PATH). */
export function urlTarget(url: string, binDir?: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OperatorError(
      "--db-url is not a URL; expected postgres://user:password@host:5432/postgres",
    );
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    throw new OperatorError(`--db-url must start with postgres://, got ${u.protocol}//`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres";
  const env: Record<string, string> = {
    PGHOST: u.hostname || "127.0.0.1",
    PGPORT: u.port || "5432",
    PGDATABASE: database,
  };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return {
    description: `postgres://${env.PGUSER ? `${env.PGUSER}@` : ""}${env.PGHOST}:${env.PGPORT}/${database}`,
    database,
    command: (tool, args) => ({ cmd: binDir ? join(binDir, tool) : tool, args: [...args], env }),
    forDatabase: (db) => {
      const other = new URL(u.href);
      other.pathname = `/${encodeURIComponent(db)}`;
      return urlTarget(other.href, binDir);
    },
  };
}

/** One SQL statement; rows as arrays of text (psql unaligned, tab-separated, no headers). */
export async function query(target: PgTarget, sql: string): Promise<string[][]> {
  const out = await capture(
    target.command("psql", [
      "-X",
      "-q",
      "-A",
      "-t",
      "-F",
      "\t",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
    ]),
  );
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

export const majorOf = (version: string): number =>
  Number(/(\d+)(?:\.\d+)?/.exec(version)?.[1] ?? NaN);

export async function serverVersion(target: PgTarget): Promise<string> {
  return (await query(target, "show server_version"))[0]?.[0]?.split(" ")[0] ?? "unknown";
}

export async function toolVersion(target: PgTarget, tool: PgTool): Promise<string> {
  const out = await capture(target.command(tool, ["--version"]));
  return /(\d+(?:\.\d+)+)/.exec(out)?.[1] ?? out.trim();
}

/** Folders that may hold client tools, newest first: Debian's layout, Homebrew's, then PATH. */
export function candidateBinDirs(): (string | undefined)[] {
  const versioned = (root: string, pattern: RegExp, sub: (name: string) => string) =>
    existsSync(root)
      ? readdirSync(root)
          .filter((n) => pattern.test(n))
          .sort((a, b) => majorOf(b.replace(/\D+/, "")) - majorOf(a.replace(/\D+/, "")))
          .map((n) => join(root, sub(n)))
      : [];
  return [
    ...versioned("/usr/lib/postgresql", /^\d+$/, (n) => join(n, "bin")),
    ...versioned("/opt/homebrew/opt", /^postgresql@\d+$/, (n) => join(n, "bin")),
    ...versioned("/usr/local/opt", /^postgresql@\d+$/, (n) => join(n, "bin")),
    undefined,
  ].filter((d) => d === undefined || existsSync(join(d, "pg_dump")));
}

/**
 * The local tools for a URL target: `--pg-bin` if given, else the newest found. pg_dump refuses a
 * newer server ("server version mismatch"), so this says which version to install instead.
 */
export async function localTarget(
  url: string,
  pgBin?: string,
): Promise<{ target: PgTarget; server: string; pgDump: string }> {
  const dirs = pgBin !== undefined ? [pgBin] : candidateBinDirs();
  if (dirs.length === 0)
    throw new OperatorError(
      "pg_dump not found; install the PostgreSQL client tools or pass --pg-bin <folder>",
    );
  const found: string[] = [];
  let server: string | undefined;
  for (const dir of dirs) {
    const target = urlTarget(url, dir);
    const pgDump = await toolVersion(target, "pg_dump");
    server ??= await serverVersion(target);
    if (majorOf(pgDump) >= majorOf(server)) return { target, server, pgDump };
    found.push(`pg_dump ${pgDump}${dir ? ` in ${dir}` : " on PATH"}`);
  }
  throw new OperatorError(
    `the server runs PostgreSQL ${server} but only ${found.join(", ")} was found; pg_dump ${majorOf(server!)} or newer is needed: install the PostgreSQL ${majorOf(server!)} client tools or pass --pg-bin <folder>`,
  );
}

/** Schemas the Supabase image creates and manages: their existence does not make a database busy. */
const PLATFORM_SCHEMAS = [
  "_analytics",
  "_realtime",
  "_supavisor",
  "auth",
  "cron",
  "extensions",
  "graphql",
  "graphql_public",
  "information_schema",
  "net",
  "pgbouncer",
  "pgsodium",
  "pgsodium_masks",
  "realtime",
  "storage",
  "supabase_functions",
  "supabase_migrations",
  "vault",
];

const countRows = (table: string) =>
  `case when to_regclass('${table}') is null then 0 else (xpath('/row/c/text()', query_to_xml('select count(*) as c from ${table}', false, true, '')))[1]::text::bigint end`;

const USER_SCHEMA = (col: string) =>
  `${col} not like 'pg\\_%' and ${col} not in (${PLATFORM_SCHEMAS.map((s) => `'${s}'`).join(", ")})`;
const NOT_FROM_EXTENSION = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend d where d.classid = '${catalog}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;

/**
 * Every user object outside the platform schemas, by schema and kind: relations, standalone
 * sequences (a serial's sequence belongs to its table), functions and procedures, types and
 * domains (not a table's row type or an array type), operators, collations and text search
 * configurations. Objects an extension created do not count.
 */
const USER_OBJECTS = `
  select ns.nspname as schema, case when c.relkind = 'S' then 'sequence' else 'relation' end as kind from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_class", "c.oid")}
      and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i') and d.refclassid = 'pg_class'::regclass))
  union all select ns.nspname, 'function' from pg_proc p join pg_namespace ns on ns.oid = p.pronamespace
    where ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_proc", "p.oid")}
  union all select ns.nspname, 'type' from pg_type t join pg_namespace ns on ns.oid = t.typnamespace
    where ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_type", "t.oid")}
      and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
      and not exists (select 1 from pg_type e where e.typarray = t.oid)
  union all select ns.nspname, 'operator' from pg_operator o join pg_namespace ns on ns.oid = o.oprnamespace
    where ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_operator", "o.oid")}
  union all select ns.nspname, 'collation' from pg_collation co join pg_namespace ns on ns.oid = co.collnamespace
    where ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_collation", "co.oid")}
  union all select ns.nspname, 'text search configuration' from pg_ts_config ts join pg_namespace ns on ns.oid = ts.cfgnamespace
    where ${USER_SCHEMA("ns.nspname")} and ${NOT_FROM_EXTENSION("pg_ts_config", "ts.oid")}`;

const KIND_ORDER = [
  "relation",
  "sequence",
  "function",
  "type",
  "operator",
  "collation",
  "text search configuration",
];

/** `app: 1 relation, public: 1 relation, 2 functions` from (schema, kind, count) rows. */
export function describeUserObjects(rows: readonly (readonly string[])[]): string {
  const bySchema = new Map<string, string[]>();
  const sorted = [...rows].sort(
    (a, b) => a[0].localeCompare(b[0]) || KIND_ORDER.indexOf(a[1]) - KIND_ORDER.indexOf(b[1]),
  );
  for (const [schema, kind, n] of sorted) {
    const list = bySchema.get(schema) ?? [];
    list.push(`${n} ${kind}${n === "1" ? "" : "s"}`);
    bySchema.set(schema, list);
  }
  return [...bySchema].map(([schema, kinds]) => `${schema}: ${kinds.join(", ")}`).join(", ");
}

/**
 * What makes a database not empty: any user object (USER_OBJECTS), large objects, users, stored
 * files. Empty list: safe to restore into.
 */
export async function busyReasons(target: PgTarget): Promise<string[]> {
  const objects = await query(
    target,
    `select schema, kind, count(*) from (${USER_OBJECTS}) o group by schema, kind`,
  );
  const sql = `select (select count(*) from pg_largeobject_metadata), ${countRows("auth.users")}, ${countRows("storage.objects")}`;
  const [[largeObjects = "0", users = "0", stored = "0"] = []] = await query(target, sql);
  const reasons = objects.length === 0 ? [] : [describeUserObjects(objects)];
  if (Number(largeObjects) > 0) reasons.push(`${largeObjects} large objects`);
  if (Number(users) > 0) reasons.push(`${users} rows in auth.users`);
  if (Number(stored) > 0) reasons.push(`${stored} rows in storage.objects`);
  return reasons;
}

export async function databaseSize(target: PgTarget): Promise<number> {
  return Number((await query(target, "select pg_database_size(current_database())"))[0]?.[0] ?? 0);
}

export async function existingRoles(target: PgTarget): Promise<Set<string>> {
  return new Set((await query(target, "select rolname from pg_roles")).map((r) => r[0]));
}

/** Counts of a custom-format archive's table of contents (`pg_restore --list`), for the report. */
export function summarizeToc(list: string): {
  tables: number;
  policies: number;
  largeObjects: number;
} {
  const entries = list.split("\n").filter((l) => /^\d+;/.test(l));
  const count = (re: RegExp) => entries.filter((l) => re.test(l)).length;
  return {
    tables: count(/ TABLE DATA /),
    policies: count(/ POLICY /),
    largeObjects: count(/ (BLOB|LARGE OBJECT) /),
  };
}

/**
 * Rows per table in `target`, for tables named as the manifest names them (QUALIFIED_NAME, safe
 * in SQL), counted in batches of 200 per query.
 */
export async function countTableRows(
  target: PgTarget,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (let i = 0; i < tables.length; i += 200) {
    const batch = tables.slice(i, i + 200);
    const rows = await query(
      target,
      batch.map((t, j) => `select ${i + j}, count(*) from ${t}`).join(" union all "),
    );
    for (const [index, n] of rows) found[tables[Number(index)]] = Number(n);
  }
  return found;
}

/**
 * Replaces what a custom-format dump holds in `target`'s database: --clean --if-exists (on
 * Supabase also the platform schemas' tables, whose rows are the users and files), in one
 * transaction, so a failure changes nothing.
 */
export async function replaceFromDump(target: PgTarget, dump: Readable): Promise<void> {
  await streamIn(
    target.command(
      "pg_restore",
      [
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        "-d",
        target.database,
      ],
      { stdin: true },
    ),
    dump,
  );
}
