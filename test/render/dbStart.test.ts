import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DB_START_PATHS, dbHealthcheckTests, renderDbStartScript, renderRotatePasswordsPsql } from "../../components/render/dbStart";

describe("db start wrapper (rendered)", () => {
  it("the psql file takes the password from the environment and changes every login role in one transaction", () => {
    expect(renderRotatePasswordsPsql()).toBe(
      [
        "-- ownstack: applies $POSTGRES_PASSWORD to every login role (db-start.sh, on every start)",
        "\\set ON_ERROR_STOP on",
        "\\getenv pw POSTGRES_PASSWORD",
        "SET log_statement = 'none';",
        "SET pgaudit.log = 'none';",
        "SET pg_stat_statements.track_utility = off;",
        "BEGIN;",
        `ALTER ROLE "postgres" WITH PASSWORD :'pw';`,
        `ALTER ROLE "supabase_admin" WITH PASSWORD :'pw';`,
        `ALTER ROLE "authenticator" WITH PASSWORD :'pw';`,
        `ALTER ROLE "pgbouncer" WITH PASSWORD :'pw';`,
        `ALTER ROLE "supabase_auth_admin" WITH PASSWORD :'pw';`,
        `ALTER ROLE "supabase_functions_admin" WITH PASSWORD :'pw';`,
        `ALTER ROLE "supabase_replication_admin" WITH PASSWORD :'pw';`,
        `ALTER ROLE "supabase_storage_admin" WITH PASSWORD :'pw';`,
        "COMMIT;",
        "",
      ].join("\n"),
    );
  });

  it("the script is valid POSIX sh and never puts the password on a command line", () => {
    const script = renderDbStartScript();
    const check = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(script.split("\n").filter((l) => !l.startsWith("#") && l.includes("POSTGRES_PASSWORD"))).toEqual([
      '  echo "ownstack: could not apply POSTGRES_PASSWORD; no role changed and the old password still works. Fix the cause, then run pulumi up again." >&2',
    ]);
    expect(script).toContain('docker-entrypoint.sh "$@" &');
    expect(script).toContain(`psql -X -q -h 127.0.0.1 -p "$port" -U supabase_admin -d postgres -f ${DB_START_PATHS.rotateSql}`);
  });

  it("healthy means accepting connections and the password applied", () => {
    expect(dbHealthcheckTests()).toEqual(["CMD-SHELL", "pg_isready -U postgres -h localhost && test -f /tmp/ownstack-db-ready"]);
  });
});
