import { QUALIFIED_NAME, readManifest } from "../backup/manifest";
import { PgTarget, countTableRows, majorOf, serverVersion } from "../backup/pg";
import { Progress } from "../backup/progress";
import { RestoreReport, countDifferences, runRestore } from "../backup/restore";
import { EXIT, OperatorError } from "../operatorError";

/**
 * The core of `npm run pg-upgrade`: a fresh backup of the old major goes into an empty server of
 * the new major (pg_restore, one transaction), and every table's rows there are compared with
 * what the backup's manifest recorded. Only a copy that matches may replace the old data.
 *
 * Dump and restore rather than pg_upgrade: pg_upgrade needs both majors' binaries and every
 * extension's libraries in one filesystem, which upstream builds by extracting a tarball from the
 * new image into a container of the old one (supabase/supabase docker/utils/upgrade-pg17.sh).
 * A dump needs only the two images as they ship; it costs time proportional to the data.
 */

export interface UpgradeCopyOptions {
  /** The backup just taken from the old server (its manifest has rows per table). */
  readonly folder: string;
  /** An empty server of the new major (a fresh supabase/postgres container, or any database). */
  readonly into: PgTarget;
  readonly passphrase?: string;
  readonly progress?: Progress;
}

export interface UpgradeCheck {
  readonly folder: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly tables: number;
  /** `schema.table: rows in the backup → rows in the copy`, for every table that differs. */
  readonly mismatches: readonly string[];
  /** True when every table has the rows the backup recorded: the copy may be swapped in. */
  readonly ok: boolean;
  readonly restore: RestoreReport;
}

export async function upgradeCopy(o: UpgradeCopyOptions): Promise<UpgradeCheck> {
  const manifest = readManifest(o.folder);
  if (!manifest.counts)
    throw new OperatorError(
      `${o.folder} was made before backups recorded row counts, so an upgraded copy cannot be checked against it; nothing was changed`,
    );
  const toVersion = await serverVersion(o.into);
  const [from, to] = [majorOf(manifest.versions.postgres), majorOf(toVersion)];
  if (!(to > from))
    throw new OperatorError(
      `the new server runs PostgreSQL ${toVersion} and the data is PostgreSQL ${manifest.versions.postgres}: an upgrade goes to a newer major; nothing was changed`,
    );
  const restore = await runRestore({
    folder: o.folder,
    connect: async () => ({ target: o.into }),
    force: false,
    passphrase: o.passphrase,
    progress: o.progress,
  });
  const { tables, mismatches } = await compareWithBackup(o.folder, o.into);
  return {
    folder: o.folder,
    fromVersion: manifest.versions.postgres,
    toVersion,
    tables,
    mismatches,
    ok: mismatches.length === 0,
    restore,
  };
}

/** Rows per table in `into` against the backup's manifest: how many tables, and which differ. */
export async function compareWithBackup(
  folder: string,
  into: PgTarget,
): Promise<{ tables: number; mismatches: string[] }> {
  const manifest = readManifest(folder);
  // The main database, then each other database the backup held (Open WebUI's, the user's).
  const parts = [
    { target: into, expected: manifest.counts?.tables ?? {}, label: "" },
    ...(manifest.otherDatabases ?? []).map((db) => ({
      target: into.forDatabase(db.name),
      expected: db.tables,
      label: `${db.name}: `,
    })),
  ];
  let tables = 0;
  const mismatches: string[] = [];
  for (const p of parts) {
    const names = Object.keys(p.expected).filter((t) => QUALIFIED_NAME.test(t));
    tables += names.length;
    const diff = countDifferences(p.expected, await countTableRows(p.target, names));
    mismatches.push(...diff.map((d) => p.label + d));
  }
  return { tables, mismatches };
}

export function formatUpgradeCheck(c: UpgradeCheck): string {
  return [
    `upgraded copy ${c.ok ? "matches" : "DIFFERS FROM"} the backup: PostgreSQL ${c.fromVersion} → ${c.toVersion}`,
    `  backup: ${c.folder}`,
    `  tables: ${c.tables} compared, ${c.ok ? "row counts equal the manifest" : `${c.mismatches.length} differ: ${c.mismatches.join(", ")}`}`,
    ...c.restore.notes.map((n) => `  note: ${n}`),
  ].join("\n");
}

/** The swap's gate: a copy that lost or gained a row never replaces the old data. */
export function requireMatchingCopy(c: UpgradeCheck): void {
  if (!c.ok)
    throw new OperatorError(
      `the upgraded copy differs from the backup in ${c.mismatches.length} table${c.mismatches.length === 1 ? "" : "s"} (${c.mismatches.join(", ")}); not swapped, the PostgreSQL ${majorOf(c.fromVersion)} data is untouched`,
      EXIT.failed,
    );
}
