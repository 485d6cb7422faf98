import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_LOGIN_ROLES,
  renderRolesSql,
  renderRotatePasswordsSql,
  sqlLiteral,
} from "../../components/render/initSql";
import { Cluster, startCluster } from "../support/postgres";
import { IMAGE_ROLES_SQL, Login, loginTable, runSql, runStatements } from "../support/sql";

/**
 * The Postgres rotation SQL on a real server: every login role takes the new password in one
 * transaction, the old one stops working, no row is lost, and a failure halfway changes nothing.
 */

const OLD = "old0password0aaaaaaaaaaaaaaaaaaaa";
const NEW = "new1password1bbbbbbbbbbbbbbbbbbbb";
const NEWER = "newer2password2ccccccccccccccccc";

const everyone = (ok: boolean) => Object.fromEntries(ALL_LOGIN_ROLES.map((r) => [r, ok]));

let cluster: Cluster;
let at: Login;

async function notes(password: string): Promise<string[]> {
  const [r] = await runSql(
    at,
    "supabase_admin",
    password,
    "SELECT body FROM public.notes ORDER BY id",
  );
  return r.rows.map((row: { body: string }) => row.body);
}

beforeAll(async () => {
  // Passwords are checked on every connection, as for the services on the Docker network.
  cluster = await startCluster({
    prefix: "ownstack-rotate-sql-",
    superuser: "supabase_admin",
    password: OLD,
    hba: "host all all 127.0.0.1/32 scram-sha-256\n",
  });
  at = { host: "127.0.0.1", port: cluster.port };
  // What a first start does: the image's roles, its own two passwords, then our init SQL.
  await runSql(at, "supabase_admin", OLD, IMAGE_ROLES_SQL);
  await runSql(at, "supabase_admin", OLD, `ALTER ROLE postgres WITH PASSWORD ${sqlLiteral(OLD)};`);
  await runSql(at, "supabase_admin", OLD, renderRolesSql(OLD));
  await runSql(
    at,
    "postgres",
    OLD,
    "CREATE TABLE public.notes (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO public.notes (body) VALUES ('first'), ('second'), ('third');",
  );
});

afterAll(async () => {
  await cluster?.dispose();
});

describe("Postgres password rotation (real server)", () => {
  it("starts from the state a first deploy leaves: every login role uses the stack password", async () => {
    expect(await loginTable(at, ALL_LOGIN_ROLES, OLD)).toEqual(everyone(true));
  });

  it("gives every login role the new password, refuses the old one and keeps every row", async () => {
    await runStatements(at, "supabase_admin", OLD, renderRotatePasswordsSql(NEW));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEW)).toEqual(everyone(true));
    expect(await loginTable(at, ALL_LOGIN_ROLES, OLD)).toEqual(everyone(false));
    expect(await notes(NEW)).toEqual(["first", "second", "third"]);
  });

  it("a rotation that fails halfway changes no role: the current password keeps working everywhere", async () => {
    // The third ALTER fails (the role does not exist), after two roles were already altered in the transaction.
    const broken = [
      ...ALL_LOGIN_ROLES.slice(0, 2),
      "ownstack_missing_role",
      ...ALL_LOGIN_ROLES.slice(2),
    ];
    await expect(
      runStatements(at, "supabase_admin", NEW, renderRotatePasswordsSql(NEWER, broken)),
    ).rejects.toThrow(/ownstack_missing_role/);
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEW)).toEqual(everyone(true));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEWER)).toEqual(everyone(false));
    expect(await notes(NEW)).toEqual(["first", "second", "third"]);
  });

  it("a retry after the failure completes", async () => {
    await runStatements(at, "supabase_admin", NEW, renderRotatePasswordsSql(NEWER));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEWER)).toEqual(everyone(true));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEW)).toEqual(everyone(false));
    expect(await notes(NEWER)).toEqual(["first", "second", "third"]);
  });

  it("running the same rotation again is harmless", async () => {
    await runStatements(at, "supabase_admin", NEWER, renderRotatePasswordsSql(NEWER));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEWER)).toEqual(everyone(true));
  });
});
