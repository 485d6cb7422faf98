import { ALL_LOGIN_ROLES } from "../../config/roles";
import { UNLOGGED_SESSION, rotatePasswordStatements } from "./initSql";

/**
 * The db container's start wrapper. supabase/postgres runs its init SQL only on an empty data
 * directory (https://github.com/supabase/postgres/blob/develop/migrations/db/migrate.sh), so a rotated POSTGRES_PASSWORD would never reach the roles
 * of an existing database. The wrapper starts the image's own entrypoint, re-applies the password
 * to every login role on every start, and only then writes a marker that the healthcheck requires:
 * dependents are created after db is healthy (`wait: true`), so none of them starts with a password
 * the database does not have yet.
 */

export interface DbStartPaths {
  /** The uploaded start script (run by /bin/sh, so its mode does not matter). */
  readonly script: string;
  /** The uploaded psql file that applies $POSTGRES_PASSWORD. */
  readonly rotateSql: string;
  /** Written once the password is applied; removed at every start. */
  readonly marker: string;
}

/** Upload paths inside the container; the provider creates missing parent folders. */
export const DB_START_PATHS: DbStartPaths = {
  script: "/etc/ownstack/db-start.sh",
  rotateSql: "/etc/ownstack/rotate-passwords.sql",
  marker: "/tmp/ownstack-db-ready",
};

/** The image's own entrypoint and upstream's db command, which the wrapper runs unchanged. */
export const DB_COMMAND = [
  "postgres",
  "-c",
  "config_file=/etc/postgresql/postgresql.conf",
  "-c",
  "log_min_messages=fatal",
];

/** Ready means: accepting connections and the current password applied. */
export function dbHealthcheckTests(paths: DbStartPaths = DB_START_PATHS): string[] {
  return ["CMD-SHELL", `pg_isready -U postgres -h localhost && test -f ${paths.marker}`];
}

/**
 * psql file run by the wrapper. The password comes from the environment (`\getenv`, psql 15+), so
 * it is in no file and on no command line. The image sets log_statement = 'all' and preloads
 * pgaudit, so this session turns statement logging off before the ALTERs. One transaction: if
 * any role fails, none changes and the old password keeps working.
 */
export function renderRotatePasswordsPsql(roles: readonly string[] = ALL_LOGIN_ROLES): string {
  return (
    [
      "-- ownstack: applies $POSTGRES_PASSWORD to every login role (db-start.sh, on every start)",
      "\\set ON_ERROR_STOP on",
      "\\getenv pw POSTGRES_PASSWORD",
      ...UNLOGGED_SESSION,
      "BEGIN;",
      ...rotatePasswordStatements(":'pw'", roles),
      "COMMIT;",
    ].join("\n") + "\n"
  );
}

/** Extra shell the wrapper runs: before the entrypoint (as root), and once the server is up. */
export interface DbStartHooks {
  readonly beforeStart?: string;
  /** `$psql` is a trusted loopback psql as supabase_admin. */
  readonly afterReady?: string;
}

/** POSIX sh: the image's entrypoint in the background, signals forwarded, password applied. */
export function renderDbStartScript(
  paths: DbStartPaths = DB_START_PATHS,
  hooks: DbStartHooks = {},
): string {
  return `#!/bin/sh
# ownstack: starts supabase/postgres and re-applies POSTGRES_PASSWORD to every login role on every
# start; init SQL alone runs only on an empty data directory.
set -u
port="\${PGPORT:-5432}"
rm -f ${paths.marker}

# A server refuses data of another major ("database files are incompatible with server"), after
# the entrypoint has run; say why, once, before anything starts. pulumi up refuses such an image
# already (ownstack:dbDataMajor); this covers an image changed outside it.
data="\${PGDATA:-/var/lib/postgresql/data}"
if [ -f "$data/PG_VERSION" ]; then
  have=$(cat "$data/PG_VERSION")
  runs=$(postgres --version | sed 's/[^0-9]*//; s/[^0-9].*//')
  if [ -n "$runs" ] && [ "$have" != "$runs" ]; then
    echo "ownstack: the data in $data is PostgreSQL $have but this image runs PostgreSQL $runs; not started. Upgrade the data with npm run pg-upgrade -- -s <stack>, or use a PostgreSQL $have image (ownstack:dbDataMajor)." >&2
    exit 1
  fi
fi

${hooks.beforeStart !== undefined ? `${hooks.beforeStart}\n\n` : ""}docker-entrypoint.sh "$@" &
child=$!
# PID 1 gets no default signal handling: pass docker stop (the image's STOPSIGNAL is SIGINT, a fast
# shutdown) on to Postgres, which the entrypoint execs under the same PID.
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -TERM "$child" 2>/dev/null' TERM

# During first-run init the entrypoint's temporary server listens on the unix socket only, so
# loopback answers once the real server is up.
until pg_isready -q -h 127.0.0.1 -p "$port"; do
  if ! kill -0 "$child" 2>/dev/null; then
    wait "$child"
    exit $?
  fi
  sleep 1
done

# supabase/postgres trusts 127.0.0.1 (ansible/files/postgresql_config/pg_hba.conf.j2), so the old
# password is not needed to set the new one.
applied=no
for attempt in 1 2 3; do
  if psql -X -q -h 127.0.0.1 -p "$port" -U supabase_admin -d postgres -f ${paths.rotateSql}; then
    applied=yes
    break
  fi
  sleep 2
done
${hooks.afterReady !== undefined ? `psql="psql -X -q -h 127.0.0.1 -p $port -U supabase_admin -d postgres"\n${hooks.afterReady}\n` : ""}if [ "$applied" = yes ]; then
  touch ${paths.marker}
else
  echo "ownstack: could not apply POSTGRES_PASSWORD; no role changed and the old password still works. Fix the cause, then run pulumi up again." >&2
fi

# wait returns early when a trapped signal arrives; keep waiting until Postgres has exited.
status=0
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$status"
`;
}

/** Files for the db container's `uploads`. */
export function dbStartFiles(
  paths: DbStartPaths = DB_START_PATHS,
  hooks: DbStartHooks = {},
): { file: string; content: string; executable?: boolean }[] {
  return [
    { file: paths.script, content: renderDbStartScript(paths, hooks), executable: true },
    { file: paths.rotateSql, content: renderRotatePasswordsPsql() },
  ];
}
