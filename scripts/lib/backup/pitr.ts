import { ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  createReadStream,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { restoreCommand } from "../../../components/render/walArchive";
import { OperatorError } from "../operatorError";
import { BaseBackup, listBaseBackups } from "./baseBackup";
import { openDecrypted } from "./crypto";
import { sha256File } from "./manifest";
import { PgTarget, query } from "./pg";
import { streamIn } from "./proc";
import { lastArchivedAt, listWal } from "./wal";

/**
 * Point-in-time recovery from a base backup (./baseBackup.ts) and the WAL archive (./wal.ts):
 * the base backup is unpacked into an empty data directory, and a Postgres of the same major
 * replays archived WAL up to the target (recovery_target_time, restore_command,
 * recovery.signal, recovery_target_action = promote:
 * https://www.postgresql.org/docs/current/runtime-config-wal.html#RUNTIME-CONFIG-WAL-RECOVERY-TARGET).
 * The recovering server listens on a Unix socket in a scratch folder only, archives nothing (its
 * new timeline must not mix into the live archive) and keeps hot standby off, so connections
 * succeed exactly when recovery has ended.
 */

/** What the archive can recover to: from the earliest base backup's end to the last archived WAL. */
export interface Coverage {
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  readonly bases: readonly BaseBackup[];
}

export function coverage(root: string, prefix: string, walDir: string): Coverage {
  const bases = listBaseBackups(root, prefix);
  const to = lastArchivedAt(listWal(walDir));
  const from = bases.length > 0 ? new Date(bases[0].manifest.finishedAt) : undefined;
  return { from, to, bases };
}

export const describeCoverage = (c: Coverage): string =>
  c.from === undefined || c.to === undefined || c.to < c.from
    ? c.bases.length === 0
      ? "nothing yet: no base backup has been taken (one runs with every scheduled backup)"
      : "nothing yet: no WAL has been archived since the first base backup"
    : `${c.from.toISOString()} .. ${c.to.toISOString()}`;

/** An instant with a zone: `2026-12-05T14:03:00Z`, `2026-12-05 15:03:00.25+01:00`. */
const INSTANT =
  /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)(Z|[+-]\d\d(?::?\d\d)?)$/i;

export interface RecoveryTarget {
  /** As Postgres reads recovery_target_time (microseconds kept: a Date has milliseconds only). */
  readonly text: string;
  readonly at: Date;
}

export function parseTarget(text: string): RecoveryTarget {
  const m = INSTANT.exec(text.trim());
  const at = m ? new Date(`${m[1]}T${m[2]}${m[3].toUpperCase()}`) : undefined;
  if (!m || at === undefined || Number.isNaN(at.getTime()))
    throw new OperatorError(
      `--to expects an instant with a time zone, such as "2026-12-05T14:03:00Z"; got "${text}"`,
    );
  // recovery_target_time takes no zone abbreviation, so Z becomes a numeric offset (runtime-config-wal).
  const zone = m[3].toUpperCase() === "Z" ? "+00:00" : m[3];
  return { text: `${m[1]} ${m[2]}${zone}`, at };
}

/** The base backup to start from, or a readable refusal naming the covered range. */
export function chooseBase(c: Coverage, target: RecoveryTarget): BaseBackup {
  const range = describeCoverage(c);
  if (c.from === undefined || c.to === undefined || c.to < c.from)
    throw new OperatorError(`cannot recover to ${target.text}: the archive covers ${range}`);
  if (target.at < c.from || target.at > c.to)
    throw new OperatorError(
      `cannot recover to ${target.text}: it is outside what the archive covers, ${range} (UTC)`,
    );
  const base = [...c.bases]
    .reverse()
    .find((b) => new Date(b.manifest.finishedAt).getTime() <= target.at.getTime());
  return base!;
}

/** uid/gid of the `postgres` OS user when running as root (Postgres refuses to run as root). */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export interface RecoverOptions {
  readonly base: BaseBackup;
  readonly walDir: string;
  /**
   * A new folder for the recovered data directory (`data`) and the server's socket, config and log
   * (`scratch`); its parent must be reachable by the postgres user when running as root.
   */
  readonly workDir: string;
  readonly target: RecoveryTarget;
  readonly passphrase?: string;
  /** Folder of postgres and psql (default: PATH). */
  readonly binDir?: string;
  /** A role of the backed-up cluster (supabase_admin in the stack). */
  readonly user: string;
}

export interface Recovery {
  readonly base: string;
  readonly dataDir: string;
  /** `target` when a commit after it was in the archive; `end of archive` when none was. */
  readonly stoppedAt: "target" | "end of archive";
  /** A login on the recovered server (running until stop()). */
  readonly server: PgTarget;
  /** Fast shutdown; the data directory stays. */
  stop(): Promise<void>;
}

const NOT_REACHED = "recovery ended before configured recovery target was reached";

