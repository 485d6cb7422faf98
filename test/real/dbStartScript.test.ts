import { ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDbStartScript, renderRotatePasswordsPsql } from "../../components/render/dbStart";
import { ALL_LOGIN_ROLES } from "../../config/roles";
import { missingBinaries } from "../support/binaries";
import { Cluster, initCluster, postgresIds } from "../support/postgres";
import { Login, loginTable } from "../support/sql";
import { everyone, firstStart, readNotes } from "../support/supabaseDb";

/**
 * The db container's start wrapper, run for real: the uploaded script and psql file, with a
 * stand-in for the image's docker-entrypoint.sh that starts the embedded Postgres binary. Like the
 * image, loopback is trusted and everything else needs a password (checked here on the socket).
 * A `psql` stand-in on the wrapper's PATH notes whether the ready marker exists each time the
 * wrapper applies the password, then runs the real psql: that shows the order of events without
 * racing the wrapper.
 */

const OLD = "old0password0aaaaaaaaaaaaaaaaaaaa";
const NEW = "new1password1bbbbbbbbbbbbbbbbbbbb";

const missing = missingBinaries(
  ["psql", "pg_isready"],
  "the db start script test",
  "postgresql-client",
);

let cluster: Cluster;
let socket: Login;
let trusted: Login;
let paths: { script: string; rotateSql: string; marker: string };
/** One line per psql run of the wrapper: whether the ready marker existed at that moment. */
let psqlLog: string;
const markerSeenByPsql = () =>
  existsSync(psqlLog) ? readFileSync(psqlLog, "utf8").trim().split("\n") : [];

function startWrapper(password: string, dataDir = cluster.dataDir): ChildProcess {
  const bin = join(cluster.root, "bin");
  return spawn("/bin/sh", [paths.script, "postgres", "-c", "log_min_messages=fatal"], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: cluster.root,
      PGPORT: String(cluster.port),
      PGDATA: dataDir,
      PG_BIN: cluster.binDir,
      MARKER: paths.marker,
      PSQL_LOG: psqlLog,
      SOCKET_DIR: cluster.socketDir,
      POSTGRES_PASSWORD: password,
      PGPASSWORD: password,
    },
    stdio: ["ignore", "pipe", "pipe"],
    ...postgresIds(),
  });
}

async function until(what: string, check: () => boolean, seconds: number): Promise<void> {
  for (let waited = 0; waited < seconds * 10; waited++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill(signal);
  });
}

beforeAll(async () => {
  if (missing.length > 0) return;
  cluster = await initCluster({
    prefix: "ownstack-db-start-",
    superuser: "supabase_admin",
    password: OLD,
    hba: "local all all scram-sha-256\nhost all all 127.0.0.1/32 trust\n",
  });
  socket = { host: cluster.socketDir, port: cluster.port };
  trusted = { host: "127.0.0.1", port: cluster.port };
  paths = {
    script: join(cluster.root, "db-start.sh"),
    rotateSql: join(cluster.root, "rotate-passwords.sql"),
    marker: join(cluster.root, "ready"),
  };
  writeFileSync(paths.script, renderDbStartScript(paths));
  writeFileSync(paths.rotateSql, renderRotatePasswordsPsql());
  mkdirSync(join(cluster.root, "bin"));
  // Stands in for the image's docker-entrypoint.sh, which execs `postgres "$@"` under the same PID.
  writeFileSync(
    join(cluster.root, "bin", "docker-entrypoint.sh"),
    '#!/bin/sh\n[ "$1" = postgres ] && shift\nexec "$PG_BIN/postgres" -D "$PGDATA" -p "$PGPORT" -k "$SOCKET_DIR" -c listen_addresses=127.0.0.1 "$@"\n',
  );
  chmodSync(join(cluster.root, "bin", "docker-entrypoint.sh"), 0o755);
  // The image has its server on PATH; the wrapper asks it for its major.
  symlinkSync(join(cluster.binDir, "postgres"), join(cluster.root, "bin", "postgres"));
  psqlLog = join(cluster.root, "psql.log");
  const realPsql = execFileSync("sh", ["-c", "command -v psql"], { encoding: "utf8" }).trim();
  writeFileSync(
    join(cluster.root, "bin", "psql"),
    `#!/bin/sh\nif [ -e "$MARKER" ]; then echo present; else echo absent; fi >> "$PSQL_LOG"\nexec ${realPsql} "$@"\n`,
  );
  chmodSync(join(cluster.root, "bin", "psql"), 0o755);
});

