import {
  cpSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { MAGIC, decryptingStream, legacyEncryptingStream } from "../../scripts/lib/backup/crypto";
import { keyId, reencryptBackups } from "../../scripts/lib/backup/keys";
import { readManifest, sha256File } from "../../scripts/lib/backup/manifest";
import { runRestore } from "../../scripts/lib/backup/restore";
import { runBackup } from "../../scripts/lib/backup/run";
import { useBackupServer } from "../support/backupServer";
import { spawnScript } from "../support/project";

/**
 * Restore under faults, on a real Postgres with the real client tools: a database holding only
 * functions, sequences or types is not empty; a damaged dump whose checksums still agree is
 * refused before any role is created; a restore killed by SIGKILL leaves no plaintext dump, the
 * age file being decrypted as a stream into pg_restore; an OWNSTKE1 backup still restores.
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

  it("an encrypted restore killed with SIGKILL mid-way leaves no plaintext anywhere in its TMPDIR", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    await sql("postgres", "create role faults_owner nologin");
    const tmp = mkdtempSync(join(tmpdir(), "ownstack-faults-tmp-"));
    writeFileSync(join(db.work, "key"), `${KEY}\n`, { mode: 0o600 });
    // An open transaction holding public.items makes pg_restore --clean wait mid-restore.
    const release = await db.lockTable("src", "public.items");
    const args = ["--force", "--quiet", "--passphrase-file", join(db.work, "key")];
    // Its own process group: SIGKILL reaches tsx, the restore and pg_restore at once, as an
    // out-of-memory kill or a pulled plug would, so no handler of ours runs.
    const child = spawnScript("restore", [...db.restoreArgs(folder, "src"), ...args], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise((r) => child.once("exit", r));
    await db.waitForLockWait("src", /^pg_restore$/);
    expect(plaintextDumps(tmp)).toEqual([]);
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    expect(plaintextDumps(tmp)).toEqual([]);
    await release();
    rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it("a backup encrypted as OWNSTKE1, before the age format, still restores", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const old = join(db.work, "ownstke1");
    cpSync(folder, old, { recursive: true });
    const manifestFile = join(old, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    for (const f of manifest.files) {
      const file = join(old, f.name);
      await pipeline(
        await decryptingStream(file, KEY),
        await legacyEncryptingStream(KEY),
        createWriteStream(`${file}.old`),
      );
      renameSync(`${file}.old`, file);
      f.bytes = statSync(file).size;
      f.sha256 = await sha256File(file);
    }
    manifest.encryption = { cipher: "aes-256-gcm", kdf: "scrypt", fileFormat: "OWNSTKE1" };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(readFileSync(join(old, "db.dump.enc")).subarray(0, 8).equals(MAGIC)).toBe(true);
    await sql("postgres", "create database fromold");
    await runRestore({
      folder: old,
      connect: async () => ({ target: target("fromold") }),
      force: false,
      passphrase: KEY,
    });
    expect(await sql("fromold", "select count(*)::int as n from public.items")).toEqual([
      { n: 50 },
    ]);
  }, 120_000);
});

/** Files under `dir` holding a pg_dump custom-format archive (its "PGDMP" magic) anywhere. */
function plaintextDumps(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => readFileSync(p).includes("PGDMP"));
}
