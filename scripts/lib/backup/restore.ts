import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";
import { CopyRowCounter } from "./archive";
import { withPrivateDir } from "./cleanup";
import { openDecrypted } from "./crypto";
import { FileEntry, Manifest, readManifest, verifyChecksums } from "./manifest";
import {
  FolderCounts,
  FolderSource,
  FolderWriter,
  OPEN_WEBUI_FILES,
  folderWriter,
  formatFolderCounts,
} from "./folders";
import { otherDatabaseBusy, restoreOtherDatabase } from "./otherDatabases";
import { PgTarget, replaceFromDump, busyReasons, existingRoles, query, summarizeToc } from "./pg";
import { streamIn, streamThrough } from "./proc";
import { Progress, silentProgress } from "./progress";
import { planRoles } from "./roles";
import { StorageSource, restoreStorage, storedObjectCount } from "./storage";
import {
  StudioCounts,
  StudioSource,
  StudioWriter,
  formatStudioCounts,
  studioWriter,
} from "./studio";

/** Where the backup goes: the database, the storage and studio containers (each optional but the database). */
export interface RestoreDestination {
  readonly target: PgTarget;
  readonly storage?: StorageSource;
  readonly studio?: StudioSource | StudioWriter;
  /** Open WebUI's container, when the stack runs it: its uploads go back into it. */
  readonly openWebui?: FolderSource | FolderWriter;
}

export interface RestoreOptions {
  readonly folder: string;
  /** Called once the backup itself checked out, so a damaged backup never needs the stack. */
  readonly connect: () => Promise<RestoreDestination>;
  readonly force: boolean;
  readonly passphrase?: string;
  readonly progress?: Progress;
}

export interface RestoreReport {
  readonly folder: string;
  readonly database: string;
  readonly replaced: boolean;
  readonly rolesCreated: readonly string[];
  readonly tables: number;
  readonly policies: number;
  readonly largeObjects: number;
  readonly storageBuckets: readonly string[] | null;
  /** The server's other databases the backup held (Open WebUI's, the user's), each put back. */
  readonly otherDatabases: readonly string[];
  /** Files put back into Studio's snippets and Edge Functions folders; null when not restored. */
  readonly studio: StudioCounts | null;
  /** Open WebUI's uploads put back, per folder; null when not restored. */
  readonly openWebui: FolderCounts | null;
  readonly notes: readonly string[];
}

/**
 * Restore, in an order where every refusal comes before the first write: manifest, checksums,
 * decryption (every file read through once, authenticated), the archive's table of contents and
 * rows, then the busy check. Only then roles, the database (pg_restore in one transaction, fed
 * straight from the decrypting stream), storage and Studio's folders.
 */
