import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DB_FIRST_INIT_SECONDS, dbEnv } from "../../../components/database";
import { DB_COMMAND, DB_START_PATHS, dbStartFiles } from "../../../components/render/dbStart";
import { initSqlFiles } from "../../../components/render/initSql";
import { withPrivateDir } from "../backup/cleanup";
import { dockerHostEnv } from "../docker";
import { OperatorError } from "../operatorError";
import { capture } from "../backup/proc";

/**
 * The Docker side of `npm run pg-upgrade`: a server of the new major on volumes of its own, started
 * the way the stack starts its db (the same env, init SQL and start wrapper, rendered by the
 * program's own modules), and, once its copy checked out, the swap. The old data volume is never
 * written: it is the rollback.
 */

export const PGDATA = "/var/lib/postgresql/data";
const CONFIG_DIR = "/etc/postgresql-custom";
/** Postgres's fast shutdown gets the same grace as the stack's db container. */
const STOP_SECONDS = 120;

/** The docker CLI against the stack's daemon; every call returns stdout or throws one line. */
export interface DockerCli {
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>;
  succeeds(args: readonly string[]): Promise<boolean>;
}

export function dockerCli(host: string | undefined): DockerCli {
  const run = (args: readonly string[], env?: Readonly<Record<string, string>>) =>
    capture({ cmd: "docker", args, env: { ...dockerHostEnv(host), ...env } });
  return {
    run,
    succeeds: (args) =>
      run(args).then(
        () => true,
        () => false,
      ),
  };
}

/** The names an upgrade uses; a drill's are its own, so a drill never meets a real upgrade's. */
export interface UpgradeNames {
  readonly server: string;
  readonly dataVolume: string;
  /** A copy of db-config (the pgsodium root key): the new server never writes the live one. */
  readonly configCopy: string;
}

export function upgradeNames(prefix: string, toMajor: number, drill: boolean): UpgradeNames {
  const tag = `pg${toMajor}${drill ? "-drill" : ""}`;
  return {
    server: `${prefix}-pg-upgrade-${tag}`,
    dataVolume: `${prefix}-db-data-${tag}`,
    configCopy: `${prefix}-db-config-${tag}-scratch`,
  };
}

/** What the running db container says about itself. */
export interface RunningDb {
  readonly image: string;
  /** The major in PG_VERSION of the data it runs on. */
  readonly dataMajor: number;
  readonly password: string;
}

export async function inspectDb(docker: DockerCli, container: string): Promise<RunningDb> {
  if (!(await docker.succeeds(["container", "inspect", container])))
    throw new OperatorError(
      `the db container ${container} does not exist; start the stack with its current config first; nothing was changed`,
    );
  const image = (await docker.run(["inspect", "-f", "{{.Config.Image}}", container])).trim();
  const env = await docker.run([
    "inspect",
    "-f",
    "{{range .Config.Env}}{{println .}}{{end}}",
    container,
  ]);
  const password = /^POSTGRES_PASSWORD=(.*)$/m.exec(env)?.[1];
  if (password === undefined)
    throw new OperatorError(`${container} has no POSTGRES_PASSWORD; it is not this stack's db`);
  const version = (await docker.run(["exec", container, "cat", `${PGDATA}/PG_VERSION`])).trim();
  if (!/^\d+$/.test(version))
    throw new OperatorError(
      `${container}: ${PGDATA}/PG_VERSION reads "${version}", expected a major version`,
    );
  return { image, dataMajor: Number(version), password };
}

/** Refuses names an earlier attempt left, so nothing of it is silently reused or overwritten. */
export async function requireFreeNames(docker: DockerCli, n: UpgradeNames): Promise<void> {
  const taken: string[] = [];
  if (await docker.succeeds(["container", "inspect", n.server]))
    taken.push(`container ${n.server}`);
  for (const v of [n.dataVolume, n.configCopy])
    if (await docker.succeeds(["volume", "inspect", v])) taken.push(`volume ${v}`);
  if (taken.length > 0)
    throw new OperatorError(
      `${taken.join(" and ")} already exist${taken.length === 1 ? "s" : ""} from an earlier attempt; look at ${taken.length === 1 ? "it" : "them"}, then remove with docker rm -f / docker volume rm; nothing was changed`,
    );
}

export interface ServerSpec {
  readonly stack: string;
  readonly configVolume: string;
  readonly newImage: string;
  readonly oldImage: string;
  readonly password: string;
  readonly jwtExpiry: number;
  readonly toMajor: number;
}

/**
 * Creates the new major's server on an empty volume and starts it as the stack starts its db, then
 * waits until it is ready (initdb, the image's migrations and our init SQL done). The password
 * reaches docker only through the environment, never the command line.
 */
