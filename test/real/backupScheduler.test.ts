import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schedulerBundle } from "../../components/backup";
import { parseSchedule } from "../../config/backupSchedule";
import { runDrill } from "../../scripts/lib/backup/drill";
import { keyId } from "../../scripts/lib/backup/keys";
import { listBackups, partialBackups, readManifest } from "../../scripts/lib/backup/manifest";
import { offsiteTarget } from "../../scripts/lib/backup/offsite";
import { PgTarget, urlTarget } from "../../scripts/lib/backup/pg";
import { runRestore } from "../../scripts/lib/backup/restore";
import {
  BackupScheduler,
  lastGoodBackup,
  readState,
  renderMetrics,
  retainedBytes,
} from "../../scripts/lib/backup/scheduler";
import { mountedFileStorage } from "../../scripts/lib/backup/storageDirect";
import { SSHD, Sshd, startSshd } from "../support/sshd";
import { TestServer, startServerWithTools } from "../support/postgres";
import { queryRows } from "../support/sql";

/**
 * The scheduler's whole path on real engines: dump (pg_dump/pg_restore of the server's version)
 * → encrypt → off-site upload to a real OpenSSH server on 127.0.0.1 (Debian's openssh-server,
 * SFTP subsystem) → prune by retention across days → restore → drill. The interrupted-run cases
 * run the bundled scheduler (the file the container runs) as a child and signal it.
 */

let server: TestServer | undefined;
let sshd: Sshd | undefined;
let work: string;
const skip: string[] = [];

beforeAll(async () => {
  const started = await startServerWithTools("ownstack-sched-");
  if (typeof started === "string") {
    if (process.env.CI === "true")
      throw new Error(`CI needs Postgres for the scheduler path: ${started}`);
    skip.push(started);
  } else server = started;
  if (!existsSync(SSHD)) {
    if (process.env.CI === "true")
      throw new Error(`CI needs ${SSHD}; .ci/run installs Debian's openssh-server`);
    skip.push(`${SSHD} missing (apt-get install openssh-server)`);
  } else sshd = await startSshd();
  if (skip.length > 0) console.warn(`[skipped] backup scheduler path: ${skip.join("; ")}`);
  else
    console.info(
      `backup scheduler path on ${server!.kind}, off-site: OpenSSH sftp on 127.0.0.1:${sshd!.port}`,
    );
  work = mkdtempSync(join(tmpdir(), "ownstack-sched-work-"));
}, 120_000);

