import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Duplex, Writable } from "node:stream";
import { OperatorError } from "../operatorError";
import { CopyRowCounter, bucketCounter } from "./archive";
import { removeOnExit } from "./cleanup";
import { encryptingStream } from "./crypto";
import {
  FORMAT,
  AGE_ENCRYPTION,
  FileEntry,
  MANIFEST,
  Manifest,
  backupName,
  backupTime,
  listBackups,
  partialBackups,
  pruneBackups,
  sha256File,
} from "./manifest";
import { otherDatabases } from "./otherDatabases";
import { PgTarget, databaseSize, majorOf, serverVersion, toolVersion } from "./pg";
import { byteCounter, streamOut, streamThrough, teeTo } from "./proc";
import { PassThrough } from "node:stream";
import { Progress, mib, silentProgress } from "./progress";
import { Retention, planRetention } from "../../../config/backupRetention";
import { StorageReader, StorageSource, storageReader } from "./storage";
import {
  FolderCounts,
  FolderReader,
  FolderSource,
  OPEN_WEBUI_FILES,
  backupFolders,
  folderReader,
} from "./folders";
import { StudioCounts, StudioReader, StudioSource, backupStudio, studioReader } from "./studio";

export interface BackupOptions {
  /** The folder holding all backups; each run adds `<prefix>-<time>/` inside it. */
  readonly root: string;
  /** The stack name, or `db` for a bare `--db-url` backup; retention counts per prefix. */
  readonly prefix: string;
  readonly stack: string | null;
  readonly target: PgTarget;
  /** Through the Docker CLI (npm run backup), or read directly (the scheduler in the stack). */
  readonly storage?: StorageSource | StorageReader;
  /** Studio's snippets and Edge Functions folders (./studio.ts); absent with a bare `--db-url`. */
  readonly studio?: StudioSource | StudioReader;
  /** Open WebUI's uploads (./folders.ts), when the stack runs it. */
  readonly openWebui?: FolderSource | FolderReader;
  readonly images?: { readonly db?: string; readonly storage?: string };
  /**
   * Also dump the server's other databases (./otherDatabases.ts): a stack's backup does, a
   * `--db-url` backup of one database does not.
   */
  readonly otherDatabases?: boolean;
  /** Keep the newest N (npm run backup --keep), or by days/weeks/months (the scheduler). */
  readonly keep: number | Retention;
  readonly passphrase?: string;
  /** Recorded in the manifest: which key encrypted the files (./keys.ts). */
  readonly keyId?: string;
  readonly progress?: Progress;
  readonly now?: () => Date;
  /** The ownstack version for the manifest (package.json's, passed in: the scheduler has no checkout). */
  readonly version?: string;
}

export interface BackupResult {
  readonly folder: string;
  readonly manifest: Manifest;
  readonly pruned: readonly string[];
  /** Unfinished folders an interrupted earlier run left, removed before this one started. */
  readonly cleaned: readonly string[];
}

