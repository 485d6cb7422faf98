import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { WAL_SUFFIX } from "../../../components/render/walArchive";
import { BASE_DIR, BaseBackup, basePrefix, listBaseBackups, takeBaseBackup } from "./baseBackup";
import { encryptingStream } from "./crypto";
import { backupName, backupTime, isBackupName } from "./manifest";
import { OffsiteConfig, OffsiteTarget, offsiteTarget } from "./offsite";
import { PgTarget, query } from "./pg";
import { exposition } from "./metrics";
import { listWal, removeWal } from "./wal";
import { planPitrRetention } from "./walRetention";

/**
 * The scheduler's part of point-in-time recovery (README "Point-in-time recovery"): a base backup
 * after every scheduled dump, pruning by `pitrRetentionDays`, and, with an off-site target,
 * every archived WAL file copied there encrypted within a minute of landing (batches named like
 * backups under `<offsite>/wal/`, base backups under `<offsite>/base/`). Remote WAL batches go
 * once they are older than the oldest kept base backup: a batch copied before a base backup
 * started holds only segments finished before its first one.
 */

export interface PitrConfig {
  readonly walDir: string;
  readonly retentionDays: number;
  readonly archiveTimeoutSeconds: number;
}

export const PITR_STATE = "pitr-state.json";

export interface PitrState {
  /** Archived WAL files already copied off-site (those still in the local archive). */
  readonly shipped: string[];
  readonly lastBase?: { readonly at: string; readonly ok: boolean; readonly error?: string };
  readonly baseFailures: number;
  readonly shipFailures: number;
  readonly lastShippedAt?: string;
  readonly lastShipError?: string;
}

export function readPitrState(root: string): PitrState {
  try {
    return JSON.parse(readFileSync(join(root, PITR_STATE), "utf8")) as PitrState;
  } catch {
    return { shipped: [], baseFailures: 0, shipFailures: 0 };
  }
}

