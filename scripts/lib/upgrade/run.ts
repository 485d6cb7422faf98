import { configKey } from "../../../config/schema";
import { dbDataVolumeName } from "../../../config/dbData";
import { dockerTarget } from "../backup/pg";
import { OperatorError } from "../operatorError";
import { UpgradeCheck, requireMatchingCopy } from "./copy";
import {
  DockerCli,
  configOwnerCommand,
  inspectDb,
  prepareSwap,
  removeUpgradeServer,
  requireFreeNames,
  startUpgradeServer,
  stopWriters,
  upgradeNames,
} from "./docker";
import type { PgTarget } from "../backup/pg";

/**
 * `npm run pg-upgrade` on a Docker stack, in an order where nothing that holds data is changed
 * before the copy checked out: inspect the db, stop the other services (not in a drill), a fresh
 * backup, the new major's server on its own volume, the backup restored into it and its rows
 * compared with the manifest; then the swap, a config flip (`dbDataVolume`, `dbDataMajor`) and
 * `pulumi up`. The old volume is never written, so the rollback is the same flip back.
 */

export interface PgUpgradeOptions {
  readonly stack: string;
  readonly prefix: string;
  readonly dbContainer: string;
  /** The volume the db runs on now (`dbDataVolume`, or the stack's own). */
  readonly dataVolume: string;
  readonly configVolume: string;
  /** The major `dbDataMajor` says the data is. */
  readonly dataMajor: number;
  /** The image the stack's config now asks for, and its major. */
  readonly newImage: string;
  readonly toMajor: number;
  readonly jwtExpiry: number;
  readonly drill: boolean;
  readonly docker: DockerCli;
  /** The stack's Docker daemon (ssh:// or tcp://), for the tools run inside the new server. */
  readonly dockerHost?: string;
  /** Takes the fresh backup of the running db; returns its folder. */
  readonly backup: (oldImage: string) => Promise<string>;
  /** Restores the backup into the new server and compares rows (./copy.ts upgradeCopy). */
  readonly upgrade: (folder: string, into: PgTarget) => Promise<UpgradeCheck>;
  /** `pulumi config set` and `pulumi up` (none with --no-up: the user runs it). */
  readonly setConfig: (key: string, value: string) => void;
  readonly up?: () => boolean;
  readonly log?: (line: string) => void;
  /** Bytes of every database on the old server (pg_database_size), read before anything stops. */
  readonly dataBytes: () => Promise<number>;
  /** Above this, the dump-and-restore copy is refused (`--max-size`): MAX_COPY_BYTES by default. */
  readonly maxBytes?: number;
}

/**
 * The largest data pg-upgrade copies by dump and restore unless told otherwise: 50 GiB. The copy
 * needs the data's size again on the new volume plus the backup, and the stack is down for the
 * dump, the restore and its index builds, which grow with the data; beyond this an in-place
 * pg_upgrade (supabase/supabase docker/utils/upgrade-pg17.sh) is the better tool.
 */
export const MAX_COPY_BYTES = 50 * 1024 ** 3;

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

export interface PgUpgradeReport {
  readonly drill: boolean;
  readonly backup: string;
  readonly check: UpgradeCheck;
  readonly oldImage: string;
  readonly oldVolume: string;
  /** The old volume is the stack's own (declared, protected) rather than an earlier upgrade's. */
  readonly ownVolume: boolean;
  readonly newVolume: string;
  /** false: `pulumi up` was not run (--no-up) or failed. */
  readonly upDone: boolean;
  readonly rollback: readonly string[];
}

