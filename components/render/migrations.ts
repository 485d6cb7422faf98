/**
 * The migration runner. Its logic lives in SQL (`ownstack.apply_migration`), so the same function
 * is tested on embedded Postgres and runs in production through psql in a one-shot container.
 */

import { type MigrationFile, SEED_VERSION } from "../../config/migrationFiles";

/**
 * Installs the ledger and the runner. Idempotent: every `pulumi up` that runs the job re-installs
 * it, so a fix to the function reaches databases created by older versions.
 */
export const RUNNER_SQL = `-- ownstack migration runner
CREATE SCHEMA IF NOT EXISTS ownstack;

CREATE TABLE IF NOT EXISTS ownstack.schema_migrations (
  version    text PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL DEFAULT current_user
);

-- Returns 'applied', 'skipped' (same checksum) or 'drift' (an applied file changed; never re-run).
-- A failing body rolls back alone: migrations applied by earlier calls stay applied.
CREATE OR REPLACE FUNCTION ownstack.apply_migration(p_version text, p_name text, p_body text)
RETURNS text
LANGUAGE plpgsql
AS $runner$
DECLARE
  v_checksum text := encode(sha256(convert_to(p_body, 'UTF8')), 'hex');
  v_applied  ownstack.schema_migrations%ROWTYPE;
  v_state    text;
  v_message  text;
  v_detail   text;
  v_hint     text;
BEGIN
  -- Two runners at once (a retried up) must not apply the same file twice.
  PERFORM pg_advisory_xact_lock(hashtext('ownstack.apply_migration'));
  SELECT * INTO v_applied FROM ownstack.schema_migrations WHERE version = p_version;
  IF FOUND THEN
    IF v_applied.checksum = v_checksum THEN
      RETURN 'skipped';
    END IF;
    RAISE WARNING 'drift: % was applied as % with checksum % on %, but the file now has checksum %; it is not re-applied',
      p_name, v_applied.name, v_applied.checksum, v_applied.applied_at, v_checksum
      USING HINT = 'Applied migrations are immutable: restore the file and put the change in a new migration.';
    RETURN 'drift';
  END IF;

  BEGIN
    EXECUTE p_body;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    RAISE EXCEPTION 'migration % failed: %', p_name, v_message
      USING ERRCODE = v_state,
            DETAIL = coalesce(nullif(v_detail, ''), 'no detail'),
            HINT = coalesce(nullif(v_hint, ''), 'Earlier migrations stay applied. Fix this file and run pulumi up again.');
  END;

  INSERT INTO ownstack.schema_migrations (version, name, checksum) VALUES (p_version, p_name, v_checksum);
  RETURN 'applied';
END
$runner$;

-- Applied versions whose recorded checksum differs from the one given (for doctor/verify).
CREATE OR REPLACE FUNCTION ownstack.migration_drift(p_versions text[], p_checksums text[])
RETURNS TABLE (version text, name text, recorded text, current text)
LANGUAGE sql STABLE
AS $drift$
  SELECT m.version, m.name, m.checksum, f.checksum
  FROM unnest(p_versions, p_checksums) AS f(version, checksum)
  JOIN ownstack.schema_migrations m ON m.version = f.version
  WHERE m.checksum <> f.checksum
  ORDER BY m.version
$drift$;
`;

/**
 * Applies one file through psql. The body is read with a backtick command plus a sentinel `x`, so
 * trailing newlines survive and the checksum is that of the file's exact bytes; the body never
 * passes through argv (128 KiB per argument) or SQL quoting by hand.
 */
export const APPLY_SQL = `\\set ON_ERROR_STOP on
\\set body \`cat "$MIGRATION_FILE"; printf x\`
SELECT ownstack.apply_migration(:'version', :'name', left(:'body', -1));
`;

export const JOB_ROOT = "/ownstack";

/** The ordered manifest the shell loop reads: one `version name` line per file. */
export const migrationList = (migrations: readonly MigrationFile[]): string =>
  migrations.map((m) => `${m.version} ${m.name}\n`).join("");

/**
 * The job's shell loop. Migrations run as `postgres` (the owner users get in Supabase Studio);
 * the bootstrap of `_supabase` and the Database Webhooks setup run as `supabase_admin`, the
 * image's superuser.
 */
export const MIGRATE_SH = `#!/bin/sh
set -eu
cd "\${OWNSTACK_JOB_ROOT:-${JOB_ROOT}}"
run() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }

run -U supabase_admin -f bootstrap.sql
# Event triggers and CREATE EXTENSION pg_net need a superuser (render/webhooksSql.ts).
run -U supabase_admin -f webhooks.sql
run -U postgres -f runner.sql

apply() {
  # Read by the backtick in apply.sql; exported, because assignments before a function call are not.
  export MIGRATION_FILE="$1"
  status=$(run -U postgres -v version="$2" -v name="$3" -f apply.sql) || {
    echo "ownstack: $3 failed (see the error above); earlier migrations stay applied" >&2
    exit 1
  }
  echo "$status $3"
}

# migrations.list holds "version name" lines in numeric version order (a glob would sort 10_ before 9_).
count=0
while read -r version name; do
  apply "migrations/$name" "$version" "$name"
  count=$((count + 1))
done < migrations.list
if [ -e seed.sql ]; then apply seed.sql ${SEED_VERSION} seed.sql; fi

# PostgREST caches the schema; new tables must be visible without a restart.
run -U postgres -c "NOTIFY pgrst, 'reload schema'"
echo "ownstack: $count migration file(s) checked"
`;
