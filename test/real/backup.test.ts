import {
  cpSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readSync,
  closeSync,
  writeSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AGE_MAGIC } from "../../scripts/lib/backup/crypto";
import { listBackups, readManifest } from "../../scripts/lib/backup/manifest";
import { runRestore } from "../../scripts/lib/backup/restore";
import { runBackup } from "../../scripts/lib/backup/run";
import { useBackupServer } from "../support/backupServer";
import { runScript } from "../support/project";

/**
 * Backup and restore against a real Postgres with the real pg_dump, pg_dumpall, pg_restore and
 * psql: roles, row level security, rows and a large object survive backup → drop → restore.
 * The Docker path (`docker exec <db> pg_dump`) runs the same commands inside the container.
 */

const db = useBackupServer("backup round trip", "ownstack-backup-");
const { sql, target } = db;

const SCHEMA = `
  create role app_reader nologin;
  create role app_writer nologin;
  grant app_reader to app_writer;
  create schema app;
  create table app.notes (id serial primary key, owner text not null, body text not null);
  alter table app.notes enable row level security;
  create policy notes_owner_read on app.notes for select to app_reader using (owner = current_user);
  create policy notes_writer_insert on app.notes for insert to app_writer with check (owner = current_user);
  grant usage on schema app to app_reader;
  grant select on app.notes to app_reader;
  insert into app.notes (owner, body) select 'user' || (g % 7), 'note ' || g from generate_series(1, 500) g;
  create table public.items (id int primary key, name text);
  insert into public.items select g, 'item ' || g from generate_series(1, 120) g;
  select lo_from_bytea(424242, convert_to('large object ' || repeat('x', 100000), 'UTF8'));
  alter large object 424242 owner to app_writer;
`;

/** What must come back equal: counts, policies, RLS, roles and their membership, the large object. */
async function snapshot(database: string) {
  const one = async (q: string) =>
    Object.values((await sql(database, q))[0])[0] as number | boolean;
  return {
    notes: await one("select count(*)::int from app.notes"),
    items: await one("select count(*)::int from public.items"),
    rls: await one("select relrowsecurity from pg_class where oid = 'app.notes'::regclass"),
    policies: await sql(
      database,
      "select schemaname, tablename, policyname, cmd, roles::text, qual, with_check from pg_policies order by policyname",
    ),
    largeObject: await sql(
      database,
      "select l.oid::int, r.rolname, md5(lo_get(l.oid)) from pg_largeobject_metadata l join pg_roles r on r.oid = l.lomowner",
    ),
    members: await sql(
      database,
      "select m.rolname as member, g.rolname as role from pg_auth_members a join pg_roles m on m.oid = a.member join pg_roles g on g.oid = a.roleid where g.rolname like 'app_%'",
    ),
    grants: await sql(
      database,
      "select grantee, privilege_type from information_schema.role_table_grants where table_schema = 'app' and grantee like 'app_%'",
    ),
  };
}

async function recreate(database: string, dropRoles: boolean): Promise<void> {
  await sql("postgres", `drop database if exists ${database}`);
  if (dropRoles)
    await sql("postgres", "drop role if exists app_writer; drop role if exists app_reader");
  await sql("postgres", `create database ${database}`);
}

