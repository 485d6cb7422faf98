import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";
import { bucketCounter } from "./archive";
import { withPrivateDir } from "./cleanup";
import { FileEntry, QUALIFIED_NAME, readManifest, verifyChecksums } from "./manifest";
import { PgTarget, existingRoles, query } from "./pg";
import { streamIn } from "./proc";
import {
  authenticateFiles,
  backupFiles,
  countDifferences,
  dumpRowCounts,
  readText,
} from "./restore";
import { planRoles } from "./roles";

/**
 * `npm run restore -- --drill`: proves a backup restores, without touching the live database.
 * The dump goes into a scratch database on the same server (`ownstack_drill_<time>`), rows per
 * table are counted there and compared with the manifest, objects per bucket are counted in the
 * storage copy, and the scratch database (and any role the drill had to create) is dropped again.
 */

export interface DrillOptions {
  readonly folder: string;
  /** A login on the live server; only CREATE/DROP DATABASE of the scratch copy use it. */
  readonly server: PgTarget;
  readonly passphrase?: string;
  readonly now?: () => Date;
}

export interface DrillReport {
  readonly folder: string;
  readonly createdAt: string;
  readonly scratch: string;
  readonly ok: boolean;
  /** Tables compared, and those whose rows differ (`name: expected → found`). */
  readonly tables: number;
  readonly tableMismatches: readonly string[];
  readonly buckets: number;
  readonly bucketMismatches: readonly string[];
  readonly notes: readonly string[];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rows per table in `target`, for tables named as the manifest names them (QUALIFIED_NAME, safe
 * in SQL), counted in batches of 200 per query.
 */
export async function countTableRows(
  target: PgTarget,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (let i = 0; i < tables.length; i += 200) {
    const batch = tables.slice(i, i + 200);
    const rows = await query(
      target,
      batch.map((t, j) => `select ${i + j}, count(*) from ${t}`).join(" union all "),
    );
    for (const [index, n] of rows) found[tables[Number(index)]] = Number(n);
  }
  return found;
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const manifest = readManifest(o.folder);
  if (!manifest.counts)
    throw new OperatorError(
      `${o.folder} was made before backups recorded row counts; take a new backup to drill`,
    );
  if (manifest.encryption !== null && o.passphrase === undefined)
    throw new OperatorError(
      "this backup is encrypted: set OWNSTACK_BACKUP_PASSPHRASE or pass --passphrase-file <file>",
    );
  await verifyChecksums(o.folder, manifest);
  const file = (kind: FileEntry["kind"]) => manifest.files.find((f) => f.kind === kind);
  const scratch = `ownstack_drill_${(o.now ?? (() => new Date()))().toISOString().replace(/\D/g, "").slice(0, 14)}`;
  if (scratch === o.server.database)
    throw new OperatorError("the drill's scratch database would be the live one");

  return withPrivateDir("ownstack-drill-", async (dir) => {
    const open = backupFiles(o.folder, manifest, dir, o.passphrase);
    const dumpEntry = file("database")!;
    await authenticateFiles(open, manifest, dumpEntry);
    const notes: string[] = [];
    // Reading the archive back first: a damaged dump fails before any database is created.
    const inDump = await dumpRowCounts(o.server, await open(dumpEntry));
    const dumpDiff = countDifferences(manifest.counts!.tables, inDump);
    if (dumpDiff.length > 0)
      notes.push(`the dump itself differs from the manifest: ${dumpDiff.join(", ")}`);

    const rolesEntry = file("roles");
    const roles = rolesEntry
      ? planRoles(await readText(await open(rolesEntry)), await existingRoles(o.server))
      : { created: [], sql: "" };
    const target = o.server.forDatabase(scratch);
    await query(o.server, `create database ${quoteIdent(scratch)}`);
    try {
      // Roles are per server; the drill adds only missing ones (the dump's owners and policy
      // roles) and removes them again below.
      if (roles.sql !== "") {
        await streamIn(
          o.server.command("psql", ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", "-"], {
            stdin: true,
          }),
          Readable.from([roles.sql]),
        );
        notes.push(`roles created for the drill and dropped after: ${roles.created.join(", ")}`);
      }
      await streamIn(
        target.command(
          "pg_restore",
          ["--single-transaction", "--exit-on-error", "--no-password", "-d", scratch],
          { stdin: true },
        ),
        await open(dumpEntry),
      );
      const tables = Object.keys(manifest.counts!.tables).filter((t) => QUALIFIED_NAME.test(t));
      const found = await countTableRows(target, tables);
      const tableMismatches = countDifferences(manifest.counts!.tables, found);

      let bucketMismatches: string[] = [];
      let buckets = 0;
      const storage = file("storage");
      if (storage && manifest.storage && manifest.counts!.buckets) {
        const counter = bucketCounter(manifest.storage.kind);
        await pipeline(await open(storage), counter.lister);
        const expected = manifest.counts!.buckets;
        buckets = Object.keys(expected).length;
        bucketMismatches = countDifferences(
          expected,
          Object.fromEntries(
            Object.keys({ ...expected, ...counter.counts }).map((b) => [b, counter.counts[b] ?? 0]),
          ),
        );
      }
      return {
        folder: o.folder,
        createdAt: manifest.createdAt,
        scratch,
        ok: tableMismatches.length === 0 && bucketMismatches.length === 0,
        tables: tables.length,
        tableMismatches,
        buckets,
        bucketMismatches,
        notes,
      };
    } finally {
      await query(o.server, `drop database if exists ${quoteIdent(scratch)} with (force)`);
      for (const role of [...roles.created].reverse())
        await query(o.server, `drop role if exists ${quoteIdent(role)}`).catch(() => undefined);
    }
  });
}

export function formatDrillReport(r: DrillReport): string {
  const lines = [
    `drill ${r.ok ? "passed" : "FAILED"}: ${r.folder} (taken ${r.createdAt})`,
    `  restored into scratch database ${r.scratch}, dropped again; the live database was not touched`,
    `  tables: ${r.tables} compared, ${r.tableMismatches.length === 0 ? "row counts equal the manifest" : `${r.tableMismatches.length} differ: ${r.tableMismatches.join(", ")}`}`,
  ];
  if (r.buckets > 0 || r.bucketMismatches.length > 0)
    lines.push(
      `  buckets: ${r.buckets} compared, ${r.bucketMismatches.length === 0 ? "object counts equal the manifest" : `${r.bucketMismatches.length} differ: ${r.bucketMismatches.join(", ")}`}`,
    );
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}
