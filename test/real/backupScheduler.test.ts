import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schedulerBundle } from "../../components/backup";
import { parseSchedule } from "../../config/backupSchedule";
import { runDrill } from "../../scripts/lib/backup/drill";
import { keyId } from "../../scripts/lib/backup/keys";
import { listBackups, partialBackups, readManifest } from "../../scripts/lib/backup/manifest";
import { OffsiteTarget, offsiteTarget } from "../../scripts/lib/backup/offsite";
import { runRestore } from "../../scripts/lib/backup/restore";
import {
  BackupScheduler,
  lastGoodBackup,
  readState,
  renderMetrics,
  retainedBytes,
} from "../../scripts/lib/backup/scheduler";
import { mountedFileStorage } from "../../scripts/lib/backup/storageDirect";
import { useBackupServer } from "../support/backupServer";
import { SSHD, Sshd, startSshd } from "../support/sshd";
import { noteSkip } from "../support/binaries";

/**
 * The scheduler's whole path on real engines: dump (pg_dump/pg_restore of the server's version)
 * → encrypt → off-site upload to a real OpenSSH server on 127.0.0.1 (Debian's openssh-server,
 * SFTP subsystem) → prune by retention across days → restore → drill. The interrupted-run cases
 * run the bundled scheduler (the file the container runs) as a child and signal it.
 */

const db = useBackupServer("backup scheduler path", "ownstack-sched-");
let sshd: Sshd | undefined;
let sshdMissing: string | undefined;
const skip = () => [db.skipReason, sshdMissing].filter(Boolean).join("; ");

beforeAll(async () => {
  if (existsSync(SSHD)) {
    sshd = await startSshd();
    console.info(`backup scheduler off-site: OpenSSH sftp on 127.0.0.1:${sshd.port}`);
    return;
  }
  if (process.env.CI === "true")
    throw new Error(`CI needs ${SSHD}; .ci/run installs Debian's openssh-server`);
  sshdMissing = `${SSHD} missing (apt-get install openssh-server)`;
  noteSkip("backup scheduler path", sshdMissing, "openssh-server");
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
});

const KEY = "scheduler-test-key-0123456789abcdefghijkl";
const schedule = parseSchedule("17 3 * * *") as Exclude<ReturnType<typeof parseSchedule>, string>;

