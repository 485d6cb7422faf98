import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { WAL_SUFFIX } from "../../../components/render/walArchive";
import { OperatorError } from "../operatorError";
import { query } from "./pg";
import { ArchiverStatus } from "./pitrSchedule";
import { Recovery, chooseBase, coverage, describeCoverage, parseTarget, recover } from "./pitr";

/**
 * `npm run restore -- --to <time>` and `--drill --to <time>` inside the backup scheduler
 * container, where the base backups, the WAL archive, the key and a Postgres of the server's
 * version are. The drill recovers into a scratch folder beside the archive (reachable by the
 * postgres user), counts rows and removes it. The staged restore leaves the recovered, promoted
 * and cleanly stopped data directory in `<archive>/.restore-staged/data` for restore.ts to swap
 * into the db volume.
 */

export interface PitrRestoreOptions {
  readonly root: string;
  readonly prefix: string;
  readonly walDir: string;
  readonly to: string;
  readonly passphrase?: string;
  /** A role of the cluster (supabase_admin). */
  readonly user: string;
  readonly binDir?: string;
  readonly now?: () => Date;
}

export interface PitrReport {
  readonly target: string;
  readonly covered: string;
  readonly base: string;
  readonly stoppedAt: Recovery["stoppedAt"];
  readonly seconds: number;
  readonly tables: number;
  readonly rows: number;
  readonly largest: readonly { readonly table: string; readonly rows: number }[];
  readonly dataDir?: string;
}

export const STAGED_DIR = ".restore-staged";

const TABLE_COUNTS = `select format('%I.%I', n.nspname, c.relname),
  (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
  order by 2 desc, 1`;

async function recoverAndCount(
  o: PitrRestoreOptions,
  workDir: string,
  keep: boolean,
): Promise<PitrReport> {
  const now = o.now ?? (() => new Date());
  const started = now().getTime();
  const c = coverage(o.root, o.prefix, o.walDir);
  const target = parseTarget(o.to);
  const base = chooseBase(c, target);
  const rec = await recover({
    base,
    walDir: o.walDir,
    workDir,
    target,
    passphrase: o.passphrase,
    binDir: o.binDir,
    user: o.user,
  });
  try {
    const counts = [];
    for (const [database] of await query(
      rec.server,
      "select datname from pg_database where datallowconn and not datistemplate order by 1",
    ))
      for (const [table, rows] of await query(rec.server.forDatabase(database), TABLE_COUNTS))
        counts.push({
          table: database === "postgres" ? table : `${database}:${table}`,
          rows: Number(rows),
        });
    return {
      target: target.text,
      covered: describeCoverage(c),
      base: base.manifest.name,
      stoppedAt: rec.stoppedAt,
      seconds: (now().getTime() - started) / 1000,
      tables: counts.length,
      rows: counts.reduce((n, t) => n + t.rows, 0),
      largest: [...counts].sort((a, b) => b.rows - a.rows).slice(0, 5),
      ...(keep ? { dataDir: rec.dataDir } : {}),
    };
  } finally {
    await rec.stop();
    if (keep) archiveNewHistory(rec.dataDir, o.walDir);
  }
}

/** Recovers into a scratch folder, reports, removes it; the live database is not touched. */
export async function pitrDrill(o: PitrRestoreOptions): Promise<PitrReport> {
  const stamp = (o.now ?? (() => new Date()))().toISOString().replace(/\D/g, "").slice(0, 14);
  const workDir = join(o.walDir, `.restore-drill-${stamp}`);
  try {
    return await recoverAndCount(o, workDir, false);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Recovers into `<archive>/.restore-staged` (replacing an older one) and keeps it stopped there. */
export async function pitrStage(o: PitrRestoreOptions): Promise<PitrReport> {
  const workDir = join(o.walDir, STAGED_DIR);
  rmSync(workDir, { recursive: true, force: true });
  try {
    return await recoverAndCount(o, workDir, true);
  } catch (err) {
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The promotion wrote a timeline history file that the recovering server (archive_mode off) did
 * not archive; later recoveries follow timelines through these files, so it goes in now.
 */
function archiveNewHistory(dataDir: string, walDir: string): void {
  const wal = join(dataDir, "pg_wal");
  for (const name of existsSync(wal) ? readdirSync(wal) : [])
    if (/^[0-9A-F]{8}\.history$/.test(name) && !existsSync(join(walDir, `${name}${WAL_SUFFIX}`))) {
      const r = spawnSync("sh", [
        "-c",
        `gzip -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"`,
        "sh",
        join(wal, name),
        join(walDir, `${name}${WAL_SUFFIX}`),
      ]);
      if (r.status !== 0) throw new OperatorError(`could not archive ${name}: ${r.stderr}`);
    }
}

export function formatPitrReport(
  r: PitrReport,
  rpo?: { archiveTimeoutSeconds: number; archiver?: ArchiverStatus },
): string {
  const lines = [
    `Point-in-time recovery to ${r.target}: ok (${r.stoppedAt === "target" ? "stopped at the target" : "no commit after the target in the archive: recovered to its end, the state at the target"})`,
    `  archive covers ${r.covered}; started from base backup ${r.base}; ${r.seconds.toFixed(1)} s`,
    `  ${r.tables} tables, ${r.rows} rows${r.largest.length > 0 ? `; largest: ${r.largest.map((t) => `${t.table} ${t.rows}`).join(", ")}` : ""}`,
  ];
  if (rpo)
    lines.push(
      `  RPO: archive_timeout ${rpo.archiveTimeoutSeconds} s${rpo.archiver ? `, archiver ${rpo.archiver.pending} segment(s) pending, lag ${rpo.archiver.lagSeconds.toFixed(0)} s, last archived ${rpo.archiver.lastArchivedAt?.toISOString() ?? "never"}` : ""}: at most ${(rpo.archiveTimeoutSeconds + (rpo.archiver?.lagSeconds ?? 0)).toFixed(0)} s of commits can be lost`,
    );
  if (r.dataDir) lines.push(`  recovered data directory staged at ${r.dataDir}`);
  return lines.join("\n");
}
