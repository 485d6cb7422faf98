import { execFile } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { schedulerBundle } from "../../components/backup";
import { SCHEDULER_ENV } from "../../scripts/lib/backup/schedulerEnv";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrill } from "../../scripts/lib/backup/drill";
import { OffsiteConfig, copyOffsite, offsiteTarget } from "../../scripts/lib/backup/offsite";
import { fetchOffsite, remoteBackups } from "../../scripts/lib/backup/offsiteFetch";
import { runBackup } from "../../scripts/lib/backup/run";
import { S3Client } from "../../scripts/lib/backup/s3";
import { fakeBackup, filesOf, scratch } from "../support/backupFolder";
import { useBackupServer } from "../support/backupServer";
import { skipOutsideCi } from "../support/binaries";
import { S3Server, startS3rver } from "../support/s3rver";
import { SSHD, Sshd, startSshd } from "../support/sshd";

/**
 * The way back from the off-site copy: a real backup of a real Postgres goes to a real OpenSSH
 * SFTP server and a real S3 server (s3rver) on loopback the way the scheduler sends it, comes back
 * through fetchOffsite (what `npm run restore -- --from-offsite` runs in the scheduler) byte for
 * byte, and a drill restores the fetched copy with the manifest's row counts. A damaged remote file
 * is refused and leaves no folder behind.
 */

const db = useBackupServer("restore from the off-site copy", "ownstack-offsite-fetch-");
const PASSPHRASE = "offsite-fetch-test-key-0123456789abcdef";
let sshd: Sshd | undefined;
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver();
  if (existsSync(SSHD)) sshd = await startSshd();
  else
    skipOutsideCi(
      "restore from SFTP",
      `${SSHD} (apt-get install openssh-server)`,
      "openssh-server",
    );
}, 120_000);
afterAll(async () => {
  await sshd?.stop();
  await s3?.stop();
});

const work = scratch("offsite-fetch");
const targets: [string, () => OffsiteConfig | string][] = [
  [
    "SFTP",
    () =>
      sshd
        ? {
            kind: "sftp",
            host: "127.0.0.1",
            port: sshd.port,
            user: sshd.user,
            path: join(sshd.dir, "fetch"),
            privateKey: sshd.clientKey,
            hostKey: sshd.hostKey,
          }
        : `${SSHD} missing`,
  ],
  ["S3", () => ({ kind: "s3", bucket: s3.bucket, prefix: "fetch", endpoint: s3.endpoint })],
];

/** Replaces one file of a remote backup with other bytes, behind the client's back. */
async function damage(config: OffsiteConfig, name: string, file: string): Promise<void> {
  const bytes = join(work, "damaged");
  writeFileSync(bytes, "not the bytes the manifest recorded");
  if (config.kind === "sftp") writeFileSync(join(config.path, name, file), "not the bytes");
  else
    await new S3Client(s3.endpoint).putFile(s3.bucket, `${config.prefix}/${name}/${file}`, bytes);
}

let real: { name: string; folder: string } | undefined;
const backups = join(work, "backups");

