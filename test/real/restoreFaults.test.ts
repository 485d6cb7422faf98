import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyId, reencryptBackups } from "../../scripts/lib/backup/keys";
import { readManifest, sha256File } from "../../scripts/lib/backup/manifest";
import { runRestore } from "../../scripts/lib/backup/restore";
import { runBackup } from "../../scripts/lib/backup/run";
import { useBackupServer } from "../support/backupServer";
import { spawnScript } from "../support/project";

/**
 * Restore under faults, on a real Postgres with the real client tools: a database holding only
 * functions, sequences or types is not empty; a damaged dump whose checksums still agree is
 * refused before any role is created; a restore stopped by SIGTERM leaves no decrypted file.
 */

const db = useBackupServer("restore faults", "ownstack-faults-");
const { sql, target } = db;
const KEY = "restore-faults-passphrase";
let folder: string;

describe("restore under faults", () => {
  it("a database holding only a function, a sequence and a type is not empty", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "create role faults_owner nologin");
    await sql("postgres", "create database src");
    await sql(
      "src",
      "create table public.items (id int primary key); insert into public.items select generate_series(1, 50); alter table public.items owner to faults_owner",
    );
    folder = (
      await runBackup({
        root: join(db.work, "b"),
        prefix: "t",
        stack: null,
        target: target("src"),
        keep: 3,
        passphrase: KEY,
      })
    ).folder;

    await sql("postgres", "create database onlyobjects");
    await sql(
      "onlyobjects",
      "create function public.f() returns int language sql as 'select 1'; create sequence public.s; create type public.mood as enum ('ok')",
    );
    await expect(
      runRestore({
        folder,
        connect: async () => ({ target: target("onlyobjects") }),
        force: false,
        passphrase: KEY,
      }),
    ).rejects.toThrow(
      /^the database is not empty \(public: 1 sequence, 1 function, 1 type\); nothing was restored/,
    );
    expect(
      await sql("onlyobjects", "select count(*)::int as n from pg_class where relname = 'items'"),
    ).toEqual([{ n: 0 }]);
  });

  it("after a key rotation the kept backups are re-encrypted and restore with the new key only", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const NEW = "restore-faults-rotated-key";
    const root = join(db.work, "rekey");
    const old = (
      await runBackup({
        root,
        prefix: "t",
        stack: null,
        target: target("src"),
        keep: 3,
        passphrase: KEY,
        keyId: keyId(KEY),
      })
    ).folder;
    expect(await reencryptBackups(root, "t", KEY, NEW)).toEqual([old.split("/").pop()]);
    expect(readManifest(old).encryption?.keyId).toBe(keyId(NEW));
    await sql("postgres", "create database rekeyed");
    const to = async () => ({ target: target("rekeyed") });
    await expect(
      runRestore({ folder: old, connect: to, force: false, passphrase: KEY }),
    ).rejects.toThrow(/wrong passphrase/);
    await runRestore({ folder: old, connect: to, force: false, passphrase: NEW });
    expect(await sql("rekeyed", "select count(*)::int as n from public.items")).toEqual([
      { n: 50 },
    ]);
    await sql("postgres", "drop database rekeyed");
  });

  it("a damaged dump whose checksums agree is refused before any role is created", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const plain = (
      await runBackup({
        root: join(db.work, "plain"),
        prefix: "t",
        stack: null,
        target: target("src"),
        keep: 3,
      })
    ).folder;
    // Cut the dump in half and record the new checksum, as a faulty disk or a bad copy tool would leave it.
    const dump = join(plain, "db.dump");
    const bytes = readFileSync(dump);
    writeFileSync(dump, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const manifestFile = join(plain, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    const entry = manifest.files.find((f: { name: string }) => f.name === "db.dump");
    entry.bytes = Math.floor(bytes.length / 2);
    entry.sha256 = await sha256File(dump);
    writeFileSync(manifestFile, JSON.stringify(manifest));

    await sql("src", "reassign owned by faults_owner to current_user");
    await sql("postgres", "drop role faults_owner");
    await sql("postgres", "create database fresh");
    await expect(
      runRestore({
        folder: plain,
        connect: async () => ({ target: target("fresh") }),
        force: false,
      }),
    ).rejects.toThrow(
      /^the database dump cannot be read \(.*\); the backup is damaged, nothing was restored$/,
    );
    expect(
      await sql("postgres", "select rolname from pg_roles where rolname = 'faults_owner'"),
    ).toEqual([]);
  });

  it("a restore stopped by SIGTERM leaves no decrypted dump behind", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "create role faults_owner nologin");
    const tmp = mkdtempSync(join(tmpdir(), "ownstack-faults-tmp-"));
    writeFileSync(join(db.work, "key"), `${KEY}\n`, { mode: 0o600 });
    // An open transaction holding public.items makes pg_restore --clean wait, with the dump decrypted.
    const release = await db.lockTable("src", "public.items");
    const args = ["--force", "--quiet", "--passphrase-file", join(db.work, "key")];
    const child = spawnScript("restore", [...db.restoreArgs(folder, "src"), ...args], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: "ignore",
    });
    const exited = new Promise((r) => child.once("exit", r));
    await db.waitForLockWait("src", /^pg_restore$/);
    const during = readdirSync(tmp).filter((n) => n.startsWith("ownstack-restore-"));
    expect(during).toHaveLength(1);
    expect(existsSync(join(tmp, during[0], "db.dump"))).toBe(true);
    child.kill("SIGTERM");
    await exited;
    // (tsx keeps its own cache folder there.)
    expect(readdirSync(tmp).filter((n) => n.startsWith("ownstack-"))).toEqual([]);
    await release();
    rmSync(tmp, { recursive: true, force: true });
  }, 120_000);
});