describe("backup and restore on a real Postgres", () => {
  let before: Awaited<ReturnType<typeof snapshot>>;
  let folder: string;

  it("backs up schema, roles, policies, rows and a large object with a checksummed manifest", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "create database appdb");
    await sql("appdb", SCHEMA);
    before = await snapshot("appdb");
    expect(before.notes).toBe(500);
    expect(before.policies).toHaveLength(2);

    const result = await runBackup({
      root: join(db.work, "plain"),
      prefix: "test",
      stack: null,
      target: target("appdb"),
      keep: 7,
    });
    folder = result.folder;
    const manifest = readManifest(folder);
    expect(manifest.files.map((f) => f.name).sort()).toEqual(["db.dump", "roles.sql"]);
    expect(readFileSync(join(folder, "db.dump")).subarray(0, 5).toString()).toBe("PGDMP");
    expect(readFileSync(join(folder, "roles.sql"), "utf8")).toMatch(/CREATE ROLE app_reader;/);
    expect(Number(manifest.versions.postgres.split(".")[0])).toBe(db.server.major);
    expect(statSync(join(folder, "db.dump")).size).toBe(
      manifest.files.find((f) => f.name === "db.dump")!.bytes,
    );
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it("after drop database and roles, restore brings back equal counts, policies, roles and the large object", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await recreate("appdb", true);
    const report = await runRestore({
      folder,
      connect: async () => ({ target: target("appdb") }),
      force: false,
    });
    expect(await snapshot("appdb")).toEqual(before);
    expect(report.rolesCreated).toEqual(["app_reader", "app_writer"]);
    expect(report).toMatchObject({ tables: 2, policies: 2, largeObjects: 1, replaced: false });
  });

  it("refuses a busy database without --force and changes nothing", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("appdb", "insert into public.items values (9999, 'marker')");
    await expect(
      runRestore({ folder, connect: async () => ({ target: target("appdb") }), force: false }),
    ).rejects.toThrow(
      /^the database is not empty \(app: 1 relation, public: 1 relation; 1 large objects\); nothing was restored\. Re-run with --force/,
    );
    expect(await sql("appdb", "select name from public.items where id = 9999")).toEqual([
      { name: "marker" },
    ]);
  });

  it("npm run restore into the busy database says so on one stderr line and exits 2 (refused)", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const r = await runScript("restore", db.restoreArgs(folder, "appdb"));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^restore: the database is not empty \(.*\); nothing was restored\. Re-run with --force/,
      ),
    ]);
    expect(await sql("appdb", "select name from public.items where id = 9999")).toEqual([
      { name: "marker" },
    ]);
  });

  it("with --force replaces what the backup holds", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const report = await runRestore({
      folder,
      connect: async () => ({ target: target("appdb") }),
      force: true,
    });
    expect(report.replaced).toBe(true);
    expect(await snapshot("appdb")).toEqual(before);
  });

  it("refuses a corrupted archive with a clear message before touching the database", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const damaged = join(db.work, "damaged");
    cpSync(folder, damaged, { recursive: true });
    const fd = openSync(join(damaged, "db.dump"), "r+");
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 200);
    writeSync(fd, Buffer.from([byte[0] ^ 0xff]), 0, 1, 200);
    closeSync(fd);
    await sql("appdb", "insert into public.items values (9998, 'untouched')");
    let connected = false;
    const restore = runRestore({
      folder: damaged,
      connect: async () => ((connected = true), { target: target("appdb") }),
      force: true,
    });
    await expect(restore).rejects.toThrow(
      /^checksum mismatch in db\.dump \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\); the backup is damaged, nothing was restored$/,
    );
    expect(connected).toBe(false);
    expect(await sql("appdb", "select name from public.items where id = 9998")).toEqual([
      { name: "untouched" },
    ]);
  });

  it("encrypts at rest, refuses a wrong passphrase, and restores with the right one", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const passphrase = "correct horse battery staple";
    const { folder: enc } = await runBackup({
      root: join(db.work, "enc"),
      prefix: "test",
      stack: null,
      target: target("appdb"),
      keep: 7,
      passphrase,
    });
    const manifest = readManifest(enc);
    expect(manifest.encryption).toEqual({
      cipher: "chacha20-poly1305",
      kdf: "scrypt",
      fileFormat: "age-v1",
    });
    expect(manifest.files.map((f) => f.name).sort()).toEqual(["db.dump.enc", "roles.sql.enc"]);
    const bytes = readFileSync(join(enc, "db.dump.enc"));
    expect(bytes.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)).toBe(true);
    expect(bytes.includes(Buffer.from("PGDMP"))).toBe(false);
    expect(readFileSync(join(enc, "roles.sql.enc")).includes(Buffer.from("app_reader"))).toBe(
      false,
    );

    await recreate("appdb2", false);
    const to = async () => ({ target: target("appdb2") });
    await expect(runRestore({ folder: enc, connect: to, force: false })).rejects.toThrow(
      /^this backup is encrypted: set OWNSTACK_BACKUP_PASSPHRASE/,
    );
    await expect(
      runRestore({ folder: enc, connect: to, force: false, passphrase: "wrong" }),
    ).rejects.toThrow(/wrong passphrase, or the file was changed; nothing was restored$/);
    expect(
      await sql("appdb2", "select count(*)::int as n from pg_class where relname = 'items'"),
    ).toEqual([{ n: 0 }]);

    const report = await runRestore({ folder: enc, connect: to, force: false, passphrase });
    expect(report.rolesCreated).toEqual([]);
    // appdb gained one marker row since the first backup; the encrypted one has it too.
    expect(await snapshot("appdb2")).toEqual({ ...before, items: (before.items as number) + 1 });
  });

  it("keeps the newest --keep backups and leaves other folders alone", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const root = join(db.work, "keep");
    mkdirSync(join(root, "my-notes"), { recursive: true });
    let t = Date.parse("2026-03-01T10:00:00Z");
    const now = () => new Date((t += 60_000));
    const names: string[] = [];
    for (let i = 0; i < 3; i++)
      names.push(
        (
          await runBackup({
            root,
            prefix: "test",
            stack: null,
            target: target("appdb"),
            keep: 2,
            now,
          })
        ).folder
          .split("/")
          .pop()!,
      );
    expect(listBackups(root, "test")).toEqual([names[2], names[1]]);
    expect(readdirSync(root).sort()).toEqual([...names.slice(1), "my-notes"].sort());
  });
});
