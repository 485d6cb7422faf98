import { renderRotatePasswordsPsql } from "../render/dbStart";
import {
  renderJwtSql,
  renderLogsSql,
  renderPoolerSql,
  renderRealtimeSql,
  renderSupabaseDbSql,
} from "../render/initSql";

/**
 * What the supabase/postgres image does on its first start (its `migrate.sh`), done by a Job
 * against a Postgres we do not start ourselves: a CloudNativePG Cluster or a managed database.
 * Pure: no Pulumi import, so the script is unit-tested directly.
 *
 * Upstream: https://github.com/supabase/postgres/blob/develop/migrations/db/migrate.sh runs the
 * image's init-scripts as `postgres`, then its migrations as `supabase_admin`. One difference:
 * the migration that demotes `postgres` is skipped, because CloudNativePG manages the cluster as
 * `postgres` (https://cloudnative-pg.io/documentation/current/postgresql_conf/), and a managed
 * provider's admin role is not ours to demote.
 */

export const BOOTSTRAP_ROOT = "/ownstack";

/** The image ships Supabase's schema SQL here (supabase/postgres Dockerfile: COPY migrations/db). */
export const IMAGE_SQL_ROOT = "/docker-entrypoint-initdb.d";

/** Creates supabase_admin where the image's initdb would have (its POSTGRES_USER). */
export const CREATE_SUPABASE_ADMIN_SQL = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin') THEN
    CREATE ROLE supabase_admin SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS LOGIN;
  END IF;
  -- Created by upstream's webhooks.sql, which the image does not run.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN
    CREATE ROLE supabase_functions_admin NOINHERIT CREATEROLE LOGIN;
  END IF;
END
$$;
`;

/**
 * POSIX sh run by the Job. `ADMIN_URL` is the engine's admin connection; `PGHOST`, `PGPORT`,
 * `PGDATABASE` and `POSTGRES_PASSWORD` are where Supabase's roles log in. Idempotent: the schema
 * step runs only while `supabase_auth_admin` is missing, the rest on every run, so a rotated
 * password reaches every role (the Job is replaced, and so re-run, when the password changes).
 */
export function renderBootstrapSh(): string {
  return `#!/bin/sh
set -eu
cd "\${OWNSTACK_JOB_ROOT:-${BOOTSTRAP_ROOT}}"
image_sql="\${OWNSTACK_IMAGE_SQL:-${IMAGE_SQL_ROOT}}"
admin() { psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" "$@"; }
as_supabase_admin() { PGPASSWORD="$POSTGRES_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -U supabase_admin "$@"; }

admin -f create-roles.sql
# The password first: supabase_admin runs the migrations below with it.
admin -f admin-password.sql
if [ "$(admin -tAc "SELECT count(*) FROM pg_roles WHERE rolname = 'supabase_auth_admin'")" = "0" ]; then
  for sql in "$image_sql"/init-scripts/*.sql; do
    echo "ownstack: $sql"
    admin -f "$sql"
  done
  for sql in "$image_sql"/migrations/*.sql; do
    case "$sql" in
      *demote-postgres*) echo "ownstack: skipping $sql (the engine's admin role stays as it is)"; continue ;;
    esac
    echo "ownstack: $sql"
    as_supabase_admin -f "$sql"
  done
fi
# Every login role now exists: apply the current password to all of them in one transaction.
admin -f rotate-passwords.sql
as_supabase_admin -f settings.sql
echo "ownstack: database bootstrapped"
`;
}

/**
 * Database settings Supabase's services expect, as the Docker db gets them at init; with the log
 * stack, Logflare's `_analytics` schema (only then, so that turning logs on is what re-runs the Job).
 */
export function renderBootstrapSettingsSql(jwtExpiry: number, logs = false): string {
  return [
    renderJwtSql(jwtExpiry),
    renderRealtimeSql(),
    renderSupabaseDbSql(),
    renderPoolerSql(),
    ...(logs ? [renderLogsSql()] : []),
  ].join("");
}

/** The Job's files, sorted; none holds a secret (the password comes from the environment). */
export function bootstrapFiles(jwtExpiry: number, logs = false): Record<string, string> {
  return {
    "admin-password.sql": renderRotatePasswordsPsql(["supabase_admin"]),
    "bootstrap.sh": renderBootstrapSh(),
    "create-roles.sql": CREATE_SUPABASE_ADMIN_SQL,
    "rotate-passwords.sql": renderRotatePasswordsPsql(),
    "settings.sql": renderBootstrapSettingsSql(jwtExpiry, logs),
  };
}
