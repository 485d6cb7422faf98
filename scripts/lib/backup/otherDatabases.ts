import { Readable } from "node:stream";
import { OperatorError } from "../operatorError";
import { PgTarget, countTableRows, query, replaceFromDump } from "./pg";

/**
 * A stack's server holds more than the `postgres` database: Open WebUI keeps its users, chats and
 * settings in `openwebui` (components/openWebui.ts), and a user may create databases of their
 * own. A stack backup dumps each of them beside db.dump, a restore puts each back under its
 * name, and a drill or pg-upgrade checks each one's rows against the manifest.
 *
 * Left out: templates, databases that refuse connections, the drill's scratch copies, and
 * `_supabase`, whose schemas hold Supavisor's tenant (rewritten from the stack's settings at
 * every start) and Logflare's log events (the migrations job recreates the schemas).
 */

const QUOTE = (s: string) => `'${s.replace(/'/g, "''")}'`;
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface OtherDatabase {
  readonly name: string;
  readonly owner: string;
}

/** The server's other databases, by name, beside the one `target` logs in to. */
export async function otherDatabases(target: PgTarget): Promise<OtherDatabase[]> {
  const rows = await query(
    target,
    `select d.datname, r.rolname from pg_database d join pg_roles r on r.oid = d.datdba
      where not d.datistemplate and d.datallowconn and d.datname <> current_database()
        and d.datname <> '_supabase' and d.datname not like 'ownstack\\_drill\\_%'
      order by d.datname`,
  );
  return rows.map(([name, owner]) => ({ name, owner }));
}

/** Every user table of `target`'s database, as pg_dump names them (`public.chat`). */
async function userTables(target: PgTarget): Promise<string[]> {
  return (
    await query(
      target,
      `select quote_ident(schemaname) || '.' || quote_ident(relname) from pg_stat_user_tables order by 1`,
    )
  ).map((r) => r[0]);
}

/** `openwebui: 12 rows` when the database exists and holds rows; nothing when it is empty or absent. */
export async function otherDatabaseBusy(server: PgTarget, name: string): Promise<string[]> {
  const exists = await query(server, `select 1 from pg_database where datname = ${QUOTE(name)}`);
  if (exists.length === 0) return [];
  const db = server.forDatabase(name);
  const rows = Object.values(await countTableRows(db, await userTables(db))).reduce(
    (a, b) => a + b,
    0,
  );
  return rows > 0 ? [`database ${name}: ${rows} rows`] : [];
}

/**
 * Puts one dumped database back under its name: created (owned by its owner when that role
 * exists) if the server lacks it, then replaced in one transaction as the main dump is.
 */
export async function restoreOtherDatabase(
  server: PgTarget,
  db: OtherDatabase,
  dump: Readable,
): Promise<void> {
  const [[exists = "0", ownerExists = "0"] = []] = await query(
    server,
    `select (select count(*) from pg_database where datname = ${QUOTE(db.name)}), (select count(*) from pg_roles where rolname = ${QUOTE(db.owner)})`,
  );
  if (exists === "0")
    await query(
      server,
      `create database ${quoteIdent(db.name)}${ownerExists === "0" ? "" : ` owner ${quoteIdent(db.owner)}`}`,
    );
  await replaceFromDump(server.forDatabase(db.name), dump).catch((err: Error) => {
    throw new OperatorError(
      `database ${db.name} could not be restored (${err.message}); that restore was rolled back`,
    );
  });
}