function writePitrState(root: string, s: PitrState): void {
  const tmp = join(root, `.${PITR_STATE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  renameSync(tmp, join(root, PITR_STATE));
}

/** The off-site target for WAL or base backups: a sub-folder (SFTP) or sub-prefix (S3). */
export function pitrOffsite(config: OffsiteConfig, sub: "wal" | "base"): OffsiteTarget {
  return offsiteTarget(
    config.kind === "sftp"
      ? { ...config, path: `${config.path.replace(/\/+$/, "")}/${sub}` }
      : { ...config, prefix: config.prefix === "" ? sub : `${config.prefix}/${sub}` },
  );
}

export interface PitrRunOptions {
  readonly root: string;
  readonly prefix: string;
  readonly target: PgTarget;
  readonly passphrase?: string;
  readonly keyId?: string;
  readonly pitr: PitrConfig;
  readonly offsite?: OffsiteConfig;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

/** One base backup, its off-site copy and pruning; failures are recorded and logged, never thrown. */
export async function runBaseBackup(o: PitrRunOptions): Promise<BaseBackup | undefined> {
  const state = readPitrState(o.root);
  let base: BaseBackup | undefined;
  try {
    base = await takeBaseBackup(o);
    o.log(`base backup ${base.manifest.name} written (WAL from ${base.manifest.startWal})`);
    if (o.offsite) await pitrOffsite(o.offsite, "base").upload(base.folder, base.manifest.name);
    writePitrState(o.root, {
      ...readPitrState(o.root),
      lastBase: { at: o.now().toISOString(), ok: true },
    });
  } catch (err) {
    const error = (err as Error).message;
    o.log(
      `ERROR base backup failed: ${error}; point-in-time recovery still reaches back to the last one`,
    );
    writePitrState(o.root, {
      ...readPitrState(o.root),
      lastBase: { at: o.now().toISOString(), ok: false, error },
      baseFailures: state.baseFailures + 1,
    });
  }
  await prunePitr(o);
  return base;
}

/** Applies planPitrRetention here and off-site. */
export async function prunePitr(o: PitrRunOptions): Promise<void> {
  const state = readPitrState(o.root);
  const wal = listWal(o.pitr.walDir);
  const plan = planPitrRetention(
    listBaseBackups(o.root, o.prefix),
    wal,
    o.now(),
    o.pitr.retentionDays,
    o.offsite ? new Set(state.shipped) : undefined,
  );
  for (const b of plan.removeBases) rmSync(b.folder, { recursive: true, force: true });
  const removed = removeWal(o.pitr.walDir, plan.removeWal);
  if (plan.removeBases.length > 0 || removed.length > 0)
    o.log(
      `point-in-time retention removed ${plan.removeBases.length} base backup(s) and ${removed.length} WAL file(s) older than ${plan.oldestNeeded}`,
    );
  const present = new Set(listWal(o.pitr.walDir).map((f) => f.name));
  writePitrState(o.root, { ...state, shipped: state.shipped.filter((n) => present.has(n)) });
  if (!o.offsite || plan.keep.length === 0) return;
  // Both kinds are older than the oldest kept base backup's start when they go. Base backups off-site
  // are never newer than local ones, so a remote one older than every kept one is not needed.
  const oldestStart = new Date(plan.keep[0].manifest.startedAt);
  // A kept base backup's name carries its start in milliseconds, a hair before startedAt.
  const keep = new Set(plan.keep.map((b) => b.manifest.name));
  for (const sub of ["base", "wal"] as const) {
    const remote = pitrOffsite(o.offsite, sub);
    // Only this stack's: stacks may share the off-site folder, and another's WAL is its own history.
    const ours = sub === "base" ? basePrefix(o.prefix) : `${o.prefix}-wal`;
    try {
      for (const name of await remote.list())
        if (isBackupName(ours, name) && backupTime(name) < oldestStart && !keep.has(name))
          await remote.remove(name);
    } catch (err) {
      // A folder that does not exist yet (nothing copied there) lists as an error too.
      o.log(`pruning ${sub} off-site skipped: ${(err as Error).message}`);
    }
  }
}

/** Copies archived WAL not yet off-site, encrypted, as one batch; returns how many files. */
export async function shipWal(o: PitrRunOptions): Promise<number> {
  if (!o.offsite) return 0;
  const state = readPitrState(o.root);
  const shipped = new Set(state.shipped);
  const fresh = listWal(o.pitr.walDir).filter((f) => !shipped.has(f.name));
  if (fresh.length === 0) return 0;
  const name = backupName(`${o.prefix}-wal`, o.now());
  const staging = join(o.root, BASE_DIR, `.${name}.staging`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    for (const f of fresh) {
      const src = join(o.pitr.walDir, `${f.name}${WAL_SUFFIX}`);
      if (!existsSync(src)) continue;
      const suffix = o.passphrase !== undefined ? ".enc" : "";
      await pipeline([
        createReadStream(src),
        ...(o.passphrase !== undefined ? [await encryptingStream(o.passphrase)] : []),
        createWriteStream(join(staging, `${f.name}${WAL_SUFFIX}${suffix}`), { mode: 0o600 }),
      ]);
    }
    await pitrOffsite(o.offsite, "wal").upload(staging, name);
    writePitrState(o.root, {
      ...readPitrState(o.root),
      shipped: [...state.shipped, ...fresh.map((f) => f.name)],
      lastShippedAt: o.now().toISOString(),
      lastShipError: undefined,
    });
    return fresh.length;
  } catch (err) {
    const message = (err as Error).message;
    o.log(
      `ERROR copying ${fresh.length} WAL file(s) off-site failed: ${message}; they stay in the local archive`,
    );
    writePitrState(o.root, {
      ...readPitrState(o.root),
      shipFailures: state.shipFailures + 1,
      lastShipError: message,
    });
    return 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The archiver's state as Postgres reports it (pg_stat_archiver, pg_ls_archive_statusdir). */
export interface ArchiverStatus {
  readonly archivedCount: number;
  readonly failedCount: number;
  readonly lastArchivedAt: Date | undefined;
  readonly lastFailedAt: Date | undefined;
  /** Segments finished but not yet archived. */
  readonly pending: number;
  /** Seconds since the last archived segment while any is pending; 0 when none is. */
  readonly lagSeconds: number;
}

export async function archiverStatus(target: PgTarget): Promise<ArchiverStatus> {
  const [[archived, failed, lastOk, lastFail, pending, lag]] = await query(
    target,
    `select archived_count, failed_count,
       coalesce(extract(epoch from last_archived_time), 0), coalesce(extract(epoch from last_failed_time), 0),
       (select count(*) from pg_ls_archive_statusdir() where name like '%.ready'),
       case when exists (select 1 from pg_ls_archive_statusdir() where name like '%.ready')
         then extract(epoch from now() - coalesce(last_archived_time, stats_reset)) else 0 end
     from pg_stat_archiver`,
  );
  const at = (s: string) => (Number(s) > 0 ? new Date(Number(s) * 1000) : undefined);
  return {
    archivedCount: Number(archived),
    failedCount: Number(failed),
    lastArchivedAt: at(lastOk),
    lastFailedAt: at(lastFail),
    pending: Number(pending),
    lagSeconds: Math.max(0, Number(lag)),
  };
}

/** Prometheus text for the alerts in components/render/prometheus.ts; names in the README. */
export function renderPitrMetrics(s: {
  archiver: ArchiverStatus | undefined;
  archiveTimeoutSeconds: number;
  bases: readonly BaseBackup[];
  state: PitrState;
  offsiteConfigured: boolean;
}): string {
  const t = (d: Date | string | undefined) => (d === undefined ? 0 : new Date(d).getTime() / 1000);
  const a = s.archiver;
  const newest = s.bases[s.bases.length - 1];
  const rows: [string, string, string, number][] = [
    ["ownstack_pitr_archiver_up", "gauge", "1 if pg_stat_archiver could be read.", a ? 1 : 0],
    [
      "ownstack_pitr_archived_total",
      "counter",
      "WAL files archived (pg_stat_archiver).",
      a?.archivedCount ?? 0,
    ],
    [
      "ownstack_pitr_archive_failed_total",
      "counter",
      "Failed archive attempts (pg_stat_archiver).",
      a?.failedCount ?? 0,
    ],
    [
      "ownstack_pitr_last_archived_timestamp_seconds",
      "gauge",
      "When the last WAL file was archived.",
      t(a?.lastArchivedAt),
    ],
    [
      "ownstack_pitr_last_failed_timestamp_seconds",
      "gauge",
      "When archiving last failed (0: never).",
      t(a?.lastFailedAt),
    ],
    [
      "ownstack_pitr_archive_pending_segments",
      "gauge",
      "Finished WAL segments not archived yet.",
      a?.pending ?? 0,
    ],
    [
      "ownstack_pitr_archive_lag_seconds",
      "gauge",
      "Seconds the oldest pending segment has waited (0: none pending).",
      a?.lagSeconds ?? 0,
    ],
    [
      "ownstack_pitr_archive_timeout_seconds",
      "gauge",
      "archive_timeout: the recovery point objective while the archiver keeps up.",
      s.archiveTimeoutSeconds,
    ],
    ["ownstack_pitr_base_backups", "gauge", "Base backups kept on this machine.", s.bases.length],
    [
      "ownstack_pitr_last_base_backup_timestamp_seconds",
      "gauge",
      "When the newest base backup finished (0: none).",
      t(newest?.manifest.finishedAt),
    ],
    [
      "ownstack_pitr_base_backup_failures_total",
      "counter",
      "Failed base backups.",
      s.state.baseFailures,
    ],
    [
      "ownstack_pitr_offsite_configured",
      "gauge",
      "1 if WAL is copied off-site.",
      s.offsiteConfigured ? 1 : 0,
    ],
    [
      "ownstack_pitr_offsite_last_success_timestamp_seconds",
      "gauge",
      "When WAL was last copied off-site (0: never).",
      t(s.state.lastShippedAt),
    ],
    [
      "ownstack_pitr_offsite_failures_total",
      "counter",
      "Failed off-site WAL copies.",
      s.state.shipFailures,
    ],
  ];
  return exposition(rows);
}
