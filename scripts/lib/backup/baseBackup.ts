import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { OperatorError, firstErrorLine } from "../operatorError";
import { removeOnExit } from "./cleanup";
import { encryptingStream } from "./crypto";
import { backupName, isBackupName } from "./manifest";
import { PgTarget, query } from "./pg";
import { segmentName } from "./wal";

/**
 * Base backups for point-in-time recovery: `pg_basebackup -Ft -X fetch -D -` (a tar of the data
 * directory with the WAL it needs to be consistent), encrypted like every backup file, with a
 * manifest recording the WAL range and the server's clock before and after. The clock after is
 * a little later than the backup's true end, so a recovery target at or after it is always past
 * the consistent point. Folders: `<root>/pitr/<prefix>-base-<time>/`.
 */

export const BASE_DIR = "pitr";
export const BASE_MANIFEST = "base.json";
const BASE_FORMAT = "ownstack-basebackup/1";

export const baseManifestSchema = z.object({
  format: z.literal(BASE_FORMAT),
  name: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  timeline: z.number().int().positive(),
  startLsn: z.string(),
  endLsn: z.string(),
  /** The first segment recovery reads: WAL before it is not needed by this backup. */
  startWal: z.string(),
  walSegmentBytes: z.number().int().positive(),
  serverVersion: z.string(),
  file: z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() }),
  encrypted: z.boolean(),
  keyId: z.string().optional(),
});
export type BaseManifest = z.infer<typeof baseManifestSchema>;

export interface BaseBackup {
  readonly folder: string;
  readonly manifest: BaseManifest;
}

/** Base backups are named like the dump backups (manifest.ts), with `-base` after the prefix. */
export const basePrefix = (prefix: string): string => `${prefix}-base`;

/** Complete base backups (with a readable manifest), oldest first. */
export function listBaseBackups(root: string, prefix: string): BaseBackup[] {
  const dir = join(root, BASE_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => isBackupName(basePrefix(prefix), n))
    .sort()
    .flatMap((n) => {
      try {
        const manifest = baseManifestSchema.parse(
          JSON.parse(readFileSync(join(dir, n, BASE_MANIFEST), "utf8")),
        );
        return [{ folder: join(dir, n), manifest }];
      } catch {
        return [];
      }
    });
}

/** The server's clock, in ISO 8601 with microseconds: what recovery_target_time compares with. */
export async function serverNow(target: PgTarget): Promise<string> {
  return (
    await query(target, `select to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)
  )[0][0];
}

export interface BaseBackupOptions {
  readonly root: string;
  readonly prefix: string;
  /** A replication login on the server (pg_basebackup reads PGHOST/PGUSER/PGPASSWORD). */
  readonly target: PgTarget;
  readonly passphrase?: string;
  readonly keyId?: string;
}

/** Takes one base backup into a hidden folder and renames it once the manifest is written. */
export async function takeBaseBackup(o: BaseBackupOptions): Promise<BaseBackup> {
  const [[serverVersion, segBytes]] = await query(
    o.target,
    "select current_setting('server_version'), current_setting('wal_segment_size', true)",
  );
  const startedAt = await serverNow(o.target);
  const name = backupName(basePrefix(o.prefix), new Date(startedAt));
  const dir = join(o.root, BASE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const partial = join(dir, `.${name}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  const release = removeOnExit(partial);
  try {
    const file = o.passphrase !== undefined ? "base.tar.enc" : "base.tar";
    const hash = createHash("sha256");
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const c = o.target.command("pg_basebackup", [
      "-D",
      "-",
      "-F",
      "t",
      "-X",
      "fetch",
      "-c",
      "fast",
      "-v",
      "--no-manifest",
      `--label=ownstack ${name}`,
    ]);
    const child = spawn(c.cmd, [...c.args], {
      // The WAL range is read from its messages in English; the db image sets LC_ALL.
      env: { ...process.env, ...c.env, LC_ALL: "C", LC_MESSAGES: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString("utf8")));
    const exited = new Promise<number>((ok, fail) => {
      child.once("error", fail);
      child.once("close", (code) => ok(code ?? 1));
    });
    await pipeline([
      child.stdout,
      ...(o.passphrase !== undefined ? [await encryptingStream(o.passphrase)] : []),
      count,
      createWriteStream(join(partial, file), { mode: 0o600 }),
    ]);
    if ((await exited) !== 0)
      throw new OperatorError(`pg_basebackup failed: ${firstErrorLine(log)}`);
    const start = /write-ahead log start point: (\S+) on timeline (\d+)/.exec(log);
    const end = /write-ahead log end point: (\S+)/.exec(log);
    if (!start || !end)
      throw new OperatorError(`pg_basebackup did not report its WAL range: ${firstErrorLine(log)}`);
    const walSegmentBytes = parseSegmentSize(segBytes);
    const manifest: BaseManifest = {
      format: BASE_FORMAT,
      name,
      startedAt,
      finishedAt: await serverNow(o.target),
      timeline: Number(start[2]),
      startLsn: start[1],
      endLsn: end[1],
      startWal: segmentName(Number(start[2]), start[1], walSegmentBytes),
      walSegmentBytes,
      serverVersion,
      file: { name: file, bytes, sha256: hash.digest("hex") },
      encrypted: o.passphrase !== undefined,
      ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
    };
    writeFileSync(join(partial, BASE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    renameSync(partial, join(dir, name));
    release({ keep: true });
    return { folder: join(dir, name), manifest };
  } catch (err) {
    release();
    throw err;
  }
}

/** `16MB` (show wal_segment_size) in bytes. */
export function parseSegmentSize(text: string): number {
  const m = /^(\d+)\s*(kB|MB|GB)?$/.exec(text.trim());
  if (!m) throw new Error(`unexpected wal_segment_size ${text}`);
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}
