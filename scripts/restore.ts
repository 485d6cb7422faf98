import { resolve } from "node:path";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { localTarget } from "./lib/backup/pg";
import { defaultProgress } from "./lib/backup/progress";
import { spawnSync } from "node:child_process";
import { containerName } from "../components/container";
import { formatDrillReport, runDrill } from "./lib/backup/drill";
import { RestoreDestination, formatRestoreReport, runRestore } from "./lib/backup/restore";
import { SCHEDULER_COMMAND } from "./lib/doctor/backup";
import type { DatabaseChoice } from "./lib/backup/database";
import { requireDatabaseChoice, sourcesOfStack, withDatabaseChoice } from "./lib/backup/database";
import { readPassphrase } from "./lib/backup/sources";
import { parseTarget } from "./lib/backup/pitr";
import { pitrOnDocker } from "./lib/backup/pitrDocker";
import { formatCnpgRecovery } from "./lib/backup/pitrK8s";
import { dockerEnv, dockerHostOf } from "./lib/docker";
import { PROJECT_DIR, loadStackSettings, userCwd } from "./lib/project";
import { fetchThroughScheduler, offsiteChoice } from "./lib/backup/offsiteRestore";
import { exec } from "./lib/pulumi";

/**
 * `npm run restore -- <backup folder> -s local [--force]`: checks every checksum (and decrypts)
 * before touching anything, refuses a non-empty database without --force, then restores roles,
 * database, storage and Studio's snippets and functions, and reports what it restored.
 *
 * `npm run restore -- --drill -s local`: the scheduler restores its newest backup into a scratch
 * database beside the live one, compares row and object counts with the manifest and drops it.
 * `--drill <folder> --db-url …` does the same for a backup folder here, with local tools.
 *
 * `npm run restore -- -s local --to "2026-12-05T14:03:00Z" [--drill] [--force]`: point-in-time
 * recovery from the WAL archive (./lib/backup/pitrDocker.ts); on kubernetes it prints the
 * CloudNativePG recovery Cluster (./lib/backup/pitrK8s.ts).
 *
 * `npm run restore -- -s vps --from-offsite <name|newest> [--drill]`: the same restore (or drill)
 * of a backup fetched from the off-site copy (./lib/backup/offsiteRestore.ts); `--list-offsite`
 * lists what is there.
 */
