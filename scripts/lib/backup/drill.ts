import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";
import { bucketCounter } from "./archive";
import { withPrivateDir } from "./cleanup";
import { FileEntry, QUALIFIED_NAME, readManifest, verifyChecksums } from "./manifest";
import { PgTarget, countTableRows, existingRoles, query } from "./pg";
import { quoteIdent } from "./otherDatabases";
import { streamIn } from "./proc";
import {
  authenticateFiles,
  backupFiles,
  countDifferences,
  dumpRowCounts,
  otherDumps,
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
    // Each of the server's other databases the backup holds goes into a scratch copy of its own.
    const others = otherDumps(manifest).map((d, i) => ({ ...d, scratch: `${scratch}_${i + 1}` }));
    const scratches = [scratch, ...others.map((d) => d.scratch)];
    try {
      for (const name of scratches) await query(o.server, `create database ${quoteIdent(name)}`);
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
      /** Restores one dump into its scratch copy; returns tables compared and those that differ. */
      const restoreAndCount = async (
        into: string,
        dump: FileEntry,
        expected: Record<string, number>,
        label: string,
      ) => {
        const scratchTarget = o.server.forDatabase(into);
        await streamIn(
          scratchTarget.command(
            "pg_restore",
            ["--single-transaction", "--exit-on-error", "--no-password", "-d", into],
            { stdin: true },
          ),
          await open(dump),
        );
        const names = Object.keys(expected).filter((t) => QUALIFIED_NAME.test(t));
        const diff = countDifferences(expected, await countTableRows(scratchTarget, names));
        return { tables: names.length, mismatches: diff.map((d) => label + d) };
      };
      const results = [
        await restoreAndCount(scratch, dumpEntry, manifest.counts!.tables, ""),
        ...(await sequential(others, (d) =>
          restoreAndCount(d.scratch, d.entry, d.db.tables, `${d.db.name}: `),
        )),
      ];
      const tables = results.reduce((n, r) => n + r.tables, 0);
      const tableMismatches = results.flatMap((r) => r.mismatches);
      if (others.length > 0)
        notes.push(
          `other databases restored into scratch copies too: ${others.map((d) => d.db.name).join(", ")}`,
        );

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
        tables,
        tableMismatches,
        buckets,
        bucketMismatches,
        notes,
      };
    } finally {
      for (const name of scratches)
        await query(o.server, `drop database if exists ${quoteIdent(name)} with (force)`);
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

/** `f` over `items`, one at a time: each restore has the server to itself. */
async function sequential<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}