afterAll(async () => {
  await sshd?.stop();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sql = <T = Record<string, unknown>>(database: string, text: string): Promise<T[]> =>
  queryRows<T>(server!.url(database), text);
const target = (database: string): PgTarget => urlTarget(server!.url(database), server!.binDir);
const KEY = "scheduler-test-key-0123456789abcdefghijkl";
const schedule = parseSchedule("17 3 * * *") as Exclude<ReturnType<typeof parseSchedule>, string>;

describe("the backup scheduler on a real Postgres with a real SFTP server", () => {
  let clock = new Date("2026-12-29T03:17:00Z");
  const logs: string[] = [];
  let scheduler: BackupScheduler;
  const root = () => join(work, "backups");
  const storageParent = () => join(work, "storage-volume");

  it("four nightly runs: encrypted, counted, copied off-site, pruned by retention on both sides", async (ctx) => {
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    await sql("postgres", "create database appdb");
    await sql(
      "appdb",
      "create table public.items (id int primary key, name text); insert into public.items select g, 'item ' || g from generate_series(1, 120) g",
    );
    await sql(
      "appdb",
      "create schema app; create table app.notes (id serial primary key, body text); insert into app.notes (body) select 'n' || g from generate_series(1, 40) g",
    );
    for (const f of ["stub/avatars/me.png/v1", "stub/avatars/you.png/v1", "stub/docs/a.pdf/v1"]) {
      mkdirSync(join(storageParent(), "storage", f, ".."), { recursive: true });
      writeFileSync(join(storageParent(), "storage", f), "object bytes");
    }
    const offsite = offsiteTarget({
      kind: "sftp",
      host: "127.0.0.1",
      port: sshd!.port,
      user: sshd!.user,
      path: sshd!.dir,
      privateKey: sshd!.clientKey,
      hostKey: sshd!.hostKey,
    });
    scheduler = new BackupScheduler({
      schedule,
      retention: { daily: 2, weekly: 1 },
      backup: {
        root: root(),
        prefix: "local",
        stack: "local",
        target: target("appdb"),
        storage: mountedFileStorage(storageParent()),
        passphrase: KEY,
        keyId: keyId(KEY),
        version: "test",
      },
      offsite,
      now: () => clock,
      sleep: async () => undefined,
      log: (l) => logs.push(l),
    });
    // 2026-12-29 (Tue, ISO week 53) to 2027-01-01 (Fri, still week 53): 4 runs.
    for (let day = 0; day < 4; day++) {
      clock = new Date(Date.parse("2026-12-29T03:17:00Z") + day * 86_400_000);
      expect(await scheduler.runOnce()).toBe(true);
    }
    const kept = listBackups(root(), "local");
    expect(kept).toEqual(["local-2027-01-01T03-17-00.000Z", "local-2026-12-31T03-17-00.000Z"]);
    expect(readdirSync(sshd!.dir).sort()).toEqual([...kept].sort());

    const m = readManifest(join(root(), kept[0]));
    expect(m.encryption).toMatchObject({ cipher: "aes-256-gcm", keyId: keyId(KEY) });
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
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    await sql("appdb", "insert into public.items values (9999, 'written after the backup')");
    const newest = join(root(), listBackups(root(), "local")[0]);
    const report = await runDrill({
      folder: newest,
      server: target("postgres"),
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
      await sql(
        "postgres",
        "select datname from pg_database where datname like 'ownstack_drill_%'",
      ),
    ).toEqual([]);
    expect(await sql("appdb", "select count(*)::int as n from public.items")).toEqual([{ n: 121 }]);
  });

  it("restore brings the scheduled backup back into an empty database", async (ctx) => {
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    await sql("postgres", "create database restored");
    const newest = join(root(), listBackups(root(), "local")[0]);
    await runRestore({
      folder: newest,
      connect: async () => ({ target: target("restored") }),
      force: false,
      passphrase: KEY,
    });
    expect(
      await sql(
        "restored",
        "select (select count(*)::int from public.items) as items, (select count(*)::int from app.notes) as notes",
      ),
    ).toEqual([{ items: 120, notes: 40 }]);
  });

  it("a failed upload keeps the local backup and is counted and logged", async (ctx) => {
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    const wrongHost = offsiteTarget({
      kind: "sftp",
      host: "127.0.0.1",
      port: sshd!.port,
      user: sshd!.user,
      path: sshd!.dir,
      privateKey: sshd!.clientKey,
      hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey",
    });
    const failing = new BackupScheduler({
      schedule,
      retention: { daily: 2, weekly: 1 },
      backup: {
        root: root(),
        prefix: "local",
        stack: "local",
        target: target("appdb"),
        passphrase: KEY,
        keyId: keyId(KEY),
        version: "test",
      },
      offsite: wrongHost,
      now: () => new Date("2027-01-02T03:17:00Z"),
      sleep: async () => undefined,
      log: (l) => logs.push(l),
    });
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
  const file = join(work, "backup-scheduler.js");
  if (!existsSync(file)) writeFileSync(file, await schedulerBundle());
  const u = new URL(server!.url(database));
  const child = spawn(process.execPath, [file, command], {
    env: {
      PATH: `${server!.binDir ?? ""}:${process.env.PATH}`,
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

/** Holds an exclusive lock on public.items until released, so pg_dump / pg_restore wait on it. */
async function lockItems(database: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: server!.url(database) });
  await client.connect();
  await client.query("begin; lock table public.items in access exclusive mode");
  return async () => {
    await client.query("rollback");
    await client.end();
  };
}

async function waitForLockWait(database: string, app: RegExp): Promise<void> {
  for (;;) {
    const rows = await sql<{ application_name: string }>(
      database,
      "select application_name from pg_stat_activity where wait_event_type = 'Lock'",
    );
    if (rows.some((r) => app.test(r.application_name))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("interrupted runs", () => {
  it("a scheduled backup stopped by SIGTERM leaves no partial folder and the last good backup unchanged", async (ctx) => {
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    const root = join(work, "interrupted");
    const first = await scheduler("now", root, "appdb");
    expect(await first.exited).toBe(0);
    const good = lastGoodBackup(root, "local")!;

    const release = await lockItems("appdb");
    const run = await scheduler("now", root, "appdb");
    await waitForLockWait("appdb", /pg_dump/);
    expect(partialBackups(root, "local")).toHaveLength(1);
    run.child.kill("SIGTERM");
    await run.exited;
    await release();
    expect(partialBackups(root, "local")).toEqual([]);
    expect(listBackups(root, "local")).toEqual([good.name]);
    expect(lastGoodBackup(root, "local")).toEqual(good);
  }, 120_000);

  it("a run killed outright (SIGKILL) leaves a partial that never counts, and the next run removes it and says so", async (ctx) => {
    if (skip.length > 0) return ctx.skip(skip.join("; "));
    const root = join(work, "interrupted");
    const good = lastGoodBackup(root, "local")!;
    const release = await lockItems("appdb");
    const run = await scheduler("now", root, "appdb");
    await waitForLockWait("appdb", /pg_dump/);
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