const sortedCounts = (counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

/** Prunes by count or by retention rules; returns the removed folder names. */
export function prune(root: string, prefix: string, keep: number | Retention): string[] {
  if (typeof keep === "number") return pruneBackups(root, prefix, keep);
  const { remove } = planRetention(
    listBackups(root, prefix).map((name) => ({ name, at: backupTime(name) })),
    keep,
  );
  for (const b of remove) rmSync(join(root, b.name), { recursive: true, force: true });
  return remove.map((b) => b.name);
}

/** Makes `root` (0700: backups are the user's data) or says in one line why it cannot. */
export function prepareRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    if (!statSync(root).isDirectory()) throw new Error("not a folder");
    const probe = join(root, `.ownstack-write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    throw new OperatorError(
      `cannot write backups to ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was backed up`,
    );
  }
}

/**
 * One backup: database (custom format, with large objects), roles, storage, Studio's folders,
 * manifest. Written to a hidden `.partial` folder that becomes the backup only once complete,
 * then old ones are pruned.
 */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  if (typeof o.keep === "number" && (!Number.isInteger(o.keep) || o.keep < 1))
    throw new OperatorError(`--keep must be a whole number of at least 1, got ${o.keep}`);
  const progress = o.progress ?? silentProgress;
  const storage = o.storage && storageReader(o.storage);
  const studio = o.studio && studioReader(o.studio);
  const openWebui = o.openWebui && folderReader(OPEN_WEBUI_FILES, o.openWebui);
  const [server, pgDump] = [await serverVersion(o.target), await toolVersion(o.target, "pg_dump")];
  if (majorOf(pgDump) < majorOf(server))
    throw new OperatorError(
      `pg_dump ${pgDump} cannot dump a PostgreSQL ${server} server; use pg_dump ${majorOf(server)} or newer (--pg-bin <folder>)`,
    );
  prepareRoot(o.root);
  // A run killed by a signal or the OOM killer never renamed its folder: it never counted as a
  // backup, and it is removed here so it does not fill the disk.
  const cleaned = partialBackups(o.root, o.prefix);
  for (const n of cleaned) rmSync(join(o.root, n), { recursive: true, force: true });

  const createdAt = (o.now ?? (() => new Date()))();
  const name = backupName(o.prefix, createdAt);
  const partial = join(o.root, `.${name}.partial`);
  mkdirSync(partial, { mode: 0o700 });
  const release = removeOnExit(partial);
  try {
    const suffix = o.passphrase !== undefined ? ".enc" : "";
    const written: { name: string; kind: FileEntry["kind"] }[] = [];
    const open = async (file: string, kind: FileEntry["kind"], label: string, estimate: number) => {
      const task = progress.task(label, estimate, "bytes");
      let bytes = 0;
      const through: Duplex[] = [byteCounter((n) => task.update((bytes = n)))];
      if (o.passphrase !== undefined) through.push(await encryptingStream(o.passphrase));
      written.push({ name: file + suffix, kind });
      const sink: Writable = createWriteStream(join(partial, file + suffix), { mode: 0o600 });
      return { through, sink, done: () => task.done(mib(bytes)) };
    };

    /** One database's custom-format dump into `file`; returns its size and rows per table. */
    const dump = async (target: PgTarget, file: string, kind: FileEntry["kind"], label: string) => {
      const size = await databaseSize(target);
      const db = await open(file, kind, label, size);
      // The same bytes go to pg_restore, which reads the archive back as SQL: rows per table for
      // the drill, and proof the dump is complete before it counts as a backup.
      const rows = new CopyRowCounter();
      const tee = new PassThrough();
      const reader = streamThrough(
        target.command("pg_restore", ["--file=-"], { stdin: true }),
        tee,
        rows,
      );
      await Promise.all([
        streamOut(
          target.command("pg_dump", ["--format=custom", "--no-password"]),
          [teeTo(tee), ...db.through],
          db.sink,
        ),
        reader,
      ]);
      db.done();
      return { size, tables: sortedCounts(rows.counts) };
    };
    const main = await dump(o.target, "db.dump", "database", "database");
    const others: NonNullable<Manifest["otherDatabases"]> = [];
    if (o.otherDatabases)
      for (const [i, other] of (await otherDatabases(o.target)).entries()) {
        const file = `db.${i + 1}.dump`;
        const d = await dump(
          o.target.forDatabase(other.name),
          file,
          "other-database",
          `database ${other.name}`,
        );
        others.push({ ...other, file: file + suffix, sizeBytes: d.size, tables: d.tables });
      }

    const roles = await open("roles.sql", "roles", "roles", 0);
    await streamOut(
      o.target.command("pg_dumpall", [
        "--roles-only",
        "--no-role-passwords",
        "--no-password",
        "-l",
        o.target.database,
      ]),
      roles.through,
      roles.sink,
    );
    roles.done();

    let buckets: string[] | undefined;
    let objects: Record<string, number> | null = null;
    if (storage) {
      const st = await open("storage.tar", "storage", "storage", 0);
      const counter = bucketCounter(storage.kind);
      const listed = new Promise<void>((ok, fail) =>
        counter.lister.once("finish", ok).once("error", fail),
      );
      buckets = await storage.write([teeTo(counter.lister), ...st.through], st.sink);
      await listed;
      objects = Object.fromEntries(
        [...new Set([...buckets, ...Object.keys(counter.counts)])]
          .sort()
          .map((b) => [b, counter.counts[b] ?? 0]),
      );
      st.done();
    }

    let studioFiles: StudioCounts | undefined;
    if (studio) {
      const sf = await open("studio.tar", "studio", "studio", 0);
      studioFiles = await backupStudio(studio, sf.through, sf.sink);
      sf.done();
    }

    let openWebuiFiles: FolderCounts | undefined;
    if (openWebui) {
      const ow = await open("openwebui.tar", "openwebui", "open webui", 0);
      openWebuiFiles = await backupFolders(OPEN_WEBUI_FILES, openWebui, ow.through, ow.sink);
      ow.done();
    }

    const sums = progress.task("checksums", written.length, "files");
    const files: FileEntry[] = [];
    for (const f of written) {
      const path = join(partial, f.name);
      files.push({
        name: f.name,
        kind: f.kind,
        bytes: statSync(path).size,
        sha256: await sha256File(path),
      });
      sums.update(files.length);
    }
    sums.done(`${files.length} files`);

    const manifest: Manifest = {
      format: FORMAT,
      createdAt: createdAt.toISOString(),
      stack: o.stack,
      source: { database: o.target.description, storage: storage ? storage.description : null },
      versions: {
        ownstack: o.version ?? "unknown",
        node: process.version,
        postgres: server,
        pgDump,
        dbImage: o.images?.db ?? null,
        storageImage: o.images?.storage ?? null,
      },
      database: { name: o.target.database, sizeBytes: main.size },
      storage: storage ? { kind: storage.kind, buckets: buckets ?? [] } : null,
      ...(o.otherDatabases ? { otherDatabases: others } : {}),
      ...(openWebui && openWebuiFiles
        ? { openWebui: { source: openWebui.description, files: openWebuiFiles } }
        : {}),
      ...(studio && studioFiles
        ? { studio: { source: studio.description, files: studioFiles } }
        : {}),
      encryption:
        o.passphrase !== undefined
          ? {
              ...AGE_ENCRYPTION,
              ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
            }
          : null,
      files,
      counts: {
        tables: main.tables,
        buckets: objects,
      },
    };
    writeFileSync(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    const folder = join(o.root, name);
    // The rename is the commit point: before it there is no backup, after it a complete one.
    renameSync(partial, folder);
    release({ keep: true });
    return { folder, manifest, pruned: prune(o.root, o.prefix, o.keep), cleaned };
  } catch (err) {
    release();
    throw err;
  } finally {
    progress.stop();
  }
}