export async function startUpgradeServer(
  docker: DockerCli,
  n: UpgradeNames,
  s: ServerSpec,
  waitSeconds = DB_FIRST_INIT_SECONDS + 120,
): Promise<void> {
  const labels = ["--label", `ownstack.stack=${s.stack}`, "--label", "ownstack.data=true"];
  await docker.run([
    "volume",
    "create",
    ...labels,
    "--label",
    `ownstack.pg-major=${s.toMajor}`,
    n.dataVolume,
  ]);
  await docker.run(["volume", "create", "--label", `ownstack.stack=${s.stack}`, n.configCopy]);
  await docker.run([
    "run",
    "--rm",
    "--user",
    "root",
    "--entrypoint",
    "cp",
    "-v",
    `${s.configVolume}:/from:ro`,
    "-v",
    `${n.configCopy}:/to`,
    s.oldImage,
    "-a",
    "/from/.",
    "/to/",
  ]);
  const env = Object.fromEntries(
    Object.entries(dbEnv(s.password, s.jwtExpiry)).map(([k, v]) => [k, String(v)]),
  );
  await docker.run(
    [
      "create",
      "--name",
      n.server,
      "--label",
      `ownstack.stack=${s.stack}`,
      ...Object.keys(env)
        .sort()
        .flatMap((k) => ["-e", k]),
      "-v",
      `${n.dataVolume}:${PGDATA}`,
      "-v",
      `${n.configCopy}:${CONFIG_DIR}`,
      "--entrypoint",
      "/bin/sh",
      s.newImage,
      DB_START_PATHS.script,
      ...DB_COMMAND,
    ],
    env,
  );
  await withPrivateDir("ownstack-pg-upgrade-", async (dir) => {
    const files = [...initSqlFiles(s.password, s.jwtExpiry), ...dbStartFiles()];
    const folders = [...new Set(files.map((f) => dirname(f.file)))].sort();
    for (const f of files) {
      const local = join(dir, "tree", f.file);
      mkdirSync(dirname(local), { recursive: true, mode: 0o755 });
      // Read inside the container by the postgres user, as the provider's uploads are.
      writeFileSync(local, f.content, { mode: 0o644 });
    }
    for (const folder of folders)
      await docker.run(["cp", `${join(dir, "tree", folder)}/.`, `${n.server}:${folder}/`]);
  });
  await docker.run(["start", n.server]);
  await waitReady(docker, n.server, waitSeconds);
}

/** Ready as the stack's healthcheck means it; an exited server fails at once with its last log line. */
async function waitReady(docker: DockerCli, server: string, seconds: number): Promise<void> {
  const ready = [
    "exec",
    server,
    "sh",
    "-c",
    `pg_isready -q -h 127.0.0.1 && test -f ${DB_START_PATHS.marker}`,
  ];
  for (let waited = 0; waited < seconds; waited++) {
    if (await docker.succeeds(ready)) return;
    const running = (await docker.run(["inspect", "-f", "{{.State.Running}}", server])).trim();
    if (running !== "true") {
      const log = await docker.run(["logs", "--tail", "5", server]).catch(() => "");
      throw new OperatorError(
        `the PostgreSQL server of the new image exited during its first start (${log.trim().split("\n").pop() ?? "no log"}); the old data is untouched`,
        1,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new OperatorError(
    `the new server was not ready after ${seconds} s; the old data is untouched`,
    1,
  );
}

/** Removes the upgrade's server and scratch volumes; with `keepData`, the upgraded volume stays. */
export async function removeUpgradeServer(
  docker: DockerCli,
  n: UpgradeNames,
  opts: { keepData: boolean },
): Promise<void> {
  if (await docker.succeeds(["container", "inspect", n.server]))
    await docker
      .run(["stop", "-t", String(STOP_SECONDS), n.server])
      .then(() => docker.run(["rm", n.server]));
  for (const v of opts.keepData ? [n.configCopy] : [n.configCopy, n.dataVolume])
    if (await docker.succeeds(["volume", "inspect", v])) await docker.run(["volume", "rm", v]);
}

/**
 * The swap on Docker's side: the old db stops (fast shutdown), and the live db-config volume is
 * handed to the new image's postgres user (its uid differs between majors, as upstream's
 * upgrade-pg17.sh notes) with the conf.d folder the newer config includes.
 */
export async function prepareSwap(
  docker: DockerCli,
  dbContainer: string,
  configVolume: string,
  newImage: string,
): Promise<void> {
  await docker.run(["stop", "-t", String(STOP_SECONDS), dbContainer]);
  await docker.run(configOwnerCommand(configVolume, newImage));
}

/** `docker run` that gives db-config to `image`'s postgres user (for the swap and the rollback). */
export const configOwnerCommand = (configVolume: string, image: string): string[] => [
  "run",
  "--rm",
  "--user",
  "root",
  "--entrypoint",
  "sh",
  "-v",
  `${configVolume}:/vol`,
  image,
  "-c",
  "mkdir -p /vol/conf.d && chown -R postgres:postgres /vol",
];

/**
 * Stops every running container of the stack except the db, so nothing writes after the backup
 * the upgraded copy is made from; returns their names, to start again when the upgrade stops early.
 */
export async function stopWriters(
  docker: DockerCli,
  stack: string,
  dbContainer: string,
): Promise<string[]> {
  const names = (
    await docker.run(["ps", "--filter", `label=ownstack.stack=${stack}`, "--format", "{{.Names}}"])
  )
    .split("\n")
    .map((n) => n.trim())
    .filter((n) => n !== "" && n !== dbContainer)
    .sort();
  for (const name of names) await docker.run(["stop", name]);
  return names;
}
