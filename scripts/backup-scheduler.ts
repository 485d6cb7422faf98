import { createServer } from "node:http";
import { OperatorError } from "./lib/operatorError";
import { formatDrillReport, runDrill } from "./lib/backup/drill";
import { listBackups } from "./lib/backup/manifest";
import { keyId, reencryptBackups } from "./lib/backup/keys";
import { offsiteTarget } from "./lib/backup/offsite";
import { FETCHED_DIR, fetchOffsite, remoteBackups } from "./lib/backup/offsiteFetch";
import { rmSync } from "node:fs";
import { lineProgress } from "./lib/backup/progress";
import {
  BackupScheduler,
  lastGoodBackup,
  readState,
  renderMetrics,
  retainedBytes,
  statusJson,
} from "./lib/backup/scheduler";
import { schedulerConfig } from "./lib/backup/schedulerEnv";
import { nextRun } from "../config/backupSchedule";
import { join } from "node:path";
import { listBaseBackups } from "./lib/backup/baseBackup";
import { coverage, describeCoverage } from "./lib/backup/pitr";
import { formatPitrReport, pitrDrill, pitrStage } from "./lib/backup/pitrRestore";
import { archiverStatus, readPitrState, renderPitrMetrics } from "./lib/backup/pitrSchedule";

/**
 * The backup scheduler's entry point, bundled by components/backup.ts into one file that the
 * scheduler container runs. Commands (the container runs `run`; `npm run doctor` and
 * `npm run restore -- --drill -s <stack>` reach the others through `docker exec`):
 *   run     the loop, with /metrics and /healthz on OWNSTACK_BACKUP_METRICS_PORT
 *   now     one backup at once
 *   status  JSON: the last good backup, retained bytes, last attempt, off-site state
 *   drill   restore the newest backup into a scratch database, compare, drop it
 *   drill --to <time>       point-in-time recovery into a scratch folder, report, remove it
 *   pitr-stage --to <time>  point-in-time recovery kept for `npm run restore -- --to` to swap in
 *   pitr-range              what the WAL archive covers
 *   offsite-list            the stack's backups at the off-site target, newest first
 *   offsite-fetch [<name>]  download one (default the newest) into fetched/, checked; prints JSON
 *   drill --offsite [<name>] fetch one, drill it, remove the fetched copy
 */

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