describe("the backup scheduler on a real Postgres with a real SFTP server", () => {
  let clock = new Date("2026-12-29T03:17:00Z");
  const logs: string[] = [];
  let scheduler: BackupScheduler;
  const root = () => join(db.work, "backups");
  const storageParent = () => join(db.work, "storage-volume");
  /** The test's OpenSSH server as the off-site target, trusting `hostKey` (default: its own). */
  const sftp = (hostKey = sshd!.hostKey) =>
    offsiteTarget({
      kind: "sftp",
      host: "127.0.0.1",
      port: sshd!.port,
      user: sshd!.user,
      path: sshd!.dir,
      privateKey: sshd!.clientKey,
      hostKey,
    });
  /** A nightly encrypted backup of appdb (and `storage`) into root(), kept by daily 2, weekly 1. */
  const nightly = (
    offsite: OffsiteTarget,
    now: () => Date,
    storage?: ReturnType<typeof mountedFileStorage>,
  ) =>
    new BackupScheduler({
      schedule,
      retention: { daily: 2, weekly: 1 },
      backup: {
        root: root(),
        prefix: "local",
        stack: "local",
        target: db.target("appdb"),
        storage,
        passphrase: KEY,
        keyId: keyId(KEY),
        version: "test",
      },
      offsite,
      now,
      sleep: async () => undefined,
      log: (l) => logs.push(l),
    });

  it("four nightly runs: encrypted, counted, copied off-site, pruned by retention on both sides", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    await db.sql("postgres", "create database appdb");
    await db.sql(
      "appdb",
      "create table public.items (id int primary key, name text); insert into public.items select g, 'item ' || g from generate_series(1, 120) g",
    );
    await db.sql(
      "appdb",
      "create schema app; create table app.notes (id serial primary key, body text); insert into app.notes (body) select 'n' || g from generate_series(1, 40) g",
    );
    for (const f of ["stub/avatars/me.png/v1", "stub/avatars/you.png/v1", "stub/docs/a.pdf/v1"]) {
      mkdirSync(join(storageParent(), "storage", f, ".."), { recursive: true });
      writeFileSync(join(storageParent(), "storage", f), "object bytes");
    }
    scheduler = nightly(sftp(), () => clock, mountedFileStorage(storageParent()));
    // 2026-12-29 (Tue, ISO week 53) to 2027-01-01 (Fri, still week 53): 4 runs.
    for (let day = 0; day < 4; day++) {
      clock = new Date(Date.parse("2026-12-29T03:17:00Z") + day * 86_400_000);
      expect(await scheduler.runOnce()).toBe(true);
    }
    const kept = listBackups(root(), "local");
    expect(kept).toEqual(["local-2027-01-01T03-17-00.000Z", "local-2026-12-31T03-17-00.000Z"]);
    expect(readdirSync(sshd!.dir).sort()).toEqual([...kept].sort());

    const m = readManifest(join(root(), kept[0]));
    expect(m.encryption).toMatchObject({ fileFormat: "age-v1", keyId: keyId(KEY) });
    expect(m.counts).toEqual({
      tables: { "app.notes": 40, "public.items": 120 },
      buckets: { avatars: 2, docs: 1 },
    });
    expect(m.files.map((f) => f.name).sort()).toEqual([
      "db.dump.enc",
      "roles.sql.enc",
      "storage.tar.enc",
    ]);
    expect(readState(root()).offsite).toMatchObject({ failures: 0 });
    expect(
      renderMetrics({
        last: lastGoodBackup(root(), "local"),
        retained: retainedBytes(root(), "local"),
        state: readState(root()),
        intervalSeconds: 86400,
        offsiteConfigured: true,
        next: undefined,
      }),
    ).toMatch(
      new RegExp(
        `^ownstack_backup_last_success_timestamp_seconds ${Date.parse("2027-01-01T03:17:00Z") / 1000}$`,
        "m",
      ),
    );
  });

  it("the drill restores the newest into a scratch database, finds every row and object, drops it, and leaves the live one alone", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    await db.sql("appdb", "insert into public.items values (9999, 'written after the backup')");
    const newest = join(root(), listBackups(root(), "local")[0]);
    const report = await runDrill({
      folder: newest,
      server: db.target("postgres"),
      passphrase: KEY,
      now: () => new Date("2027-01-01T12:00:00Z"),
    });
    expect(report).toMatchObject({
      ok: true,
      tables: 2,
      tableMismatches: [],
      buckets: 2,
      bucketMismatches: [],
      scratch: "ownstack_drill_20270101120000",
    });
    expect(
      await db.sql(
        "postgres",
        "select datname from pg_database where datname like 'ownstack_drill_%'",
      ),
    ).toEqual([]);
    expect(await db.sql("appdb", "select count(*)::int as n from public.items")).toEqual([
      { n: 121 },
    ]);
  });

  it("restore brings the scheduled backup back into an empty database", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    await db.sql("postgres", "create database restored");
    const newest = join(root(), listBackups(root(), "local")[0]);
    await runRestore({
      folder: newest,
      connect: async () => ({ target: db.target("restored") }),
      force: false,
      passphrase: KEY,
    });
    expect(
      await db.sql(
        "restored",
        "select (select count(*)::int from public.items) as items, (select count(*)::int from app.notes) as notes",
      ),
    ).toEqual([{ items: 120, notes: 40 }]);
  });

  it("a failed upload keeps the local backup and is counted and logged", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    const wrongHost = sftp(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey",
    );
    const failing = nightly(wrongHost, () => new Date("2027-01-02T03:17:00Z"));
    expect(await failing.runOnce()).toBe(true);
    expect(listBackups(root(), "local")[0]).toBe("local-2027-01-02T03-17-00.000Z");
    expect(readState(root()).offsite).toMatchObject({
      failures: 1,
      lastError: expect.stringMatching(
        /host key of 127\.0\.0\.1 is not the one in ownstack:backupSftpHostKey/,
      ),
    });
    expect(logs.at(-1)).toMatch(
      /^ERROR off-site copy of local-2027-01-02T03-17-00\.000Z to sftp:\/\/.* failed: .*; the local backup is kept$/,
    );
    expect(readdirSync(sshd!.dir)).not.toContain("local-2027-01-02T03-17-00.000Z");
  });
});

