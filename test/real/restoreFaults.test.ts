import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyId, reencryptBackups } from "../../scripts/lib/backup/keys";
import { readManifest, sha256File } from "../../scripts/lib/backup/manifest";
import { PgTarget, urlTarget } from "../../scripts/lib/backup/pg";
import { runRestore } from "../../scripts/lib/backup/restore";
import { runBackup } from "../../scripts/lib/backup/run";
import { TestServer, startServerWithTools } from "../support/postgres";
import { queryRows } from "../support/sql";

/**
 * Restore under faults, on a real Postgres with the real client tools: a database holding only
 * functions, sequences or types is not empty; a damaged dump whose checksums still agree is
 * refused before any role is created; a restore stopped by SIGTERM leaves no decrypted file.
 */

let server: TestServer | undefined;
let skip: string | undefined;
let work: string;

beforeAll(async () => {
  const started = await startServerWithTools("ownstack-faults-");
  if (typeof started === "string") {
    if (process.env.CI === "true")
      throw new Error(`CI needs Postgres for the restore faults: ${started}`);
    skip = started;
    console.warn(`[skipped] restore faults: ${started}`);
  } else server = started;
  work = mkdtempSync(join(tmpdir(), "ownstack-faults-work-"));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sql = <T = Record<string, unknown>>(database: string, text: string): Promise<T[]> =>
  queryRows<T>(server!.url(database), text);
const target = (database: string): PgTarget => urlTarget(server!.url(database), server!.binDir);
const KEY = "restore-faults-passphrase";
let folder: string;

describe("restore under faults", () => {
  it("a database holding only a function, a sequence and a type is not empty", async (ctx) => {
    if (skip) return ctx.skip(skip);
    await sql("postgres", "create role faults_owner nologin");
    await sql("postgres", "create database src");
    await sql(
      "src",
      "create table public.items (id int primary key); insert into public.items select generate_series(1, 50); alter table public.items owner to faults_owner",
    );
    folder = (
      await runBackup({
        root: join(work, "b"),
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
    if (skip) return ctx.skip(skip);
    const NEW = "restore-faults-rotated-key";
    const root = join(work, "rekey");
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
    if (skip) return ctx.skip(skip);
    const plain = (
      await runBackup({
        root: join(work, "plain"),
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
    if (skip) return ctx.skip(skip);
    await sql("postgres", "create role faults_owner nologin");
    const tmp = mkdtempSync(join(tmpdir(), "ownstack-faults-tmp-"));
    writeFileSync(join(work, "key"), `${KEY}\n`, { mode: 0o600 });
    // An open transaction holding public.items makes pg_restore --clean wait, with the dump decrypted.
    const locker = new pg.Client({ connectionString: server!.url("src") });
    await locker.connect();
    await locker.query("begin; lock table public.items in access exclusive mode");
    const args = [
      join(__dirname, "../../node_modules/tsx/dist/cli.mjs"),
      "scripts/restore.ts",
      folder,
      "--db-url",
      server!.url("src"),
      "--force",
      "--quiet",
      "--passphrase-file",
      join(work, "key"),
    ];
    const child = spawn(
      process.execPath,
      [...args, ...(server!.binDir ? ["--pg-bin", server!.binDir] : [])],
      {
        cwd: join(__dirname, "../.."),
        env: { ...process.env, TMPDIR: tmp },
        stdio: "ignore",
      },
    );
    const exited = new Promise((r) => child.once("exit", r));
    for (;;) {
      const waiting = await sql(
        "src",
        "select 1 from pg_stat_activity where wait_event_type = 'Lock' and application_name = 'pg_restore'",
      );
      if (waiting.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const during = readdirSync(tmp).filter((n) => n.startsWith("ownstack-restore-"));
    expect(during).toHaveLength(1);
    expect(existsSync(join(tmp, during[0], "db.dump"))).toBe(true);
    child.kill("SIGTERM");
    await exited;
    // (tsx keeps its own cache folder there.)
    expect(readdirSync(tmp).filter((n) => n.startsWith("ownstack-"))).toEqual([]);
    await locker.query("rollback");
    await locker.end();
    rmSync(tmp, { recursive: true, force: true });
  }, 120_000);
});
