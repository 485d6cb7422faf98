/**
 * SQL the db container runs on an empty data directory, and the rotation SQL that later changes
 * the same passwords inside a running database (init never re-runs:
 * https://github.com/supabase/postgres/blob/develop/migrations/db/migrate.sh).
 */

import { ALL_LOGIN_ROLES, OPEN_WEBUI_DB, SERVICE_LOGIN_ROLES } from "../../config/roles";
import { renderWebhooksSql } from "./webhooksSql";

/** A SQL string literal; standard_conforming_strings is on in every supported Postgres. */
export const sqlLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * init-scripts/99-roles.sql, as upstream's roles.sql. The image creates the roles and
 * 98-webhooks.sql creates supabase_functions_admin; the guard keeps this file whole on its own.
 */
export function renderRolesSql(password: string): string {
  const lines = [
    "-- ownstack: service role passwords (runs once, on an empty data directory)",
    "DO $$",
    "BEGIN",
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN",
    "    CREATE ROLE supabase_functions_admin NOINHERIT CREATEROLE LOGIN;",
    "  END IF;",
    "END",
    "$$;",
    ...SERVICE_LOGIN_ROLES.map(
      (r) => `ALTER ROLE ${ident(r)} WITH LOGIN PASSWORD ${sqlLiteral(password)};`,
    ),
  ];
  return lines.join("\n") + "\n";
}

/** init-scripts/99-jwt.sql: the JWT lifetime as a database setting (the secret is not stored). */
export function renderJwtSql(jwtExpiry: number): string {
  return `ALTER DATABASE postgres SET "app.settings.jwt_exp" TO ${sqlLiteral(String(jwtExpiry))};\n`;
}

/** migrations/99-realtime.sql: Realtime keeps its tenants in `_realtime` (DB_AFTER_CONNECT_QUERY). */
export function renderRealtimeSql(): string {
  return "CREATE SCHEMA IF NOT EXISTS _realtime;\nALTER SCHEMA _realtime OWNER TO supabase_admin;\n";
}

/**
 * migrations/97-_supabase.sql: Supavisor (and upstream's analytics) keep their metadata in a
 * database of their own. CREATE DATABASE has no IF NOT EXISTS and cannot run in a DO block, so
 * psql's \gexec runs it only when the database is missing; the migrations job re-runs this file
 * for data volumes created before it existed.
 */
export function renderSupabaseDbSql(): string {
  return "SELECT format('CREATE DATABASE _supabase WITH OWNER %I', current_user)\nWHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '_supabase')\\gexec\n";
}

/** migrations/99-pooler.sql: Supavisor migrates into `_supavisor` inside `_supabase`. */
export function renderPoolerSql(): string {
  return "\\connect _supabase\nCREATE SCHEMA IF NOT EXISTS _supavisor;\nALTER SCHEMA _supavisor OWNER TO CURRENT_USER;\n\\connect postgres\n";
}

/** migrations/99-logs.sql: Logflare (the log stack) migrates into `_analytics` inside `_supabase`. */
export function renderLogsSql(): string {
  return "\\connect _supabase\nCREATE SCHEMA IF NOT EXISTS _analytics;\nALTER SCHEMA _analytics OWNER TO CURRENT_USER;\n\\connect postgres\n";
}

/**
 * The migrations job's bootstrap: `_supabase` with the pooler's and Logflare's schemas, for data
 * volumes initialised before either existed (init SQL never re-runs on them).
 */
export function renderBootstrapSql(): string {
  return renderSupabaseDbSql() + renderPoolerSql() + renderLogsSql();
}

/**
 * Statements that keep a session's SQL out of the server log: the image sets log_statement =
 * 'all' and preloads pgaudit (supabase/postgres postgresql.conf.j2), which would log a password
 * given in an ALTER ROLE.
 */
export const UNLOGGED_SESSION = [
  "SET log_statement = 'none';",
  "SET pgaudit.log = 'none';",
  "SET pg_stat_statements.track_utility = off;",
] as const;

/** The env var the migrations job passes Open WebUI's role password in. */
export const OPEN_WEBUI_PASSWORD_ENV = "OPENWEBUI_DB_PASSWORD";

/**
 * bootstrap.sql's part for Open WebUI (ownstack:openWebui): its login role with the password from
 * $OPENWEBUI_DB_PASSWORD (psql 15+ \getenv, so in no file and on no command line), applied on
 * every run so that rotateOpenWebui reaches an existing role, and the database it owns. Other
 * roles may not connect to it.
 */
export function renderOpenWebuiDbSql(): string {
  const { role, database } = OPEN_WEBUI_DB;
  return (
    [
      "-- ownstack: Open WebUI's role and database",
      `\\getenv openwebui_password ${OPEN_WEBUI_PASSWORD_ENV}`,
      ...UNLOGGED_SESSION,
      `SELECT format('CREATE ROLE %I LOGIN', ${sqlLiteral(role)}) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${sqlLiteral(role)})\\gexec`,
      `ALTER ROLE ${ident(role)} WITH LOGIN PASSWORD :'openwebui_password';`,
      `SELECT format('CREATE DATABASE %I WITH OWNER %I', ${sqlLiteral(database)}, ${sqlLiteral(role)}) WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${sqlLiteral(database)})\\gexec`,
      `REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC;`,
    ].join("\n") + "\n"
  );
}

/**
 * Changes every login role's password in one transaction: either all roles take the new password
 * or none does, so a failure leaves the old password working everywhere and a retry is safe.
 */
export function renderRotatePasswordsSql(
  newPassword: string,
  roles: readonly string[] = ALL_LOGIN_ROLES,
): string {
  return (
    ["BEGIN;", ...rotatePasswordStatements(sqlLiteral(newPassword), roles), "COMMIT;"].join("\n") +
    "\n"
  );
}

/**
 * The ALTER ROLE statements with the password given as any SQL expression: a literal, or psql's
 * `:'pw'` so that the db container's start script never writes the password into a file.
 */
export function rotatePasswordStatements(
  passwordSql: string,
  roles: readonly string[] = ALL_LOGIN_ROLES,
): string[] {
  return roles.map((r) => `ALTER ROLE ${ident(r)} WITH PASSWORD ${passwordSql};`);
}

/** Files for the db container's `uploads`, at the paths the image's migrate.sh runs. */
export function initSqlFiles(
  password: string,
  jwtExpiry: number,
): { file: string; content: string }[] {
  return [
    // Upstream's order: 98-webhooks before 99-roles (which sets supabase_functions_admin's password).
    {
      file: "/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql",
      content: renderWebhooksSql(),
    },
    {
      file: "/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql",
      content: renderJwtSql(jwtExpiry),
    },
    {
      file: "/docker-entrypoint-initdb.d/init-scripts/99-roles.sql",
      content: renderRolesSql(password),
    },
    {
      file: "/docker-entrypoint-initdb.d/migrations/97-_supabase.sql",
      content: renderSupabaseDbSql(),
    },
    { file: "/docker-entrypoint-initdb.d/migrations/99-logs.sql", content: renderLogsSql() },
    { file: "/docker-entrypoint-initdb.d/migrations/99-pooler.sql", content: renderPoolerSql() },
    {
      file: "/docker-entrypoint-initdb.d/migrations/99-realtime.sql",
      content: renderRealtimeSql(),
    },
  ];
}
