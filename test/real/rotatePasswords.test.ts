import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderRotatePasswordsSql } from "../../components/render/initSql";
import { ALL_LOGIN_ROLES } from "../../config/roles";
import { Cluster } from "../support/postgres";
import { Login, loginTable, runStatements } from "../support/sql";
import { everyone, firstStart, readNotes, startSupabaseDb } from "../support/supabaseDb";

/**
 * The Postgres rotation SQL on a real server: every login role takes the new password in one
 * transaction, the old one stops working, no row is lost, and a failure halfway changes nothing.
 */

const OLD = "old0password0aaaaaaaaaaaaaaaaaaaa";
const NEW = "new1password1bbbbbbbbbbbbbbbbbbbb";
const NEWER = "newer2password2ccccccccccccccccc";
const NOTES = ["first", "second", "third"];

let cluster: Cluster;
let at: Login;

/** Every login role logs in with `current` and none with `refused`, and no row was lost. */
async function expectOnly(current: string, refused: string): Promise<void> {
  expect(await loginTable(at, ALL_LOGIN_ROLES, current)).toEqual(everyone(true));
  expect(await loginTable(at, ALL_LOGIN_ROLES, refused)).toEqual(everyone(false));
  expect(await readNotes(at, current)).toEqual(NOTES);
}

beforeAll(async () => {
  // Passwords are checked on every connection, as for the services on the Docker network.
  ({ cluster, at } = await startSupabaseDb("ownstack-rotate-sql-", OLD));
  // What a first start does: the image's roles, its own two passwords, then our init SQL.
  await firstStart(at, OLD, OLD, NOTES);
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
    await expectOnly(NEW, OLD);
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
    await expectOnly(NEW, NEWER);
  });

  it("a retry after the failure completes", async () => {
    await runStatements(at, "supabase_admin", NEW, renderRotatePasswordsSql(NEWER));
    await expectOnly(NEWER, NEW);
  });

  it("running the same rotation again is harmless", async () => {
    await runStatements(at, "supabase_admin", NEWER, renderRotatePasswordsSql(NEWER));
    expect(await loginTable(at, ALL_LOGIN_ROLES, NEWER)).toEqual(everyone(true));
  });
});