export async function runRestore(o: RestoreOptions): Promise<RestoreReport> {
  const progress = o.progress ?? silentProgress;
  const manifest = readManifest(o.folder);
  const file = (kind: FileEntry["kind"]) => manifest.files.find((f) => f.kind === kind);
  const dumpEntry = file("database");
  if (!dumpEntry)
    throw new OperatorError(`${o.folder} holds no database dump; nothing was restored`);
  if (manifest.encryption !== null && o.passphrase === undefined)
    throw new OperatorError(
      "this backup is encrypted: set OWNSTACK_BACKUP_PASSPHRASE or pass --passphrase-file <file>; nothing was restored",
    );

  const sums = progress.task("checksums", manifest.files.length, "files");
  let checked = 0;
  await verifyChecksums(o.folder, manifest, () => sums.update(++checked));
  sums.done(`${checked} files verified`);

  // Only OWNSTKE1 files are decrypted to disk, into a private folder removed on every exit,
  // Ctrl-C and SIGTERM included; age files stream, so even SIGKILL leaves no plaintext.
  return withPrivateDir("ownstack-restore-", async (plain) => {
    const open = backupFiles(o.folder, manifest, plain, o.passphrase);
    await authenticateFiles(open, manifest, dumpEntry);
    const dump = () => open(dumpEntry);
    const { target, storage, studio, openWebui } = await o.connect();

    // The whole archive is read before anything changes: a truncated or foreign archive, or one
    // that does not hold the rows the manifest recorded, fails here, before roles are created.
    const toc = summarizeToc(
      await streamIn(target.command("pg_restore", ["--list"], { stdin: true }), await dump()).catch(
        (err: Error) => {
          throw new OperatorError(
            `the database dump cannot be read (${err.message}); the backup is damaged, nothing was restored`,
          );
        },
      ),
    );
    await checkDumpRows(target, await dump(), manifest);
    const others = otherDumps(manifest);
    for (const { db, entry } of others)
      await checkDumpRows(target, await open(entry), manifest, db);
    const notes: string[] = [];
    const storageTar = file("storage");
    const storageWanted = storageTar !== undefined && manifest.storage !== null;
    if (storageWanted && storage === undefined)
      notes.push(
        "storage was not restored: no storage container was given (restore with -s <stack>)",
      );
    if (storageWanted && storage !== undefined && storage.kind !== manifest.storage!.kind)
      throw new OperatorError(
        `the backup holds ${manifest.storage!.kind} storage but the stack uses ${storage.kind}; nothing was restored`,
      );
    const restoreStorageTo = storageWanted ? storage : undefined;
    const studioTar = manifest.studio ? file("studio") : undefined;
    if (studioTar && studio === undefined)
      notes.push(
        "Studio's snippets and functions were not restored: no studio container was given (restore with -s <stack>)",
      );
    if (!studioTar && studio !== undefined)
      notes.push(
        "this backup holds no Studio snippets or functions (taken before they were backed up); Studio's folders were left as they are",
      );

    const openWebuiTar = manifest.openWebui ? file("openwebui") : undefined;
    if (openWebuiTar && openWebui === undefined)
      notes.push(
        "Open WebUI's uploads were not restored: the stack runs no Open WebUI (restore with -s <stack>, openWebui on)",
      );

    const busy = await busyReasons(target);
    for (const { db } of others) busy.push(...(await otherDatabaseBusy(target, db.name)));
    if (restoreStorageTo) {
      const objects = await storedObjectCount(restoreStorageTo, manifest.storage!.buckets);
      if (objects > 0) busy.push(`${objects} stored files`);
    }
    if (busy.length > 0 && !o.force)
      throw new OperatorError(
        `the database is not empty (${busy.join("; ")}); nothing was restored. Re-run with --force to replace what the backup holds`,
      );

    const rolesFile = file("roles");
    const roles = rolesFile
      ? planRoles(await readText(await open(rolesFile)), await existingRoles(target))
      : { created: [], sql: "" };
    if (roles.sql !== "")
      await streamIn(
        target.command("psql", ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", "-"], {
          stdin: true,
        }),
        Readable.from([roles.sql]),
      );

    const db = progress.task("database", toc.tables, "files");
    await replaceFromDump(target, await dump());
    db.done(`${toc.tables} tables with data, ${toc.policies} policies`);
    for (const { db, entry } of others) {
      const task = progress.task(`database ${db.name}`, Object.keys(db.tables).length, "files");
      await restoreOtherDatabase(target, db, await open(entry));
      task.done(`${Object.keys(db.tables).length} tables`);
    }

    if (restoreStorageTo && storageTar) {
      const st = progress.task("storage", 0, "bytes");
      await restoreStorage(restoreStorageTo, await open(storageTar), manifest.storage!.buckets);
      st.done(`${manifest.storage!.buckets.length} buckets`);
    }
    if (studio && studioTar) {
      const sf = progress.task("studio", 0, "bytes");
      await studioWriter(studio).restore(await open(studioTar));
      sf.done(formatStudioCounts(manifest.studio!.files));
    }
    if (openWebui && openWebuiTar) {
      const ow = progress.task("open webui", 0, "bytes");
      await folderWriter(OPEN_WEBUI_FILES, openWebui).restore(await open(openWebuiTar));
      ow.done(formatFolderCounts(OPEN_WEBUI_FILES, manifest.openWebui!.files));
    }
    const largeObjects = Number(
      (await query(target, "select count(*) from pg_largeobject_metadata"))[0]?.[0] ?? 0,
    );
    return {
      folder: o.folder,
      database: target.description,
      replaced: busy.length > 0,
      rolesCreated: roles.created,
      tables: toc.tables,
      policies: toc.policies,
      largeObjects,
      storageBuckets: restoreStorageTo ? manifest.storage!.buckets : null,
      otherDatabases: others.map((o) => o.db.name),
      studio: studio && studioTar ? manifest.studio!.files : null,
      openWebui: openWebui && openWebuiTar ? manifest.openWebui!.files : null,
      notes,
    };
  }).finally(() => progress.stop());
}

