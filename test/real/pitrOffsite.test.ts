import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_DIR, BASE_MANIFEST, basePrefix } from "../../scripts/lib/backup/baseBackup";
import { decryptFile, isAgeFile } from "../../scripts/lib/backup/crypto";
import { backupName } from "../../scripts/lib/backup/manifest";
import { urlTarget } from "../../scripts/lib/backup/pg";
import {
  PitrRunOptions,
  prunePitr,
  readPitrState,
  shipWal,
} from "../../scripts/lib/backup/pitrSchedule";
import { listWal, segmentName } from "../../scripts/lib/backup/wal";
import { SSHD, Sshd, startSshd } from "../support/sshd";
import { noteSkip } from "../support/binaries";

/**
 * Archived WAL goes off-site encrypted, to a real OpenSSH SFTP server, and local WAL is pruned
 * only once it is there and no kept base backup needs it. No Postgres: shipping and pruning work
 * on the archive folder's files (the PITR test covers what Postgres writes into it).
 */

let sshd: Sshd | undefined;
beforeAll(async () => {
  if (existsSync(SSHD)) sshd = await startSshd();
  else if (process.env.CI === "true")
    throw new Error(`CI needs ${SSHD}; .ci/run installs Debian's openssh-server`);
  else
    noteSkip(
      "WAL off-site copy",
      `${SSHD} missing (apt-get install openssh-server)`,
      "openssh-server",
    );
}, 120_000);
afterAll(async () => sshd?.stop());

const MiB16 = 16 * 1024 * 1024;
const seg = (n: number) => segmentName(1, `0/${(n * MiB16).toString(16)}`, MiB16);
const KEY = "pitr-offsite-test-key-0123456789abcdef";

describe("WAL off-site copy over SFTP", () => {
  const work = mkdtempSync(join(tmpdir(), "ownstack-pitr-offsite-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const root = join(work, "backups");
  const walDir = join(work, "wal");
  let clock = new Date("2026-12-05T14:00:00Z");
  const logs: string[] = [];
  const options = (): PitrRunOptions => ({
    root,
    prefix: "local",
    // Not reached: shipping and pruning read files only.
    target: urlTarget("postgres://nobody@127.0.0.1:1/postgres"),
    passphrase: KEY,
    pitr: { walDir, retentionDays: 7, archiveTimeoutSeconds: 60 },
    offsite: {
      kind: "sftp",
      host: "127.0.0.1",
      port: sshd!.port,
      user: sshd!.user,
      path: sshd!.dir,
      privateKey: sshd!.clientKey,
      hostKey: sshd!.hostKey,
    },
    now: () => clock,
    log: (l) => logs.push(l),
  });
  const archive = (n: number) => writeFileSync(join(walDir, `${seg(n)}.gz`), randomBytes(2048));

  it("copies every archived file once, encrypted, as one batch per run", async (ctx) => {
    if (!sshd) return ctx.skip();
    mkdirSync(root, { recursive: true });
    mkdirSync(walDir, { recursive: true });
    for (const n of [1, 2, 3, 4, 5]) archive(n);
    expect(await shipWal(options())).toBe(5);
    clock = new Date("2026-12-05T14:01:00Z");
    archive(6);
    expect(await shipWal(options())).toBe(1);
    expect(await shipWal(options())).toBe(0);

    const remote = join(sshd.dir, "wal");
    const batches = readdirSync(remote).sort();
    expect(batches).toEqual([
      backupName("local-wal", new Date("2026-12-05T14:00:00Z")),
      backupName("local-wal", new Date("2026-12-05T14:01:00Z")),
    ]);
    expect(readdirSync(join(remote, batches[1]))).toEqual([`${seg(6)}.gz.enc`]);
    const plain = join(work, "decrypted");
    // Shipped WAL is an age file like every backup file, so `age -d` reads it too.
    expect(isAgeFile(join(remote, batches[0], `${seg(3)}.gz.enc`))).toBe(true);
    await decryptFile(join(remote, batches[0], `${seg(3)}.gz.enc`), plain, KEY);
    expect(readFileSync(plain).equals(readFileSync(join(walDir, `${seg(3)}.gz`)))).toBe(true);
    expect(readPitrState(root).shipped).toHaveLength(6);
  });

  it("prunes WAL before the oldest kept base backup, here and off-site, and keeps what it needs and other stacks' files", async (ctx) => {
    if (!sshd) return ctx.skip();
    const name = backupName(basePrefix("local"), new Date("2026-12-05T14:00:30Z"));
    mkdirSync(join(root, BASE_DIR, name), { recursive: true });
    writeFileSync(
      join(root, BASE_DIR, name, BASE_MANIFEST),
      JSON.stringify({
        format: "ownstack-basebackup/1",
        name,
        startedAt: "2026-12-05T14:00:30.000000Z",
        finishedAt: "2026-12-05T14:00:40.000000Z",
        timeline: 1,
        startLsn: `0/${(6 * MiB16 + 0x28).toString(16)}`,
        endLsn: `0/${(6 * MiB16 + 0x100).toString(16)}`,
        startWal: seg(6),
        walSegmentBytes: MiB16,
        serverVersion: "15.18",
        file: { name: "base.tar.enc", bytes: 0, sha256: "" },
        encrypted: true,
      }),
    );
    archive(7); // archived, not yet off-site
    // Another stack's older WAL and base backup in the same off-site folder are its own history.
    const otherWal = backupName("vps-wal", new Date("2026-12-01T00:00:00Z"));
    const otherBase = backupName(basePrefix("vps"), new Date("2026-12-01T00:00:00Z"));
    mkdirSync(join(sshd.dir, "wal", otherWal), { recursive: true });
    mkdirSync(join(sshd.dir, "base", otherBase), { recursive: true });
    await prunePitr(options());
    expect(readdirSync(join(sshd.dir, "base"))).toEqual([otherBase]);
    expect(listWal(walDir).map((f) => f.name)).toEqual([6, 7].map(seg));
    // The 14:00 batch was copied before the base backup started, so it only holds older segments.
    expect(readdirSync(join(sshd.dir, "wal")).sort()).toEqual([
      backupName("local-wal", new Date("2026-12-05T14:01:00Z")),
      otherWal,
    ]);
    expect(readPitrState(root).shipped).toEqual([seg(6)]);
  });
});
