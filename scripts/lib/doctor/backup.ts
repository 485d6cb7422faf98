import type { Settings } from "../../../config/settings";
import { containerName } from "../../../components/container";
import { mib } from "../backup/progress";
import { dockerEnv } from "../docker";
import { Exec, firstErrorLine } from "../pulumi";
import type { Check } from "./check";

/**
 * `npm run doctor`: the age of the last good backup (fails past twice the schedule, as the
 * Prometheus alert does) and the disk the retained backups will need, estimated from the last
 * backup's size. The scheduler answers `status` through `docker exec`, so this works for a remote
 * Docker host as well.
 */

export interface BackupStatus {
  readonly now: string;
  readonly intervalSeconds: number;
  readonly lastGood: { readonly name: string; readonly at: string; readonly bytes: number } | null;
  readonly retained: { readonly count: number; readonly bytes: number };
  readonly lastAttempt: {
    readonly at: string;
    readonly ok: boolean;
    readonly error?: string;
  } | null;
  readonly offsite: {
    readonly lastSuccessAt?: string;
    readonly lastError?: string;
    readonly failures: number;
  } | null;
  readonly diskFreeBytes: number | null;
}

export type BackupProbe =
  | { readonly state: "absent" }
  | { readonly state: "stopped" }
  | { readonly state: "running"; readonly status: BackupStatus }
  | { readonly state: "error"; readonly error: string };

export const SCHEDULER_COMMAND = ["/opt/ownstack-node/node", "/opt/ownstack/backup-scheduler.js"];

export function probeBackup(settings: Settings, host: string | undefined, run: Exec): BackupProbe {
  const env = dockerEnv(host);
  const name = containerName(settings, "backup");
  const inspect = run("docker", ["inspect", "--format", "{{.State.Running}}", name], {
    env,
    timeoutMs: 20_000,
  });
  if (inspect.status !== 0) return { state: "absent" };
  if (inspect.stdout.trim() !== "true") return { state: "stopped" };
  const r = run("docker", ["exec", name, ...SCHEDULER_COMMAND, "status"], {
    env,
    timeoutMs: 60_000,
  });
  if (r.status !== 0) return { state: "error", error: firstErrorLine(r.stderr || r.stdout) };
  try {
    return { state: "running", status: JSON.parse(r.stdout) as BackupStatus };
  } catch {
    return { state: "error", error: "the scheduler's status is not JSON" };
  }
}

const hours = (s: number) =>
  s >= 172_800 ? `${(s / 86_400).toFixed(1)} days` : `${(s / 3600).toFixed(1)} h`;

/** Upper bound of kept backups at steady state: one per rule slot. */
export const retainedSlots = (settings: Settings) =>
  Object.values(settings.backup.retention).reduce((n, v) => n + (v ?? 0), 0);

export function backupChecks(settings: Settings, probe: BackupProbe): Check[] {
  if (!settings.features.backup) return [];
  const name = containerName(settings, "backup");
  const age: Check = (() => {
    const base = { id: "backup-age", label: "Last good backup" };
    if (probe.state === "absent")
      return {
        ...base,
        status: "skip",
        detail: `${name} is not deployed yet; the first backup runs when it starts`,
      };
    if (probe.state === "stopped")
      return {
        ...base,
        status: "fail",
        detail: `${name} is not running, so no backup is taken`,
        fix: `docker start ${name}, then read docker logs ${name}`,
      };
    if (probe.state === "error")
      return {
        ...base,
        status: "fail",
        detail: `cannot read the scheduler's status: ${probe.error}`,
        fix: `docker logs ${name}`,
      };
    const s = probe.status;
    const limit = 2 * s.intervalSeconds;
    if (s.lastGood === null)
      return {
        ...base,
        status: "fail",
        detail: `no good backup yet${s.lastAttempt?.error ? `; the last attempt failed: ${s.lastAttempt.error}` : ""}`,
        fix: `docker logs ${name}`,
      };
    const ageSeconds = (Date.parse(s.now) - Date.parse(s.lastGood.at)) / 1000;
    const detail = `${s.lastGood.name}, ${hours(ageSeconds)} old (${mib(s.lastGood.bytes)}); limit ${hours(limit)}, twice the schedule "${settings.backup.schedule}"`;
    const offsite = s.offsite?.lastError ? `; off-site copy failing: ${s.offsite.lastError}` : "";
    if (ageSeconds > limit)
      return {
        ...base,
        status: "fail",
        detail: `${detail}${s.lastAttempt?.error ? `; last attempt failed: ${s.lastAttempt.error}` : ""}`,
        fix: `docker logs ${name}`,
      };
    return {
      ...base,
      status: offsite ? "warn" : "ok",
      detail: `${detail}${offsite}`,
      ...(offsite ? { fix: `docker logs ${name}` } : {}),
    };
  })();
  if (probe.state !== "running" || probe.status.lastGood === null) return [age];
  const s = probe.status;
  const slots = retainedSlots(settings);
  const estimate = s.lastGood!.bytes * slots;
  const more = Math.max(0, estimate - s.retained.bytes);
  const base = { id: "backup-disk", label: "Backup disk use" };
  const detail = `${s.retained.count} kept now (${mib(s.retained.bytes)}); at this size up to ${slots} kept need about ${mib(estimate)}`;
  const disk: Check =
    s.diskFreeBytes !== null && more > s.diskFreeBytes
      ? {
          ...base,
          status: "fail",
          detail: `${detail}, but only ${mib(s.diskFreeBytes)} is free`,
          fix: "free disk space on the Docker host or lower backupRetention",
        }
      : {
          ...base,
          status: "ok",
          detail: s.diskFreeBytes !== null ? `${detail}; ${mib(s.diskFreeBytes)} free` : detail,
        };
  return [age, disk];
}