afterAll(async () => {
  await cluster?.dispose();
});

describe.skipIf(missing.length > 0)("db start wrapper (real Postgres, real psql)", () => {
  it("when the password cannot be applied, stays unready and the old password keeps working", async () => {
    // A cluster without the image's roles: the first ALTER fails, so the transaction changes nothing.
    const db = startWrapper(NEW);
    let stderr = "";
    db.stderr!.on("data", (d) => (stderr += d));
    await until(
      "the failure message",
      () => stderr.includes("could not apply POSTGRES_PASSWORD"),
      30,
    );
    expect(existsSync(paths.marker)).toBe(false);
    expect(await loginTable(socket, ["supabase_admin"], OLD)).toEqual({ supabase_admin: true });
    expect(await loginTable(socket, ["supabase_admin"], NEW)).toEqual({ supabase_admin: false });
    expect(stderr).toContain('role "postgres" does not exist');
    expect(stderr).not.toContain(NEW);

    // Set up what a first start leaves behind, then stop it as `docker stop` does (SIGINT).
    await firstStart(trusted, undefined, OLD, ["kept", "also kept"]);
    expect(await loginTable(socket, ALL_LOGIN_ROLES, OLD)).toEqual(everyone(true));
    expect(await stop(db, "SIGINT")).toBe(0);
  });

  it("on the next start, applies the new password to every role before it reports ready, and keeps the rows", async () => {
    const db = startWrapper(NEW);
    let output = "";
    db.stdout!.on("data", (d) => (output += d));
    db.stderr!.on("data", (d) => (output += d));
    try {
      await until("the ready marker", () => existsSync(paths.marker), 30);
      expect(await loginTable(socket, ALL_LOGIN_ROLES, NEW)).toEqual(everyone(true));
      expect(await loginTable(socket, ALL_LOGIN_ROLES, OLD)).toEqual(everyone(false));
      expect(await readNotes(socket, NEW)).toEqual(["kept", "also kept"]);
      // Neither psql nor the server log prints the password.
      expect(output).not.toContain(NEW);
    } finally {
      // docker stop: the signal reaches Postgres through the wrapper, which exits with its status.
      expect(await stop(db, "SIGINT")).toBe(0);
    }
    expect(existsSync(join(cluster.dataDir, "postmaster.pid"))).toBe(false);
  });

  it("clears the marker at every start, so a restart is not ready before the password is re-applied", async () => {
    expect(existsSync(paths.marker)).toBe(true);
    rmSync(psqlLog, { force: true });
    const db = startWrapper(NEW);
    try {
      await until("psql to apply the password", () => markerSeenByPsql().length > 0, 30);
      await until("the ready marker", () => existsSync(paths.marker), 30);
      // The marker from the previous run was gone before the password was applied.
      expect(markerSeenByPsql()).toEqual(["absent"]);
      expect(await loginTable(socket, ALL_LOGIN_ROLES, NEW)).toEqual(everyone(true));
    } finally {
      expect(await stop(db, "SIGTERM")).toBe(0);
    }
  });

  it("refuses data of another PostgreSQL major before starting anything, naming the upgrade command", async () => {
    // A data folder an older major left: PG_VERSION is what the server checks first.
    const older = join(cluster.root, "data-older");
    mkdirSync(older, { mode: 0o700 });
    writeFileSync(join(older, "PG_VERSION"), "15\n");
    const ids = postgresIds();
    if (ids) for (const p of [older, join(older, "PG_VERSION")]) chownSync(p, ids.uid, ids.gid);
    const db = startWrapper(NEW, older);
    let stderr = "";
    db.stderr!.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => db.once("exit", resolve));
    const runs = execFileSync(join(cluster.binDir, "postgres"), ["--version"], {
      encoding: "utf8",
    });
    const major = /(\d+)/.exec(runs)![1];
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `ownstack: the data in ${older} is PostgreSQL 15 but this image runs PostgreSQL ${major}; not started. Upgrade the data with npm run pg-upgrade -- -s <stack>, or use a PostgreSQL 15 image (ownstack:dbDataMajor).`,
    );
    expect(existsSync(join(older, "postmaster.pid"))).toBe(false);
  });
});
