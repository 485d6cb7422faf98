import { spawnSync } from "node:child_process";
import { containerName } from "../../../components/container";
import { WAL_ARCHIVE_PATHS } from "../../../components/render/walArchive";
import type { Settings } from "../../../config/settings";
import { dockerEnv, dockerHostOf } from "../docker";
import { OperatorError } from "../operatorError";
import { SCHEDULER_COMMAND } from "../doctor/backup";
import { STAGED_DIR } from "./pitrRestore";

/**
 * `npm run restore -- -s <docker stack> --to <time> [--drill]`: the recovery runs inside the
 * backup scheduler container (./pitrRestore.ts). A live restore then takes a fresh backup of what
 * is there now, stops db, swaps the recovered data directory into its volume with a one-off
 * container of the db image (`--volumes-from` the db container: the same volumes at the same
 * paths), and starts db again, which comes up on the recovered data on a new timeline.
 */

const DATA = "/var/lib/postgresql/data";

export function pitrOnDocker(
  settings: Settings,
  to: string,
  o: { drill: boolean; force: boolean },
): boolean {
  if (!settings.backup.pitr.enabled)
    throw new OperatorError(
      "point-in-time recovery is off for this stack: set ownstack:pitr true (and ownstack:backup true), pulumi up, and wait for the first base backup",
    );
  const env = dockerEnv(dockerHostOf(settings));
  const backup = containerName(settings, "backup");
  const db = containerName(settings, "db");
  const docker = (args: string[], capture = false) => {
    const r = spawnSync("docker", args, {
      env,
      stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
      encoding: "utf8",
    });
    if (r.error) throw new OperatorError(`docker: ${r.error.message}`);
    return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
  };
  const scheduler = (...args: string[]) =>
    docker(["exec", backup, ...SCHEDULER_COMMAND, ...args]).ok;

  if (o.drill) return scheduler("drill", "--to", to);
  if (!o.force)
    throw new OperatorError(
      `restoring to ${to} replaces the live database (a fresh backup is taken first); run again with --force, or try it with --drill first`,
    );
  console.log("1/4 recovering in the backup container (the live database keeps running)");
  if (!scheduler("pitr-stage", "--to", to)) return false;
  console.log("2/4 fresh backup of the live database before it is replaced");
  if (!scheduler("now")) throw new OperatorError("the fresh backup failed; nothing was replaced");
  const image = docker(["inspect", "--format", "{{.Config.Image}}", db], true);
  if (!image.ok) throw new OperatorError(`cannot inspect ${db}`);
  console.log(`3/4 stopping ${db} and swapping in the recovered data`);
  if (!docker(["stop", "--time", "120", db]).ok) throw new OperatorError(`cannot stop ${db}`);
  const staged = `${WAL_ARCHIVE_PATHS.dir}/${STAGED_DIR}/data`;
  const swapped = docker([
    "run",
    "--rm",
    "--volumes-from",
    db,
    "--entrypoint",
    "/bin/sh",
    image.out,
    "-ec",
    `test -f ${staged}/PG_VERSION; find ${DATA} -mindepth 1 -delete; cp -a ${staged}/. ${DATA}/; rm -rf ${WAL_ARCHIVE_PATHS.dir}/${STAGED_DIR}`,
  ]).ok;
  console.log(`4/4 starting ${db}`);
  docker(["start", db]);
  if (!swapped)
    throw new OperatorError(
      `swapping the data failed; ${db} was started again on what its volume holds. The fresh backup from step 2 restores it (npm run restore -- -s ${settings.stack} <folder>)`,
    );
  console.log(
    `${db} starts on the database as it was at ${to}; services reconnect on their own. npm run doctor -- -s ${settings.stack} shows when it is healthy.`,
  );
  return true;
}
