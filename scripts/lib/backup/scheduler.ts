import { existsSync, readFileSync, renameSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listBackups, readManifest } from "./manifest";
import { OffsiteTarget, copyOffsite } from "./offsite";
import { Retention } from "../../../config/backupRetention";
import { exposition } from "./metrics";
import { PitrRunOptions, runBaseBackup, shipWal } from "./pitrSchedule";
import { BackupOptions, runBackup } from "./run";
import { Schedule, longestGapSeconds, nextRun } from "../../../config/backupSchedule";

/**
 * The backup scheduler that runs inside the stack: waits for the next run of `backupSchedule`,
 * takes a backup (./run.ts), copies it off-site, prunes by `backupRetention`, and keeps what
 * Prometheus and `npm run doctor` read. Clock and sleep are passed in, so tests drive it with a
 * fake clock. A machine that was off at the scheduled time (a desktop at night) catches up: when
 * the newest good backup is older than the longest gap of the schedule, a run starts at once.
 */

export const STATE_FILE = "scheduler-state.json";

export interface SchedulerState {
  readonly lastAttempt?: {
    readonly at: string;
    readonly ok: boolean;
    readonly seconds: number;
    readonly error?: string;
  };
  readonly failures: number;
  readonly offsite?: {
    readonly lastSuccessAt?: string;
    readonly lastError?: string;
    readonly lastErrorAt?: string;
    readonly failures: number;
  };
}

export interface LastGood {
  readonly name: string;
  readonly at: Date;
  readonly bytes: number;
}

/** The newest complete backup in `root`: its time and the bytes of its files. */
export function lastGoodBackup(root: string, prefix: string): LastGood | undefined {
  for (const name of listBackups(root, prefix)) {
    try {
      const m = readManifest(join(root, name));
      return { name, at: new Date(m.createdAt), bytes: m.files.reduce((n, f) => n + f.bytes, 0) };
    } catch {
      // A damaged folder is not a good backup; look further back.
    }
  }
  return undefined;
}

export function retainedBytes(root: string, prefix: string): { count: number; bytes: number } {
  let bytes = 0;
  const names = listBackups(root, prefix);
  for (const name of names) {
    try {
      bytes += readManifest(join(root, name)).files.reduce((n, f) => n + f.bytes, 0);
    } catch {
      bytes += 0;
    }
  }
  return { count: names.length, bytes };
}

export function readState(root: string): SchedulerState {
  const file = join(root, STATE_FILE);
  if (!existsSync(file)) return { failures: 0 };
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SchedulerState;
  } catch {
    return { failures: 0 };
  }
}