/** Rows per table in a dump, read back by pg_restore without a database; fails on a damaged archive. */
export async function dumpRowCounts(
  target: PgTarget,
  dump: Readable,
): Promise<Record<string, number>> {
  const rows = new CopyRowCounter();
  try {
    await streamThrough(target.command("pg_restore", ["--file=-"], { stdin: true }), dump, rows);
  } catch (err) {
    throw new OperatorError(
      `the database dump cannot be read (${(err as Error).message}); the backup is damaged, nothing was restored`,
    );
  }
  return rows.counts;
}

/** Differences between two `table → rows` maps, as `public.items: 120 → 119`. */
export function countDifferences(
  expected: Readonly<Record<string, number>>,
  actual: Readonly<Record<string, number>>,
): string[] {
  return [...new Set([...Object.keys(expected), ...Object.keys(actual)])]
    .sort()
    .filter((k) => expected[k] !== actual[k])
    .map((k) => `${k}: ${expected[k] ?? "absent"} → ${actual[k] ?? "absent"}`);
}

/** The dump of the main database, or of `other`, holds the rows the manifest recorded for it. */
async function checkDumpRows(
  target: PgTarget,
  dump: Readable,
  manifest: Manifest,
  other?: OtherDump["db"],
): Promise<void> {
  const rows = await dumpRowCounts(target, dump);
  const expected = other ? other.tables : manifest.counts?.tables;
  const diff = expected ? countDifferences(expected, rows) : [];
  if (diff.length > 0)
    throw new OperatorError(
      `the ${other ? `dump of database ${other.name}` : "database dump"} does not hold the rows its manifest recorded (${diff.slice(0, 3).join(", ")}); the backup is damaged, nothing was restored`,
    );
}

export interface OtherDump {
  readonly db: NonNullable<Manifest["otherDatabases"]>[number];
  readonly entry: FileEntry;
}

/** The manifest's other databases with their files; a file the manifest lacks is damage. */
export function otherDumps(manifest: Manifest): OtherDump[] {
  return (manifest.otherDatabases ?? []).map((db) => {
    const entry = manifest.files.find((f) => f.name === db.file && f.kind === "other-database");
    if (!entry)
      throw new OperatorError(
        `the manifest names ${db.file} for database ${db.name} but lists no such file; the backup is damaged, nothing was restored`,
      );
    return { db, entry };
  });
}

/** Opens one of a backup's files as its plaintext; see openDecrypted for where that lives. */
export type BackupFiles = (entry: FileEntry) => Promise<Readable>;

export function backupFiles(
  folder: string,
  manifest: Manifest,
  dir: string,
  passphrase: string | undefined,
): BackupFiles {
  return async (entry) => {
    const source = join(folder, entry.name);
    return manifest.encryption === null
      ? createReadStream(source)
      : openDecrypted(source, passphrase!, dir);
  };
}

/**
 * Reads every encrypted file but `skip` through once, discarding the plaintext: a wrong key or a
 * changed byte is refused here, before anything is written. (`skip`, the dump, is read through
 * by dumpRowCounts, which authenticates it the same way.)
 */
export async function authenticateFiles(
  open: BackupFiles,
  manifest: Manifest,
  skip: FileEntry,
): Promise<void> {
  if (manifest.encryption === null) return;
  const discard = () => new Writable({ write: (_c, _e, done) => done() });
  for (const f of manifest.files) {
    const plain = await open(f);
    if (f === skip) plain.destroy();
    else await pipeline(plain, discard());
  }
}

export async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function formatRestoreReport(r: RestoreReport): string {
  const lines = [
    `restored ${r.folder}`,
    `  into ${r.database}${r.replaced ? " (replacing what the backup holds; --force)" : ""}`,
    `  roles created: ${r.rolesCreated.length > 0 ? r.rolesCreated.join(", ") : "none (all existed)"}`,
    `  tables with data: ${r.tables}, row level security policies: ${r.policies}, large objects now: ${r.largeObjects}`,
  ];
  if (r.storageBuckets !== null)
    lines.push(
      `  storage buckets: ${r.storageBuckets.length > 0 ? r.storageBuckets.join(", ") : "none in the backup"}`,
    );
  if (r.otherDatabases.length > 0) lines.push(`  other databases: ${r.otherDatabases.join(", ")}`);
  if (r.studio !== null)
    lines.push(`  Studio snippets and Edge Functions: ${formatStudioCounts(r.studio)}`);
  if (r.openWebui !== null)
    lines.push(`  Open WebUI: ${formatFolderCounts(OPEN_WEBUI_FILES, r.openWebui)}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}
