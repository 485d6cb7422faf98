import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dbConfigVolumeName, dbDataVolumeName, imageMajor } from "../config/dbData";
import { parseConfig } from "../config/settings";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { confirm } from "./lib/confirm";
import { listBackups } from "./lib/backup/manifest";
import { defaultProgress } from "./lib/backup/progress";
import { runBackup } from "./lib/backup/run";
import { checkBackupRoot, stackSources } from "./lib/backup/sources";
import { dockerHostOf } from "./lib/docker";
import { PROJECT_DIR, requireKnownStack, stackRawConfig, userCwd } from "./lib/project";
import { pulumiCli, readStackOutputs } from "./lib/pulumi";
import { formatUpgradeCheck, upgradeCopy } from "./lib/upgrade/copy";
import { dockerCli } from "./lib/upgrade/docker";
import { MAX_COPY_BYTES, formatPgUpgradeReport, runPgUpgrade } from "./lib/upgrade/run";
import { query } from "./lib/backup/pg";

/** `--max-size 80` or `80.5` GiB, as bytes; anything else is refused before the stack is read. */
function parseGib(value: string): number {
  const gib = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(gib > 0))
    throw new OperatorError(`--max-size must be a number of GiB above 0, got "${value}"`);
  return Math.round(gib * 1024 ** 3);
}

/**
 * `npm run pg-upgrade -- -s <stack>`: moves the db's data to the PostgreSQL major of the db image
 * the stack's config now names (a new pin, or `imageOverrides: ["db=…"]`), the command `pulumi up`
 * points at when it refuses that image. `--drill` does it all on a copy and changes nothing.
 */
runMain("pg-upgrade", async () => {
  const o = operatorCommand("pg-upgrade")
    .requiredOption("-s, --stack <name>", "stack whose database to upgrade")
    .option("--drill", "upgrade a copy, compare rows with the backup, remove it; nothing changes")
    .option("--out <folder>", "folder for the fresh backup", join(PROJECT_DIR, "backups"))
    .option(
      "-y, --yes",
      "do not ask before stopping the stack's services (also passed to pulumi up)",
    )
    .option("--no-up", "set the config but run pulumi up yourself")
    .option("--quiet", "no progress output")
    .option(
      "--max-size <GiB>",
      `largest data to copy by dump and restore, in GiB (default ${MAX_COPY_BYTES / 1024 ** 3})`,
      parseGib,
    )
    .parse()
    .opts<{
      stack: string;
      drill?: boolean;
      out: string;
      yes?: boolean;
      up: boolean;
      quiet?: boolean;
      maxSize?: number;
    }>();

  requireKnownStack(PROJECT_DIR, o.stack);
  const { settings } = parseConfig(stackRawConfig(PROJECT_DIR, o.stack), o.stack, {
    projectDir: PROJECT_DIR,
    acceptOtherDbMajor: true,
  });
  if (settings.target === "kubernetes")
    throw new OperatorError(
      "on kubernetes CloudNativePG upgrades the major itself (Cluster imageName, major upgrade in place); pg-upgrade is for Docker stacks",
    );
  const toMajor = imageMajor(settings.images.db);
  if (toMajor === undefined)
    throw new OperatorError(
      `the db image ${settings.images.db} does not say its PostgreSQL major in its tag; use a supabase/postgres:<major>.… tag`,
    );
  const root = resolve(userCwd(), o.out);
  checkBackupRoot(root);
  const outputs = readStackOutputs(o.stack, { projectDir: PROJECT_DIR });
  const sources = stackSources(settings, outputs);
  const dbContainer = outputs.dbContainer!;
  const dataVolume =
    settings.db.dataVolume !== "" ? settings.db.dataVolume : dbDataVolumeName(settings.prefix);
  const from = settings.db.dataMajor;

  if (!o.drill) {
    console.log(
      `pg-upgrade ${o.stack}: PostgreSQL ${from} → ${toMajor} (${settings.images.db}). The stack's services stop until pulumi up has run on the upgraded data; the data on ${dataVolume} is kept unchanged for a rollback.`,
    );
    if (!o.yes && !(await confirm("Go ahead? [y/N] ", "upgrade"))) {
      console.log("Nothing changed.");
      return EXIT.ok;
    }
  }
  const cli = pulumiCli(PROJECT_DIR);
  const version = (
    JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }
  ).version;
  const report = await runPgUpgrade({
    stack: o.stack,
    prefix: settings.prefix,
    dbContainer,
    dataVolume,
    configVolume: dbConfigVolumeName(settings.prefix),
    dataMajor: from,
    newImage: settings.images.db,
    toMajor,
    jwtExpiry: settings.auth.jwtExpiry,
    drill: o.drill === true,
    docker: dockerCli(dockerHostOf(settings)),
    dockerHost: dockerHostOf(settings),
    backup: async (oldImage) =>
      (
        await runBackup({
          root,
          prefix: o.stack,
          stack: o.stack,
          target: sources.target,
          images: { db: oldImage },
          otherDatabases: true,
          // Every earlier backup stays: this one is added, none is pruned.
          keep: listBackups(root, o.stack).length + 1,
          version,
          progress: defaultProgress(o.quiet === true),
        })
      ).folder,
    upgrade: async (folder, into) => {
      const check = await upgradeCopy({
        folder,
        into,
        progress: defaultProgress(o.quiet === true),
      });
      console.log(formatUpgradeCheck(check));
      return check;
    },
    dataBytes: async () =>
      Number(
        (
          await query(
            sources.target,
            "select sum(pg_database_size(datname))::bigint from pg_database where not datistemplate",
          )
        )[0]?.[0] ?? 0,
      ),
    maxBytes: o.maxSize,
    setConfig: (key, value) => cli.setConfig(o.stack, key, value),
    up: o.up ? () => cli.up(o.stack, { yes: o.yes === true }) : undefined,
    log: (line) => console.log(`pg-upgrade: ${line}`),
  });
  console.log(formatPgUpgradeReport(report));
  if (report.drill) return report.check.ok ? EXIT.ok : EXIT.failed;
  return o.up && !report.upDone ? EXIT.failed : EXIT.ok;
});