function writeState(root: string, state: SchedulerState): void {
  const tmp = join(root, `.${STATE_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, join(root, STATE_FILE));
}

export interface SchedulerOptions {
  readonly schedule: Schedule;
  readonly retention: Retention;
  readonly backup: Omit<BackupOptions, "keep" | "now">;
  readonly offsite?: OffsiteTarget;
  /** Point-in-time recovery: a base backup after every run, WAL copied off-site every minute. */
  readonly pitr?: PitrRunOptions;
  readonly now: () => Date;
  /** Resolves after `ms`, or early when the scheduler stops. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export class BackupScheduler {
  readonly intervalSeconds: number;
  private stopped = false;
  private running = false;
  /** When the loop last woke up; the healthcheck fails if it stops ticking. */
  lastTick: Date;

  constructor(private readonly o: SchedulerOptions) {
    this.intervalSeconds = longestGapSeconds(o.schedule);
    this.lastTick = o.now();
  }

  get root(): string {
    return this.o.backup.root;
  }

  get busy(): boolean {
    return this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  /** True when no good backup is newer than the longest gap of the schedule. */
  due(at: Date): boolean {
    const last = lastGoodBackup(this.root, this.o.backup.prefix);
    return last === undefined || at.getTime() - last.at.getTime() >= this.intervalSeconds * 1000;
  }

  /** One backup with its off-site copy; failures are recorded and logged, never thrown. */
  async runOnce(): Promise<boolean> {
    const started = this.o.now();
    const state = readState(this.root);
    this.running = true;
    try {
      const result = await runBackup({
        ...this.o.backup,
        keep: this.o.retention,
        now: () => started,
      });
      const seconds = (this.o.now().getTime() - started.getTime()) / 1000;
      const bytes = result.manifest.files.reduce((n, f) => n + f.bytes, 0);
      this.o.log(`backup ${result.folder} written: ${bytes} bytes in ${seconds.toFixed(1)} s`);
      if (result.cleaned.length > 0)
        this.o.log(
          `removed ${result.cleaned.length} unfinished backup folder(s) left by an interrupted run: ${result.cleaned.join(", ")}`,
        );
      if (result.pruned.length > 0) this.o.log(`retention removed ${result.pruned.join(", ")}`);
      let offsite = state.offsite;
      if (this.o.offsite) {
        const name = result.folder.split("/").pop()!;
        try {
          const removed = await copyOffsite(this.o.offsite, this.root, name, this.o.retention);
          this.o.log(
            `off-site copy of ${name} written to ${this.o.offsite.description}${removed.length > 0 ? `; removed there: ${removed.join(", ")}` : ""}`,
          );
          offsite = {
            ...offsite,
            failures: offsite?.failures ?? 0,
            lastSuccessAt: this.o.now().toISOString(),
          };
        } catch (err) {
          const message = (err as Error).message;
          this.o.log(
            `ERROR off-site copy of ${name} to ${this.o.offsite.description} failed: ${message}; the local backup is kept`,
          );
          offsite = {
            ...offsite,
            failures: (offsite?.failures ?? 0) + 1,
            lastError: message,
            lastErrorAt: this.o.now().toISOString(),
          };
        }
      }
      writeState(this.root, {
        ...state,
        lastAttempt: { at: started.toISOString(), ok: true, seconds },
        offsite,
      });
      return true;
    } catch (err) {
      const message = (err as Error).message;
      this.o.log(`ERROR backup failed: ${message}; the last good backup is unchanged`);
      const seconds = (this.o.now().getTime() - started.getTime()) / 1000;
      writeState(this.root, {
        ...state,
        failures: state.failures + 1,
        lastAttempt: { at: started.toISOString(), ok: false, seconds, error: message },
      });
      return false;
    } finally {
      this.running = false;
    }
  }

  /** A scheduled run: the backup, then (with point-in-time recovery) a base backup. */
  async runScheduled(): Promise<boolean> {
    const ok = await this.runOnce();
    if (this.o.pitr) {
      this.running = true;
      await runBaseBackup(this.o.pitr).finally(() => (this.running = false));
    }
    return ok;
  }

  /**
   * Runs until stop(): a catch-up run at start if one is due, then one run at every scheduled time
   * (a failed run is retried at the next one, so a broken database never loops). Sleeps a minute at
   * most, so a machine that was suspended runs the missed time as soon as it wakes.
   */
  async loop(): Promise<void> {
    if (this.due(this.o.now())) {
      this.o.log(
        `no good backup within the last ${this.intervalSeconds / 3600} h; starting one now`,
      );
      await this.runScheduled();
    }
    while (!this.stopped) {
      this.lastTick = this.o.now();
      const next = nextRun(this.o.schedule, this.o.now())!;
      this.o.log(`next backup at ${next.toISOString()} (${this.o.schedule.text}, UTC)`);
      while (!this.stopped && this.o.now() < next) {
        await this.o.sleep(Math.min(60_000, next.getTime() - this.o.now().getTime()));
        if (this.o.pitr && !this.stopped) await shipWal(this.o.pitr);
        this.lastTick = this.o.now();
      }
      if (!this.stopped) await this.runScheduled();
    }
  }
}

/** Prometheus text exposition of what the scheduler knows; names documented in the README. */
export function renderMetrics(s: {
  last: LastGood | undefined;
  retained: { count: number; bytes: number };
  state: SchedulerState;
  intervalSeconds: number;
  offsiteConfigured: boolean;
  next: Date | undefined;
}): string {
  const seconds = (d: Date | string | undefined) =>
    d === undefined ? 0 : new Date(d).getTime() / 1000;
  const rows: [string, string, string, number][] = [
    [
      "ownstack_backup_last_success_timestamp_seconds",
      "gauge",
      "When the newest complete backup was taken (0: none yet).",
      seconds(s.last?.at),
    ],
    [
      "ownstack_backup_last_success_size_bytes",
      "gauge",
      "Bytes of the newest complete backup.",
      s.last?.bytes ?? 0,
    ],
    [
      "ownstack_backup_last_duration_seconds",
      "gauge",
      "How long the last attempt took.",
      s.state.lastAttempt?.seconds ?? 0,
    ],
    [
      "ownstack_backup_last_attempt_success",
      "gauge",
      "1 if the last attempt succeeded.",
      s.state.lastAttempt?.ok === false ? 0 : 1,
    ],
    ["ownstack_backup_failures_total", "counter", "Failed backup attempts.", s.state.failures],
    [
      "ownstack_backup_retained_backups",
      "gauge",
      "Complete backups kept on this machine.",
      s.retained.count,
    ],
    [
      "ownstack_backup_retained_bytes",
      "gauge",
      "Bytes of all backups kept on this machine.",
      s.retained.bytes,
    ],
    [
      "ownstack_backup_schedule_interval_seconds",
      "gauge",
      "Longest gap between two scheduled runs.",
      s.intervalSeconds,
    ],
    [
      "ownstack_backup_next_run_timestamp_seconds",
      "gauge",
      "When the next scheduled run starts.",
      seconds(s.next),
    ],
    [
      "ownstack_backup_offsite_configured",
      "gauge",
      "1 if an off-site copy is configured.",
      s.offsiteConfigured ? 1 : 0,
    ],
    [
      "ownstack_backup_offsite_last_success_timestamp_seconds",
      "gauge",
      "When the last off-site copy finished (0: never).",
      seconds(s.state.offsite?.lastSuccessAt),
    ],
    [
      "ownstack_backup_offsite_failures_total",
      "counter",
      "Failed off-site copies.",
      s.state.offsite?.failures ?? 0,
    ],
  ];
  return exposition(rows);
}

/** `status` as `npm run doctor` reads it through `docker exec`. */
export function statusJson(
  root: string,
  prefix: string,
  intervalSeconds: number,
  now: Date,
): string {
  const last = lastGoodBackup(root, prefix);
  const { count, bytes } = retainedBytes(root, prefix);
  const state = readState(root);
  return JSON.stringify({
    now: now.toISOString(),
    intervalSeconds,
    lastGood: last ? { name: last.name, at: last.at.toISOString(), bytes: last.bytes } : null,
    retained: { count, bytes },
    lastAttempt: state.lastAttempt ?? null,
    offsite: state.offsite ?? null,
    diskFreeBytes: freeBytes(root),
  });
}

function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
