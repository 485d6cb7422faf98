import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { WAL_SUFFIX } from "../../../components/render/walArchive";

/**
 * The WAL archive folder as components/render/walArchive.ts's archive_command fills it: one
 * `<file>.gz` per archived file, where a file is a segment (`TTTTTTTTLLLLLLLLSSSSSSSS`: timeline,
 * log, segment in hex), a timeline history (`TTTTTTTT.history`), a backup history
 * (`<segment>.<offset>.backup`) or the last segment of a timeline left by a promotion
 * (`<segment>.partial`). Names and ordering as in
 * https://www.postgresql.org/docs/current/continuous-archiving.html and pg_archivecleanup.
 */

export type WalKind = "segment" | "history" | "backup" | "partial";

export interface WalFile {
  /** The name Postgres archived (without .gz). */
  readonly name: string;
  readonly kind: WalKind;
  /** When it landed in the archive. */
  readonly archivedAt: Date;
  readonly bytes: number;
}

const SEGMENT = /^[0-9A-F]{24}$/;
const KINDS: [RegExp, WalKind][] = [
  [SEGMENT, "segment"],
  [/^[0-9A-F]{8}\.history$/, "history"],
  [/^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/, "backup"],
  [/^[0-9A-F]{24}\.partial$/, "partial"],
];

export function walKind(name: string): WalKind | undefined {
  return KINDS.find(([re]) => re.test(name))?.[1];
}

/** Archived files, oldest name first; unfinished copies (`.<name>.partial`) are not listed. */
export function listWal(dir: string): WalFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(WAL_SUFFIX) && !n.startsWith("."))
    .flatMap((file) => {
      const name = file.slice(0, -WAL_SUFFIX.length);
      const kind = walKind(name);
      if (kind === undefined) return [];
      const st = statSync(join(dir, file));
      return [{ name, kind, archivedAt: st.mtime, bytes: st.size }];
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** When the newest segment was archived: WAL up to about then is recoverable. */
export function lastArchivedAt(files: readonly WalFile[]): Date | undefined {
  let last: Date | undefined;
  for (const f of files)
    if ((f.kind === "segment" || f.kind === "partial") && (!last || f.archivedAt > last))
      last = f.archivedAt;
  return last;
}

/** `16/B374D848` as a 64-bit number. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not a WAL location: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** The segment file holding `lsn` on `timeline` (XLogFileName in Postgres's xlog_internal.h). */
export function segmentName(timeline: number, lsn: string, segmentBytes: number): string {
  const segno = parseLsn(lsn) / BigInt(segmentBytes);
  const perLog = 0x1_0000_0000n / BigInt(segmentBytes);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(timeline)}${hex(segno / perLog)}${hex(segno % perLog)}`;
}

/**
 * What pg_archivecleanup would remove for `oldestNeeded` (a segment name): segments, backup
 * histories and partial segments whose log and segment number come before it, on any timeline
 * (the last 16 hex digits, as pg_archivecleanup compares them). Timeline histories are tiny and
 * every later recovery needs them, so they stay.
 */
export function walBefore(files: readonly WalFile[], oldestNeeded: string): WalFile[] {
  if (!SEGMENT.test(oldestNeeded)) throw new Error(`not a WAL segment name: ${oldestNeeded}`);
  const cut = oldestNeeded.slice(8);
  return files.filter((f) => f.kind !== "history" && f.name.slice(8, 24) < cut);
}

/** Removes files from the archive folder; returns their names. */
export function removeWal(dir: string, files: readonly WalFile[]): string[] {
  for (const f of files) rmSync(join(dir, `${f.name}${WAL_SUFFIX}`), { force: true });
  return files.map((f) => f.name);
}