/** The bundled scheduler (what the container runs), as a child with the container's env. */
async function scheduler(
  command: string,
  root: string,
  database: string,
): Promise<{ child: ChildProcess; exited: Promise<number | null>; out: () => string }> {
  const file = join(db.work, "backup-scheduler.js");
  if (!existsSync(file)) writeFileSync(file, await schedulerBundle());
  const u = new URL(db.server.url(database));
  const child = spawn(process.execPath, [file, command], {
    env: {
      PATH: `${db.server.binDir ?? ""}:${process.env.PATH}`,
      OWNSTACK_STACK: "local",
      OWNSTACK_BACKUP_DIR: root,
      OWNSTACK_BACKUP_PASSPHRASE: KEY,
      PGHOST: u.hostname,
      PGPORT: u.port,
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGDATABASE: database,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  child.stderr!.on("data", (d: Buffer) => (out += d));
  return {
    child,
    exited: new Promise((r) => child.once("exit", (code) => r(code))),
    out: () => out,
  };
}

describe("interrupted runs", () => {
  it("a scheduled backup stopped by SIGTERM leaves no partial folder and the last good backup unchanged", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    const root = join(db.work, "interrupted");
    const first = await scheduler("now", root, "appdb");
    expect(await first.exited).toBe(0);
    const good = lastGoodBackup(root, "local")!;

    const release = await db.lockTable("appdb", "public.items");
    const run = await scheduler("now", root, "appdb");
    await db.waitForLockWait("appdb", /pg_dump/);
    expect(partialBackups(root, "local")).toHaveLength(1);
    run.child.kill("SIGTERM");
    await run.exited;
    await release();
    expect(partialBackups(root, "local")).toEqual([]);
    expect(listBackups(root, "local")).toEqual([good.name]);
    expect(lastGoodBackup(root, "local")).toEqual(good);
  }, 120_000);

  it("a run killed outright (SIGKILL) leaves a partial that never counts, and the next run removes it and says so", async (ctx) => {
    if (skip()) return ctx.skip(skip());
    const root = join(db.work, "interrupted");
    const good = lastGoodBackup(root, "local")!;
    const release = await db.lockTable("appdb", "public.items");
    const run = await scheduler("now", root, "appdb");
    await db.waitForLockWait("appdb", /pg_dump/);
    run.child.kill("SIGKILL");
    await run.exited;
    await release();
    const left = partialBackups(root, "local");
    expect(left).toHaveLength(1);
    expect(lastGoodBackup(root, "local")).toEqual(good);

    const next = await scheduler("now", root, "appdb");
    expect(await next.exited).toBe(0);
    expect(next.out()).toContain(
      `removed 1 unfinished backup folder(s) left by an interrupted run: ${left[0]}`,
    );
    expect(partialBackups(root, "local")).toEqual([]);
    // Same day: retention keeps the newest of the day, which is the new one.
    expect(listBackups(root, "local")).toHaveLength(1);
    expect(lastGoodBackup(root, "local")!.name).not.toBe(good.name);
  }, 120_000);
});
