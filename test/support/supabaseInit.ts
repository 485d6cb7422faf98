import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { initSqlFiles, sqlLiteral } from "../../components/render/initSql";
import { PG_NET_EXTENSION_SQL } from "../../components/render/webhooksSql";
import { missingBinaries } from "./binaries";
import { IMAGE_ROLES_SQL, Login, runSql } from "./sql";

/**
 * Our init SQL applied to a test server the way the supabase/postgres image's migrate.sh applies it
 * on an empty data directory (migrations/db/migrate.sh in supabase/postgres): the image's roles
 * exist, postgres is a superuser with the stack password, `init-scripts/*` run as postgres in file
 * name order, supabase_admin gets the password, then `migrations/*` run as supabase_admin.
 */

// migrate.sh runs every file with psql, and some use psql meta-commands (\gexec, \connect). Without
// psql only the plain-SQL files can be applied (with pg); CI must have it.
export const HAS_PSQL =
  missingBinaries(["psql"], "the init SQL files with psql meta-commands", "postgresql-client")
    .length === 0;

/**
 * pg_net is built into the supabase/postgres image and absent from a plain Postgres, so a test
 * server cannot run that one statement; everything else in 98-webhooks.sql runs as written (its
 * pg_net grants are guarded by "IF EXISTS pg_net", as upstream's are).
 */
export function withoutPgNet(sql: string): string {
  const parts = sql.split(PG_NET_EXTENSION_SQL);
  if (parts.length !== 2)
    throw new Error(`expected exactly one "${PG_NET_EXTENSION_SQL}" in the webhooks SQL`);
  return parts.join("-- (test server: pg_net is not installed)");
}

/** One file as migrate.sh runs it: `psql -v ON_ERROR_STOP=1 --no-psqlrc -U <user> -f <file>`. */
export async function applyFile(
  at: Login,
  scratchDir: string,
  user: string,
  password: string,
  file: { file: string; content: string },
): Promise<void> {
  const content = file.file.endsWith("/98-webhooks.sql")
    ? withoutPgNet(file.content)
    : file.content;
  if (!HAS_PSQL) {
    if (!content.includes("\\")) await runSql(at, user, password, content);
    return;
  }
  const path = join(scratchDir, file.file.split("/").pop() as string);
  writeFileSync(path, content);
  const args = [
    "-h",
    at.host,
    "-p",
    String(at.port),
    "-U",
    user,
    "-d",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "--no-psqlrc",
    "--no-password",
    "-f",
    path,
  ];
  const run = spawnSync("psql", args, {
    env: { ...process.env, PGPASSWORD: password },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`psql -f ${file.file} as ${user} failed: ${run.stderr}`);
}

/**
 * The roles the image creates before any init script, then postgres's password (with
 * `attributes`, e.g. migrate.sh's `SUPERUSER LOGIN`), set as supabase_admin logging in with `login`.
 */
export async function imageRoles(
  at: Login,
  login: string | undefined,
  password: string,
  attributes = "",
): Promise<void> {
  await runSql(at, "supabase_admin", login, IMAGE_ROLES_SQL);
  await runSql(
    at,
    "supabase_admin",
    login,
    `ALTER ROLE postgres ${attributes}PASSWORD ${sqlLiteral(password)};`,
  );
}

/** The migrate.sh sequence on a server whose bootstrap superuser is supabase_admin with `password`. */
export async function initLikeImage(
  at: Login,
  scratchDir: string,
  password: string,
  jwtExpiry: number,
): Promise<void> {
  // migrate.sh's `create role postgres superuser login password …`.
  await imageRoles(at, password, password, "SUPERUSER LOGIN ");
  const files = [...initSqlFiles(password, jwtExpiry)].sort((a, b) => a.file.localeCompare(b.file));
  for (const f of files.filter((f) => f.file.includes("/init-scripts/")))
    await applyFile(at, scratchDir, "postgres", password, f);
  await runSql(
    at,
    "postgres",
    password,
    `ALTER USER supabase_admin WITH PASSWORD ${sqlLiteral(password)};`,
  );
  for (const f of files.filter((f) => f.file.includes("/migrations/")))
    await applyFile(at, scratchDir, "supabase_admin", password, f);
}
