import { readFileSync, writeFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDrill } from "../../scripts/lib/backup/drill";
import { MANIFEST, readManifest } from "../../scripts/lib/backup/manifest";
import { otherDatabases } from "../../scripts/lib/backup/otherDatabases";
import { runRestore } from "../../scripts/lib/backup/restore";
import { runBackup } from "../../scripts/lib/backup/run";
import { compareWithBackup } from "../../scripts/lib/upgrade/copy";
import { useBackupServer } from "../support/backupServer";

/**
 * A stack's server holds Open WebUI's `openwebui` database beside `postgres` (its users, chats
 * and settings). On a real Postgres: a stack backup dumps it too, encrypted; the drill restores
 * it into a scratch copy; a restore brings it back under its name and owner after it was
 * dropped; a busy one needs --force; pg-upgrade's row check covers it.
 */

const db = useBackupServer("backups of the server's other databases", "ownstack-otherdb-");
const { sql, target } = db;
const PASSPHRASE = "correct horse battery staple";

const chats = async () =>
  (await sql<{ n: number }>("openwebui", "select count(*)::int as n from public.chat"))[0].n;

describe("a stack backup holds the server's other databases", () => {
  let folder: string;

  it("lists openwebui and the user's own database, not templates, _supabase or drill copies", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql(
      "postgres",
      "create table public.items (id int primary key); insert into public.items select generate_series(1, 7)",
    );
    await sql("postgres", "create role openwebui login password 'x'");
    await sql("postgres", "create database openwebui owner openwebui");
    await sql(
      "openwebui",
      "set role openwebui; create table public.chat (id int primary key, title text); insert into public.chat select g, 'chat ' || g from generate_series(1, 42) g",
    );
    await sql("postgres", "create database _supabase");
    await sql("postgres", "create database ownstack_drill_20261206000000");
    await sql("postgres", "create database shop");
    await sql(
      "shop",
      "create table public.orders (id int); insert into public.orders values (1), (2)",
    );

    expect(await otherDatabases(target("postgres"))).toEqual([
      { name: "openwebui", owner: "openwebui" },
      { name: "shop", owner: expect.any(String) },
    ]);
    await sql("postgres", "drop database ownstack_drill_20261206000000");
  });

  it("dumps each, encrypted, with its rows per table in the manifest", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const result = await runBackup({
      root: join(db.work, "backups"),
      prefix: "local",
      stack: "local",
      target: target("postgres"),
      otherDatabases: true,
      passphrase: PASSPHRASE,
      keep: 3,
    });
    folder = result.folder;
    const m = readManifest(folder);
    expect(m.otherDatabases).toEqual([
      expect.objectContaining({
        name: "openwebui",
        owner: "openwebui",
        file: "db.1.dump.enc",
        tables: { "public.chat": 42 },
      }),
      expect.objectContaining({
        name: "shop",
        file: "db.2.dump.enc",
        tables: { "public.orders": 2 },
      }),
    ]);
    expect(m.files.filter((f) => f.kind === "other-database").map((f) => f.name)).toEqual([
      "db.1.dump.enc",
      "db.2.dump.enc",
    ]);
    expect(m.counts!.tables).toEqual({ "public.items": 7 });
    expect(readFileSync(join(folder, "db.1.dump.enc")).includes("chat 41")).toBe(false);
  });

  it("a drill restores each into a scratch copy, compares rows and drops them", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const report = await runDrill({ folder, server: target("postgres"), passphrase: PASSPHRASE });
    expect(report).toMatchObject({ ok: true, tables: 3, tableMismatches: [] });
    const left = await sql<{ datname: string }>(
      "postgres",
      "select datname from pg_database where datname like 'ownstack_drill_%'",
    );
    expect(left).toEqual([]);
  });

  it("after openwebui is dropped, a restore brings it back with its owner and rows", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "drop database openwebui with (force)");
    const report = await runRestore({
      folder,
      connect: async () => ({ target: target("postgres") }),
      // The postgres database still holds public.items.
      force: true,
      passphrase: PASSPHRASE,
    });
    expect(report.otherDatabases).toEqual(["openwebui", "shop"]);
    expect(await chats()).toBe(42);
    expect(
      await sql(
        "postgres",
        "select r.rolname from pg_database d join pg_roles r on r.oid = d.datdba where d.datname = 'openwebui'",
      ),
    ).toEqual([{ rolname: "openwebui" }]);
    expect(
      await sql("openwebui", "select tableowner from pg_tables where tablename = 'chat'"),
    ).toEqual([{ tableowner: "openwebui" }]);
  });

  it("refuses to overwrite an openwebui that holds rows without --force, naming it", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "truncate public.items");
    await sql("openwebui", "insert into public.chat values (1000, 'new since the backup')");
    await expect(
      runRestore({
        folder,
        connect: async () => ({ target: target("postgres") }),
        force: false,
        passphrase: PASSPHRASE,
      }),
    ).rejects.toThrow(
      /^the database is not empty \(.*database openwebui: 43 rows.*\); nothing was restored/,
    );
    expect(await chats()).toBe(43);
  });

  it("pg-upgrade's check counts the other databases' rows too", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const check = await compareWithBackup(folder, target("postgres"));
    expect(check.tables).toBe(3);
    expect(check.mismatches).toEqual(["public.items: 7 → 0", "openwebui: public.chat: 42 → 43"]);
  });

  it("refuses a backup whose manifest records other rows than the dump holds, before any write", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const damaged = join(db.work, "damaged");
    cpSync(folder, damaged, { recursive: true });
    const m = JSON.parse(readFileSync(join(damaged, MANIFEST), "utf8"));
    m.otherDatabases[0].tables["public.chat"] = 41;
    writeFileSync(join(damaged, MANIFEST), JSON.stringify(m));
    await expect(
      runRestore({
        folder: damaged,
        connect: async () => ({ target: target("postgres") }),
        force: true,
        passphrase: PASSPHRASE,
      }),
    ).rejects.toThrow(
      "the dump of database openwebui does not hold the rows its manifest recorded (public.chat: 41 → 42); the backup is damaged, nothing was restored",
    );
    expect(await chats()).toBe(43);
  });
});