export async function runPgUpgrade(o: PgUpgradeOptions): Promise<PgUpgradeReport> {
  const log = o.log ?? (() => undefined);
  if (!(o.toMajor > o.dataMajor))
    throw new OperatorError(
      `the db image ${o.newImage} is PostgreSQL ${o.toMajor} and the data is PostgreSQL ${o.dataMajor} (${configKey("dbDataMajor")}); nothing to upgrade. Set the new image first: ${configKey("imageOverrides")}: ["db=supabase/postgres:<new major>.…"]`,
    );
  const db = await inspectDb(o.docker, o.dbContainer);
  if (db.dataMajor !== o.dataMajor)
    throw new OperatorError(
      `${configKey("dbDataMajor")} is ${o.dataMajor} but ${o.dbContainer} runs on PostgreSQL ${db.dataMajor} data; set ${configKey("dbDataMajor")}: ${db.dataMajor}; nothing was changed`,
    );
  const names = upgradeNames(o.prefix, o.toMajor, o.drill);
  await requireFreeNames(o.docker, names);
  const bytes = await o.dataBytes();
  const max = o.maxBytes ?? MAX_COPY_BYTES;
  if (bytes > max)
    throw new OperatorError(
      `the databases hold ${gib(bytes)}, more than --max-size ${gib(max)}: pg-upgrade copies by dump and restore, which needs ${gib(bytes)} more disk for the copy besides the backup and keeps the stack down while it runs; raise --max-size to go ahead (try --drill first to time it), or upgrade in place with pg_upgrade as supabase/supabase docker/utils/upgrade-pg17.sh does; nothing was changed`,
    );
  log(`${gib(bytes)} of data to copy`);

  const stopped = o.drill ? [] : await stopWriters(o.docker, o.stack, o.dbContainer);
  if (stopped.length > 0) log(`stopped so nothing writes after the backup: ${stopped.join(", ")}`);
  let swapped = false;
  try {
    log(`backing up the PostgreSQL ${o.dataMajor} database`);
    const folder = await o.backup(db.image);
    log(`starting PostgreSQL ${o.toMajor} (${o.newImage}) on volume ${names.dataVolume}`);
    await startUpgradeServer(o.docker, names, {
      stack: o.stack,
      configVolume: o.configVolume,
      newImage: o.newImage,
      oldImage: db.image,
      password: db.password,
      jwtExpiry: o.jwtExpiry,
      toMajor: o.toMajor,
    });
    log("restoring the backup into it and comparing rows per table");
    const check = await o.upgrade(folder, dockerTarget(names.server, { dockerHost: o.dockerHost }));
    const report = (upDone: boolean): PgUpgradeReport => ({
      drill: o.drill,
      backup: folder,
      check,
      oldImage: db.image,
      oldVolume: o.dataVolume,
      ownVolume: o.dataVolume === dbDataVolumeName(o.prefix),
      newVolume: names.dataVolume,
      upDone,
      rollback: rollbackSteps(o, db.image),
    });
    if (o.drill || !check.ok) {
      await removeUpgradeServer(o.docker, names, { keepData: false });
      if (!o.drill) requireMatchingCopy(check);
      return report(false);
    }
    await removeUpgradeServer(o.docker, names, { keepData: true });
    await prepareSwap(o.docker, o.dbContainer, o.configVolume, o.newImage);
    o.setConfig(configKey("dbDataVolume"), names.dataVolume);
    o.setConfig(configKey("dbDataMajor"), String(o.toMajor));
    swapped = true;
    return report(o.up ? o.up() : false);
  } catch (err) {
    if (!swapped) {
      await removeUpgradeServer(o.docker, names, { keepData: false }).catch(() => undefined);
      for (const name of stopped) await o.docker.run(["start", name]).catch(() => undefined);
    }
    throw err;
  }
}

/** The config flip back, and what it costs. */
function rollbackSteps(o: PgUpgradeOptions, oldImage: string): string[] {
  const own = o.dataVolume === dbDataVolumeName(o.prefix);
  return [
    `pulumi config set -s ${o.stack} ${configKey("dbDataVolume")} ${own ? '""' : o.dataVolume}`,
    `pulumi config set -s ${o.stack} ${configKey("dbDataMajor")} ${o.dataMajor}`,
    `set the db image back to ${oldImage} (${configKey("imageOverrides")}: ["db=${oldImage}"])`,
    `docker ${configOwnerCommand(o.configVolume, oldImage).join(" ")}`,
    `pulumi up -s ${o.stack}`,
  ];
}

export function formatPgUpgradeReport(r: PgUpgradeReport): string {
  const lines = [
    `${r.drill ? "drill: " : ""}PostgreSQL ${r.check.fromVersion} → ${r.check.toVersion}: ${r.check.ok ? `rows of all ${r.check.tables} tables equal the backup` : `${r.check.mismatches.length} tables differ: ${r.check.mismatches.join(", ")}`}`,
    `  backup: ${r.backup}`,
  ];
  if (r.drill) {
    lines.push(
      `  the upgraded copy (${r.newVolume}) was removed again; the stack was not changed`,
      r.check.ok
        ? "  the upgrade will work: run it without --drill"
        : "  an upgrade would be refused: the copy is not complete",
    );
    return lines.join("\n");
  }
  lines.push(
    `  the db now runs on ${r.newVolume}; the PostgreSQL ${r.check.fromVersion} data stays on ${r.oldVolume}, untouched`,
    r.upDone
      ? "  pulumi up done: the stack runs on the upgraded data"
      : `  config set; apply it with pulumi up (the other services were stopped and start again then)`,
    "  rollback (writes made after the upgrade are not in the old data):",
    ...r.rollback.map((s) => `    ${s}`),
    r.ownVolume
      ? `  ${r.oldVolume} stays declared by the stack (protected, kept on destroy): keep it while a rollback may be wanted`
      : `  once no rollback is wanted, reclaim the space: docker volume rm ${r.oldVolume}`,
  );
  return lines.join("\n");
}