describe.each(targets)("a backup off-site over %s comes back", (kind, configOf) => {
  const fetched = join(work, `fetched-${kind}`);

  it("the newest of its stack, byte-identical, and a drill of it matches the manifest", async (ctx) => {
    if (db.skipReason) return ctx.skip(db.skipReason);
    const config = configOf();
    if (typeof config === "string") return ctx.skip(config);
    if (!real) {
      await db.sql(
        "postgres",
        "create table public.notes (id int primary key, body text); insert into public.notes select g, 'note ' || g from generate_series(1, 25) g",
      );
      const r = await runBackup({
        root: backups,
        prefix: "local",
        stack: "local",
        target: db.target("postgres"),
        passphrase: PASSPHRASE,
        keep: 5,
      });
      real = { name: r.folder.split("/").pop()!, folder: r.folder };
    }
    const target = offsiteTarget(config);
    // An older backup of the stack and a newer one of another stack share the remote folder.
    await fakeBackup(backups, "local-2026-01-01T03-17-00.000Z", true);
    await fakeBackup(backups, "vps-2099-01-01T03-17-00.000Z", true);
    for (const n of ["local-2026-01-01T03-17-00.000Z", "vps-2099-01-01T03-17-00.000Z", real.name])
      await copyOffsite(target, backups, n, { daily: 30 });
    expect(await remoteBackups(target, "local")).toEqual([
      real.name,
      "local-2026-01-01T03-17-00.000Z",
    ]);

    const got = await fetchOffsite(target, fetched, "local");
    expect(got).toEqual({ name: real.name, folder: join(fetched, real.name), downloaded: true });
    expect(filesOf(got.folder)).toEqual(filesOf(real.folder));
    expect(readdirSync(fetched)).toEqual([real.name]);

    const report = await runDrill({
      folder: got.folder,
      server: db.target("postgres"),
      passphrase: PASSPHRASE,
    });
    expect(report).toMatchObject({ ok: true, tableMismatches: [] });
    expect(report.tables).toBeGreaterThanOrEqual(1);

    // A checked copy already there is used as it is.
    expect((await fetchOffsite(target, fetched, "local", real.name)).downloaded).toBe(false);
  });

  it("an unknown name is refused naming what is there; a damaged file leaves nothing", async (ctx) => {
    if (db.skipReason || !real) return ctx.skip(db.skipReason ?? "no backup made");
    const config = configOf();
    if (typeof config === "string") return ctx.skip(config);
    const target = offsiteTarget(config);
    await expect(
      fetchOffsite(target, fetched, "local", "local-2026-02-02T03-17-00.000Z"),
    ).rejects.toThrow(
      `holds no backup local-2026-02-02T03-17-00.000Z; the newest there: ${real.name}, local-2026-01-01T03-17-00.000Z`,
    );
    await expect(fetchOffsite(target, fetched, "staging")).rejects.toThrow(
      "holds no backup of stack staging",
    );

    await damage(config, real.name, "db.dump.enc");
    const elsewhere = join(work, `damaged-${kind}`);
    await expect(fetchOffsite(target, elsewhere, "local")).rejects.toThrow(
      new RegExp(
        `the off-site copy of ${real.name} at .* is damaged: checksum mismatch in db\\.dump\\.enc \\(\\d+ bytes, expected \\d+\\)$`,
      ),
    );
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe("the bundled scheduler's off-site commands (what restore --from-offsite runs in the container)", () => {
  const root = join(work, "scheduler-volume");
  /** The file the container runs, with the env components/backup.ts gives it (S3 off-site). */
  const scheduler = async (...args: string[]) => {
    const file = join(work, "backup-scheduler.js");
    if (!existsSync(file)) writeFileSync(file, await schedulerBundle());
    const u = new URL(db.server.url("postgres"));
    return promisify(execFile)(process.execPath, [file, ...args], {
      env: {
        PATH: `${db.server.binDir ?? ""}:${process.env.PATH}`,
        [SCHEDULER_ENV.stack]: "local",
        OWNSTACK_BACKUP_DIR: root,
        OWNSTACK_BACKUP_PASSPHRASE: PASSPHRASE,
        [SCHEDULER_ENV.offsite]: `s3://${s3.bucket}/bundled`,
        [SCHEDULER_ENV.s3Endpoint]: s3.endpoint.endpoint,
        [SCHEDULER_ENV.s3Region]: s3.endpoint.region,
        [SCHEDULER_ENV.s3AccessKeyId]: s3.endpoint.accessKeyId,
        [SCHEDULER_ENV.s3SecretAccessKey]: s3.endpoint.secretAccessKey,
        PGHOST: u.hostname,
        PGPORT: u.port,
        PGUSER: decodeURIComponent(u.username),
        PGPASSWORD: decodeURIComponent(u.password),
        PGDATABASE: "postgres",
      },
    });
  };

  it("lists, drills the newest without leaving a copy, and fetches one into fetched/", async (ctx) => {
    if (db.skipReason || !real) return ctx.skip(db.skipReason ?? "no backup made");
    const target = offsiteTarget({
      kind: "s3",
      bucket: s3.bucket,
      prefix: "bundled",
      endpoint: s3.endpoint,
    });
    await copyOffsite(target, backups, real.name, { daily: 30 });

    const list = await scheduler("offsite-list");
    expect(list.stdout.split("\n")).toEqual([
      `1 backup(s) of local at s3://${s3.bucket}/bundled at ${s3.endpoint.endpoint}`,
      `  ${real.name}`,
      "",
    ]);

    const drill = await scheduler("drill", "--offsite");
    expect(drill.stdout).toContain(`fetched ${real.name} from s3://${s3.bucket}/bundled`);
    expect(drill.stdout).toMatch(/drill passed/i);
    expect(readdirSync(join(root, "fetched"))).toEqual([]);

    const fetch = await scheduler("offsite-fetch", real.name);
    const folder = join(root, "fetched", real.name);
    expect(JSON.parse(fetch.stdout.trim().split("\n").pop()!)).toEqual({
      name: real.name,
      folder,
      downloaded: true,
    });
    expect(filesOf(folder)).toEqual(filesOf(real.folder));
    // The scheduler's own retention never sees it: it is not a backup of root.
    expect(readdirSync(root).filter((n) => n.startsWith("local-"))).toEqual([]);
  });
});