runMain("restore", async () => {
  const restore = operatorCommand("restore")
    .argument(
      "[folder]",
      "backup folder (the one holding manifest.json); with --drill -s <stack>, the scheduler's newest",
    )
    .option(
      "--drill",
      "restore into a scratch database, compare counts with the manifest, drop it; the live database is not touched",
    )
    .option(
      "--from-offsite <name>",
      'restore (or with --drill, drill) this backup from the off-site copy, or "newest" (-s <stack>; README "Restore from off-site")',
    )
    .option("--list-offsite", "list the stack's backups at the off-site copy (-s <stack>)")
    .option(
      "--to <time>",
      'point-in-time recovery to this instant, e.g. "2026-12-05T14:03:00Z" (-s <stack>; README "Point-in-time recovery")',
    );
  const cmd = withDatabaseChoice(restore, {
    stack: "stack to restore into (containers from its outputs)",
    dbUrl: "restore into this database with local pg_restore instead",
    tools: "pg_restore/psql",
  })
    .option("--force", "restore into a database that is not empty, replacing what the backup holds")
    .option(
      "--passphrase-file <file>",
      "file whose first line is the passphrase of an encrypted backup",
    )
    .option(
      "--no-storage",
      "restore the databases only (no storage objects, no Studio folders, no Open WebUI uploads)",
    )
    .option("--quiet", "no progress output")
    .parse();
  const o = cmd.opts<
    DatabaseChoice & {
      force?: boolean;
      passphraseFile?: string;
      storage: boolean;
      quiet?: boolean;
      drill?: boolean;
      to?: string;
      fromOffsite?: string;
      listOffsite?: boolean;
    }
  >();
  let folderArg: string | undefined = cmd.args[0];
  if (o.fromOffsite !== undefined || o.listOffsite) {
    if (
      o.stack === undefined ||
      cmd.args[0] !== undefined ||
      o.dbUrl !== undefined ||
      o.to !== undefined
    )
      throw new OperatorError(
        "--from-offsite and --list-offsite fetch through a stack's backup scheduler: pass -s <stack>, and no backup folder, --db-url or --to",
      );
    const settings = loadStackSettings(PROJECT_DIR, o.stack);
    if (settings.target === "kubernetes")
      throw new OperatorError(
        "on kubernetes the backups are CloudNativePG's, in cnpgBackupPath: restore them with --to <time>",
      );
    if (o.listOffsite || o.drill) {
      const r = spawnSync(
        "docker",
        [
          "exec",
          containerName(settings, "backup"),
          ...SCHEDULER_COMMAND,
          ...(o.listOffsite
            ? ["offsite-list"]
            : [
                "drill",
                "--offsite",
                ...[offsiteChoice(o.stack, o.fromOffsite!)].filter((n) => n !== undefined),
              ]),
        ],
        { env: dockerEnv(dockerHostOf(settings)), stdio: "inherit" },
      );
      if (r.error) throw new OperatorError(`docker: ${r.error.message}`);
      return r.status === 0 ? EXIT.ok : EXIT.failed;
    }
    folderArg = fetchThroughScheduler({
      container: containerName(settings, "backup"),
      env: dockerEnv(dockerHostOf(settings)),
      name: offsiteChoice(o.stack, o.fromOffsite!),
      localRoot: resolve(userCwd(), "backups"),
      run: exec,
      log: (line) => o.quiet || console.error(line),
    });
  }
  if (o.to !== undefined) {
    if (o.stack === undefined || folderArg !== undefined)
      throw new OperatorError(
        "--to recovers a stack from its WAL archive: pass -s <stack> and no backup folder",
      );
    const target = parseTarget(o.to);
    const settings = loadStackSettings(PROJECT_DIR, o.stack);
    if (settings.target === "kubernetes") {
      console.log(formatCnpgRecovery(settings, target));
      return EXIT.ok;
    }
    return pitrOnDocker(settings, o.to, { drill: o.drill === true, force: o.force === true })
      ? EXIT.ok
      : EXIT.failed;
  }

  requireDatabaseChoice(o, "where to restore");
  if (o.drill && folderArg === undefined && o.dbUrl === undefined) {
    // The backups, the key and a pg_restore of the server's version are all in the scheduler container.
    const settings = loadStackSettings(PROJECT_DIR, o.stack!);
    const r = spawnSync(
      "docker",
      ["exec", containerName(settings, "backup"), ...SCHEDULER_COMMAND, "drill"],
      { env: dockerEnv(dockerHostOf(settings)), stdio: "inherit" },
    );
    if (r.error) throw new OperatorError(`docker: ${r.error.message}`);
    return r.status === 0 ? EXIT.ok : EXIT.failed;
  }
  if (folderArg === undefined)
    throw new OperatorError("say which backup folder to restore (the one holding manifest.json)");
  const folder = resolve(userCwd(), folderArg);
  const passphrase = readPassphrase(o.passphraseFile && resolve(userCwd(), o.passphraseFile));
  if (o.drill) {
    if (o.dbUrl === undefined)
      throw new OperatorError(
        "--drill with a folder needs --db-url postgres://… of the server to drill on (or drop the folder to drill the scheduler's newest backup with -s)",
      );
    const { target } = await localTarget(o.dbUrl, o.pgBin);
    const report = await runDrill({ folder, server: target, passphrase });
    console.log(formatDrillReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  }

  const connect = async (): Promise<RestoreDestination> => {
    const sources = o.stack !== undefined ? sourcesOfStack(o.stack) : undefined;
    const target =
      o.dbUrl !== undefined ? (await localTarget(o.dbUrl, o.pgBin)).target : sources!.target;
    return {
      target,
      storage: o.storage ? sources?.storage : undefined,
      studio: o.storage ? sources?.studio : undefined,
      openWebui: o.storage ? sources?.openWebui : undefined,
    };
  };
  const report = await runRestore({
    folder,
    connect,
    force: o.force === true,
    passphrase,
    progress: defaultProgress(o.quiet === true),
  });
  console.log(formatRestoreReport(report));
  return EXIT.ok;
});
