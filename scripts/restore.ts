import { resolve } from "node:path";
import { OperatorError, operatorCommand, runMain } from "./lib/errors";
import { localTarget } from "./lib/backup/pg";
import { defaultProgress } from "./lib/backup/progress";
import { RestoreDestination, formatRestoreReport, runRestore } from "./lib/backup/restore";
import { readPassphrase, stackSources } from "./lib/backup/sources";
import { PROJECT_DIR, loadStackSettings, requireKnownStack, userCwd } from "./lib/project";
import { readStackOutputs } from "./lib/pulumi";

/**
 * `npm run restore -- <backup folder> -s local [--force]`: checks every checksum (and decrypts)
 * before touching anything, refuses a non-empty database without --force, then restores roles,
 * database and storage and reports what it restored.
 */
runMain("restore", async () => {
  const cmd = operatorCommand("restore")
    .argument("<folder>", "backup folder (the one holding manifest.json)")
    .option("-s, --stack <name>", "stack to restore into (containers from its outputs)")
    .option("--db-url <url>", "restore into this database with local pg_restore instead")
    .option("--pg-bin <folder>", "folder of the local pg_restore/psql to use with --db-url")
    .option("--force", "restore into a database that is not empty, replacing what the backup holds")
    .option("--passphrase-file <file>", "file whose first line is the passphrase of an encrypted backup")
    .option("--no-storage", "restore the database only")
    .option("--quiet", "no progress output")
    .parse();
  const o = cmd.opts<{ stack?: string; dbUrl?: string; pgBin?: string; force?: boolean; passphraseFile?: string; storage: boolean; quiet?: boolean }>();
  const folder = resolve(userCwd(), cmd.args[0]);

  if (o.stack === undefined && o.dbUrl === undefined) throw new OperatorError("say where to restore: -s <stack>, or --db-url postgres://…");
  if (o.stack !== undefined) requireKnownStack(PROJECT_DIR, o.stack);
  const passphrase = readPassphrase(o.passphraseFile && resolve(userCwd(), o.passphraseFile));

  const connect = async (): Promise<RestoreDestination> => {
    const sources = o.stack !== undefined ? stackSources(loadStackSettings(PROJECT_DIR, o.stack), readStackOutputs(o.stack, { projectDir: PROJECT_DIR })) : undefined;
    const target = o.dbUrl !== undefined ? (await localTarget(o.dbUrl, o.pgBin)).target : sources!.target;
    return { target, storage: o.storage ? sources?.storage : undefined };
  };
  const report = await runRestore({ folder, connect, force: o.force === true, passphrase, progress: defaultProgress(o.quiet === true) });
  console.log(formatRestoreReport(report));
});
