import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeBackup, scratch as tmp } from "../support/backupFolder";
import { ScriptRun, runScript } from "../support/project";

const ROOT = resolve(__dirname, "../..");

describe("npm run backup / restore: bad input is one line and changes nothing", () => {
  const run = (script: string, args: string[]) =>
    runScript(script, args, {
      env: { ...process.env, INIT_CWD: tmpdir(), OWNSTACK_BACKUP_PASSPHRASE: "" },
    });
  // Refused before anything changed: exit 2 (scripts/lib/errors.ts).
  const oneLine = async (pending: Promise<ScriptRun>, pattern: RegExp) => {
    const r = await pending;
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(pattern)]);
  };

  it("an unknown stack", async () => {
    await oneLine(
      run("backup", ["-s", "prod"]),
      /^backup: unknown stack "prod"; known stacks: .*local.*vps/,
    );
    await oneLine(
      run("restore", [tmpdir(), "-s", "prod"]),
      /^restore: unknown stack "prod"; known stacks: .*local.*vps/,
    );
  });

  it("--out to an unwritable path", async () => {
    const dir = tmp("out");
    writeFileSync(join(dir, "file"), "x");
    await oneLine(
      run("backup", ["-s", "local", "--out", join(dir, "file", "backups")]),
      /^backup: cannot write backups to .*file\/backups: .*file is not a folder; nothing was backed up$/,
    );
    expect(readdirSync(dir)).toEqual(["file"]);
  });

  it("a missing backup folder", async () => {
    await oneLine(
      run("restore", [join(tmpdir(), "ownstack-no-such-backup"), "-s", "local"]),
      /^restore: backup folder .*ownstack-no-such-backup not found; nothing was restored$/,
    );
  });

  it("a checksum mismatch, found before the stack is even asked", async () => {
    const folder = await fakeBackup(tmp("cli"), "local-2026-03-01T10-00-00.000Z");
    writeFileSync(join(folder, "db.dump"), "PGDMP not really a dumq");
    await oneLine(
      run("restore", [folder, "-s", "local"]),
      /^restore: checksum mismatch in db\.dump \(sha256 .*\); the backup is damaged, nothing was restored$/,
    );
  });

  it("an encrypted backup without a passphrase", async () => {
    const folder = await fakeBackup(tmp("cli"), "local-2026-03-01T10-00-00.000Z", true);
    await oneLine(
      run("restore", [folder, "--db-url", "postgres://x@127.0.0.1:1/x"]),
      /^restore: this backup is encrypted: set OWNSTACK_BACKUP_PASSPHRASE or pass --passphrase-file <file>; nothing was restored$/,
    );
  });

  it("nothing to back up or restore into", async () => {
    const backups = join(ROOT, "backups");
    const before = existsSync(backups) ? readdirSync(backups).sort() : [];
    await oneLine(run("backup", []), /^backup: say what to back up: -s <stack>, or --db-url/);
    await oneLine(
      run("restore", [tmpdir()]),
      /^restore: say where to restore: -s <stack>, or --db-url/,
    );
    expect(existsSync(backups) ? readdirSync(backups).sort() : []).toEqual(before);
  });

  it("--from-offsite with a name that is not a backup's, or beside a folder", async () => {
    await oneLine(
      run("restore", ["--from-offsite", "lastweek", "-s", "local"]),
      /^restore: --from-offsite takes "newest" or a backup name of stack local, e\.g\. local-2026-12-05T03-17-00\.000Z \(list them with --list-offsite\); got "lastweek"$/,
    );
    await oneLine(
      run("restore", [tmpdir(), "--from-offsite", "newest", "-s", "local"]),
      /^restore: --from-offsite and --list-offsite fetch through a stack's backup scheduler: pass -s <stack>, and no backup folder, --db-url or --to$/,
    );
  });
});
