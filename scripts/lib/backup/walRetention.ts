import type { BaseManifest } from "./baseBackup";
import { WalFile, walBefore } from "./wal";

/**
 * Which base backups and archived WAL point-in-time recovery keeps (`pitrRetentionDays`): every
 * base backup finished within the window, plus the newest one finished before it (so the
 * window's first instant stays recoverable), and always the newest. WAL goes only when it is
 * older than the oldest kept base backup's first segment, so no kept base backup ever loses WAL
 * it replays; with an off-site copy, only once that WAL is off-site too.
 */

export interface PitrRetentionPlan<B extends { readonly manifest: BaseManifest }> {
  readonly keep: B[];
  readonly removeBases: B[];
  readonly removeWal: WalFile[];
  /** The first segment any kept base backup needs (undefined: no base backup, nothing removed). */
  readonly oldestNeeded: string | undefined;
}

export function planPitrRetention<B extends { readonly manifest: BaseManifest }>(
  bases: readonly B[],
  wal: readonly WalFile[],
  now: Date,
  retentionDays: number,
  /** With an off-site copy: the WAL files already copied there. */
  shipped?: ReadonlySet<string>,
): PitrRetentionPlan<B> {
  const sorted = [...bases].sort((a, b) =>
    a.manifest.finishedAt < b.manifest.finishedAt ? -1 : 1,
  );
  const windowStart = now.getTime() - retentionDays * 86_400_000;
  const inside = sorted.filter((b) => new Date(b.manifest.finishedAt).getTime() >= windowStart);
  const before = sorted.filter((b) => new Date(b.manifest.finishedAt).getTime() < windowStart);
  const keep = [...before.slice(-1), ...inside];
  const removeBases = sorted.filter((b) => !keep.includes(b));
  if (keep.length === 0) return { keep, removeBases, removeWal: [], oldestNeeded: undefined };
  // Timelines only grow, and every kept base backup needs WAL from its own start onwards.
  const oldestNeeded = keep
    .map((b) => b.manifest.startWal)
    .reduce((a, b) => (a.slice(8) <= b.slice(8) ? a : b));
  let removeWal = walBefore(wal, oldestNeeded);
  if (shipped !== undefined) removeWal = removeWal.filter((f) => shipped.has(f.name));
  return { keep, removeBases, removeWal, oldestNeeded };
}