async function main(command: string): Promise<number> {
  const cfg = schedulerConfig(process.env);
  const offsite = cfg.offsite && offsiteTarget(cfg.offsite);
  const pitr = cfg.pitr && {
    root: cfg.root,
    prefix: cfg.prefix,
    target: cfg.target,
    passphrase: cfg.key,
    keyId: cfg.keyId,
    pitr: cfg.pitr,
    offsite: cfg.offsite,
    now: () => new Date(),
    log,
  };
  let wake: (() => void) | undefined;
  const scheduler = new BackupScheduler({
    schedule: cfg.schedule,
    retention: cfg.retention,
    backup: {
      root: cfg.root,
      prefix: cfg.prefix,
      stack: cfg.prefix,
      target: cfg.target,
      storage: cfg.storage,
      studio: cfg.studio,
      openWebui: cfg.openWebui,
      otherDatabases: true,
      passphrase: cfg.key,
      keyId: cfg.keyId,
      version: cfg.version,
      progress: lineProgress(log),
    },
    offsite,
    pitr,
    now: () => new Date(),
    sleep: (ms) => new Promise((ok) => ((wake = ok), setTimeout(ok, ms).unref())),
    log,
  });

  if (command === "status") {
    console.log(statusJson(cfg.root, cfg.prefix, scheduler.intervalSeconds, new Date()));
    return 0;
  }
  const to = process.argv[3] === "--to" ? process.argv[4] : undefined;
  if ((command === "drill" && to !== undefined) || command === "pitr-stage") {
    if (!cfg.pitr)
      throw new OperatorError(
        "point-in-time recovery is off for this stack (ownstack:pitr false, or ownstack:backup false)",
      );
    if (to === undefined) throw new OperatorError(`${command} needs --to <time>`);
    const o = {
      root: cfg.root,
      prefix: cfg.prefix,
      walDir: cfg.pitr.walDir,
      to,
      passphrase: cfg.key,
      user: process.env.PGUSER ?? "supabase_admin",
    };
    const report = command === "drill" ? await pitrDrill(o) : await pitrStage(o);
    const archiver = await archiverStatus(cfg.target).catch(() => undefined);
    console.log(
      formatPitrReport(report, { archiveTimeoutSeconds: cfg.pitr.archiveTimeoutSeconds, archiver }),
    );
    return 0;
  }
  if (command === "pitr-range") {
    if (!cfg.pitr) throw new OperatorError("point-in-time recovery is off for this stack");
    console.log(describeCoverage(coverage(cfg.root, cfg.prefix, cfg.pitr.walDir)));
    return 0;
  }
  if (
    command === "offsite-list" ||
    command === "offsite-fetch" ||
    (command === "drill" && process.argv[3] === "--offsite")
  ) {
    if (!offsite)
      throw new OperatorError(
        "this stack has no off-site copy (ownstack:backupOffsite is not set)",
      );
    if (command === "offsite-list") {
      const names = await remoteBackups(offsite, cfg.prefix);
      console.log(`${names.length} backup(s) of ${cfg.prefix} at ${offsite.description}`);
      for (const n of names) console.log(`  ${n}`);
      return 0;
    }
    const fetched = await fetchOffsite(
      offsite,
      join(cfg.root, FETCHED_DIR),
      cfg.prefix,
      process.argv[command === "drill" ? 4 : 3],
    );
    if (command === "offsite-fetch") {
      console.log(JSON.stringify(fetched));
      return 0;
    }
    log(`fetched ${fetched.name} from ${offsite.description}, checksums match`);
    try {
      const report = await runDrill({
        folder: fetched.folder,
        server: cfg.target,
        passphrase: cfg.key,
      });
      console.log(formatDrillReport(report));
      return report.ok ? 0 : 1;
    } finally {
      rmSync(fetched.folder, { recursive: true, force: true });
    }
  }
  if (command === "drill") {
    const newest = listBackups(cfg.root, cfg.prefix)[0];
    if (!newest)
      throw new OperatorError(
        `no backup in ${cfg.root} yet; the first one runs at start and then on schedule "${cfg.schedule.text}"`,
      );
    const report = await runDrill({
      folder: join(cfg.root, newest),
      server: cfg.target,
      passphrase: cfg.key,
    });
    console.log(formatDrillReport(report));
    return report.ok ? 0 : 1;
  }
  if (command === "now") return (await scheduler.runScheduled()) ? 0 : 1;
  if (command !== "run")
    throw new OperatorError(
      `unknown command ${command}; expected run, now, status, drill [--to <time> | --offsite [<name>]], pitr-stage --to <time>, pitr-range, offsite-list or offsite-fetch [<name>]`,
    );

  if (
    cfg.key !== undefined &&
    cfg.previousKey !== undefined &&
    keyId(cfg.previousKey) !== cfg.keyId
  ) {
    const rewritten = await reencryptBackups(cfg.root, cfg.prefix, cfg.previousKey, cfg.key);
    if (rewritten.length > 0)
      log(
        `re-encrypted ${rewritten.length} backup(s) under the rotated key: ${rewritten.join(", ")}`,
      );
  }

  const server = createServer(async (req, res) => {
    if (req.url === "/metrics") {
      const pitrBody = cfg.pitr
        ? renderPitrMetrics({
            archiver: await archiverStatus(cfg.target).catch(() => undefined),
            archiveTimeoutSeconds: cfg.pitr.archiveTimeoutSeconds,
            bases: listBaseBackups(cfg.root, cfg.prefix),
            state: readPitrState(cfg.root),
            offsiteConfigured: cfg.offsite !== undefined,
          })
        : "";
      const body = renderMetrics({
        last: lastGoodBackup(cfg.root, cfg.prefix),
        retained: retainedBytes(cfg.root, cfg.prefix),
        state: readState(cfg.root),
        intervalSeconds: scheduler.intervalSeconds,
        offsiteConfigured: offsite !== undefined,
        next: nextRun(cfg.schedule, new Date()),
      });
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(body + pitrBody);
    } else if (req.url === "/healthz") {
      // Healthy while the loop ticks (it wakes every minute) or a backup is running.
      const fresh = scheduler.busy || Date.now() - scheduler.lastTick.getTime() < 5 * 60_000;
      res.writeHead(fresh ? 200 : 503).end(fresh ? "ok\n" : "scheduler loop stalled\n");
    } else res.writeHead(404).end();
  });
  server.listen(cfg.metricsPort, "0.0.0.0");
  const stop = () => {
    scheduler.stop();
    wake?.();
    server.close();
  };
  process.once("SIGTERM", stop).once("SIGINT", stop);
  log(
    `backup scheduler for ${cfg.prefix}: "${cfg.schedule.text}" (UTC), every run kept per ${JSON.stringify(cfg.retention)}, files in ${cfg.root}${offsite ? `, off-site ${offsite.description}` : ""}`,
  );
  await scheduler.loop();
  return 0;
}

main(process.argv[2] ?? "run").then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`backup scheduler: ${err.message}`);
    process.exit(1);
  },
);
