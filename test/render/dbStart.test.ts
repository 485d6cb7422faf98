import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  DB_START_PATHS,
  dbHealthcheckTests,
  renderDbStartScript,
  renderRotatePasswordsPsql,
} from "../../components/render/dbStart";
import { ALL_LOGIN_ROLES } from "../../config/roles";

describe("db start wrapper (rendered)", () => {
  it("the psql file changes every login role, once, to the password it reads from the environment", () => {
    const sql = renderRotatePasswordsPsql();
    const alters = sql.split("\n").filter((l) => l.startsWith("ALTER ROLE"));
    expect(
      alters.map((l) => /^ALTER ROLE "([a-z_]+)" WITH PASSWORD :'pw';$/.exec(l)?.[1]).sort(),
    ).toEqual([...ALL_LOGIN_ROLES].sort());
    expect(sql).toContain("\\getenv pw POSTGRES_PASSWORD\n");
    // Only the roles it is given: the list is the input, not a constant in the file.
    expect(
      renderRotatePasswordsPsql(["authenticator"])
        .split("\n")
        .filter((l) => l.startsWith("ALTER ROLE")),
    ).toEqual([`ALTER ROLE "authenticator" WITH PASSWORD :'pw';`]);
  });

  it("the psql file is all-or-nothing and keeps the password out of the server log", () => {
    const lines = renderRotatePasswordsPsql().split("\n");
    const at = (line: string) => lines.indexOf(line);
    const alters = lines.flatMap((l, i) => (l.startsWith("ALTER ROLE") ? [i] : []));
    // psql stops at the first error, inside one transaction: a failure changes no role.
    expect(at("\\set ON_ERROR_STOP on")).toBeGreaterThanOrEqual(0);
    expect(at("\\set ON_ERROR_STOP on")).toBeLessThan(at("BEGIN;"));
    expect(Math.min(...alters)).toBeGreaterThan(at("BEGIN;"));
    expect(Math.max(...alters)).toBeLessThan(at("COMMIT;"));
    // Statement logging (Postgres, pgaudit, pg_stat_statements) is off before a password is sent.
    for (const off of [
      "SET log_statement = 'none';",
      "SET pgaudit.log = 'none';",
      "SET pg_stat_statements.track_utility = off;",
    ]) {
      expect(at(off), off).toBeGreaterThanOrEqual(0);
      expect(at(off), off).toBeLessThan(Math.min(...alters));
    }
  });

  it("the script is valid POSIX sh and never puts the password on a command line", () => {
    const script = renderDbStartScript();
    const check = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(
      script.split("\n").filter((l) => !l.startsWith("#") && l.includes("POSTGRES_PASSWORD")),
    ).toEqual([
      '  echo "ownstack: could not apply POSTGRES_PASSWORD; no role changed and the old password still works. Fix the cause, then run pulumi up again." >&2',
    ]);
    expect(script).toContain('docker-entrypoint.sh "$@" &');
    expect(script).toContain(
      `psql -X -q -h 127.0.0.1 -p "$port" -U supabase_admin -d postgres -f ${DB_START_PATHS.rotateSql}`,
    );
  });

  it("healthy means accepting connections and the password applied", () => {
    const [kind, command] = dbHealthcheckTests();
    expect(kind).toBe("CMD-SHELL");
    expect(command.split(" && ")).toEqual([
      expect.stringMatching(/^pg_isready /),
      `test -f ${DB_START_PATHS.marker}`,
    ]);
  });
});