/** Unpacks the base backup and replays WAL to the target; the server is left running. */
export async function recover(o: RecoverOptions): Promise<Recovery> {
  const m = o.base.manifest;
  const archived = join(o.base.folder, m.file.name);
  if ((await sha256File(archived)) !== m.file.sha256)
    throw new OperatorError(`${archived} does not match its checksum; the base backup is damaged`);
  if (m.encrypted && o.passphrase === undefined)
    throw new OperatorError(
      "the base backup is encrypted: set OWNSTACK_BACKUP_PASSPHRASE or pass --passphrase-file <file>",
    );
  if (existsSync(o.workDir))
    throw new OperatorError(`${o.workDir} exists; recovery needs a new folder`);
  const ids = postgresUser();
  const dataDir = join(o.workDir, "data");
  const scratchDir = join(o.workDir, "scratch");
  mkdirSync(o.workDir, { mode: 0o700 });
  mkdirSync(scratchDir, { mode: 0o700 });
  mkdirSync(dataDir, { mode: 0o700 });
  // An age base backup is decrypted straight into tar; only an OWNSTKE1 one passes through scratch.
  try {
    await streamIn(
      { cmd: "tar", args: ["-x", "-f", "-", "-C", dataDir] },
      m.encrypted
        ? await openDecrypted(archived, o.passphrase!, scratchDir)
        : createReadStream(archived),
    );
  } finally {
    rmSync(join(scratchDir, basename(archived).replace(/\.enc$/, "")), { force: true });
  }
  writeFileSync(join(dataDir, "recovery.signal"), "");
  const sock = join(scratchDir, "sock");
  mkdirSync(sock, { recursive: true });
  writeFileSync(
    join(scratchDir, "postgresql.conf"),
    "# ownstack recovery: settings on the command line\n",
  );
  writeFileSync(join(scratchDir, "pg_hba.conf"), "local all all trust\n");
  writeFileSync(join(scratchDir, "pg_ident.conf"), "");
  if (ids) execFileSync("chown", ["-R", `${ids.uid}:${ids.gid}`, o.workDir]);

  const port = 5432;
  const settings = (withTarget: boolean): Record<string, string> => ({
    config_file: join(scratchDir, "postgresql.conf"),
    hba_file: join(scratchDir, "pg_hba.conf"),
    ident_file: join(scratchDir, "pg_ident.conf"),
    listen_addresses: "",
    unix_socket_directories: sock,
    port: String(port),
    archive_mode: "off",
    // The end-of-archive case is recognised by its message in English.
    lc_messages: "C",
    hot_standby: "off",
    shared_buffers: "32MB",
    shared_preload_libraries: "",
    restore_command: restoreCommand(o.walDir),
    recovery_target_timeline: "latest",
    ...(withTarget
      ? { recovery_target_time: o.target.text, recovery_target_action: "promote" }
      : {}),
  });
  const server: PgTarget = socketTarget(o.binDir, sock, port, o.user);
  const start = (withTarget: boolean) =>
    startPostgres(o.binDir, dataDir, scratchDir, settings(withTarget), ids);
  let child = start(true);
  let stoppedAt: Recovery["stoppedAt"] = "target";
  const first = await untilRecovered(child.process, server);
  if (first !== "ready") {
    // No commit after the target in the archive: every archived change is before it, so the
    // end of the archive is the database at the target. Recovery resumes from its last
    // restartpoint (recovery.signal is still there) and promotes at the end.
    if (!child.log().includes(NOT_REACHED))
      throw new OperatorError(`recovery failed: ${lastLines(child.log())}`);
    stoppedAt = "end of archive";
    child = start(false);
    if ((await untilRecovered(child.process, server)) !== "ready")
      throw new OperatorError(`recovery failed: ${lastLines(child.log())}`);
  }
  const running = child.process;
  return {
    base: o.base.manifest.name,
    dataDir,
    stoppedAt,
    server,
    stop: async () => {
      if (running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((ok) => running.once("exit", ok));
      running.kill("SIGINT");
      await exited;
    },
  };
}

function socketTarget(
  binDir: string | undefined,
  sock: string,
  port: number,
  user: string,
): PgTarget {
  const make = (database: string): PgTarget => ({
    description: `recovered server on ${sock}, database ${database}`,
    database,
    command: (tool, args) => ({
      cmd: binDir ? join(binDir, tool) : tool,
      args: [...args],
      env: { PGHOST: sock, PGPORT: String(port), PGUSER: user, PGDATABASE: database },
    }),
    forDatabase: make,
  });
  return make("postgres");
}

function startPostgres(
  binDir: string | undefined,
  dataDir: string,
  scratchDir: string,
  settings: Record<string, string>,
  ids: { uid: number; gid: number } | undefined,
): { process: ChildProcess; log: () => string } {
  const logFile = join(scratchDir, "server.log");
  const fd = openSync(logFile, "a", 0o600);
  if (ids) chownSync(logFile, ids.uid, ids.gid);
  const args = [
    "-D",
    dataDir,
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const child = spawn(binDir ? join(binDir, "postgres") : "postgres", args, {
    ...ids,
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  return { process: child, log: () => readFileSync(logFile, "utf8") };
}

/** Polls until the recovered server answers as a primary, or resolves "exited" when it stops. */
async function untilRecovered(child: ChildProcess, server: PgTarget): Promise<"ready" | "exited"> {
  let exited = child.exitCode !== null || child.signalCode !== null;
  const onExit = () => (exited = true);
  child.once("exit", onExit);
  try {
    for (;;) {
      if (exited) return "exited";
      try {
        const [[inRecovery]] = await query(server, "select pg_is_in_recovery()");
        if (inRecovery === "f") return "ready";
      } catch {
        // Not accepting connections yet: recovery is still replaying.
      }
      await new Promise((ok) => setTimeout(ok, 200));
    }
  } finally {
    child.off("exit", onExit);
  }
}

const lastLines = (log: string) =>
  log
    .trim()
    .split("\n")
    .filter((l) => /FATAL|PANIC|ERROR/.test(l))
    .slice(-3)
    .join(" / ") || log.trim().split("\n").slice(-3).join(" / ");
