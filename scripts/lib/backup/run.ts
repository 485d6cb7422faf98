import { createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Transform, Writable } from "node:stream";
import { OperatorError } from "../errors";
import { PROJECT_DIR } from "../project";
import { encryptingStream } from "./crypto";
import { FORMAT, FileEntry, MANIFEST, Manifest, backupName, pruneBackups, sha256File } from "./manifest";
import { PgTarget, databaseSize, majorOf, serverVersion, toolVersion } from "./pg";
import { byteCounter, streamOut } from "./proc";
import { Progress, mib, silentProgress } from "./progress";
import { StorageSource, backupStorage, describeStorage } from "./storage";

export interface BackupOptions {
  /** The folder holding all backups; each run adds `<prefix>-<time>/` inside it. */
  readonly root: string;
  /** The stack name, or `db` for a bare `--db-url` backup; retention counts per prefix. */
  readonly prefix: string;
  readonly stack: string | null;
  readonly target: PgTarget;
  readonly storage?: StorageSource;
  readonly images?: { readonly db?: string; readonly storage?: string };
  readonly keep: number;
  readonly passphrase?: string;
  readonly progress?: Progress;
  readonly now?: () => Date;
}

export interface BackupResult {
  readonly folder: string;
  readonly manifest: Manifest;
  readonly pruned: readonly string[];
}

const ownstackVersion = () => (JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { version: string }).version;

/** Makes `root` (0700: backups are the user's data) or says in one line why it cannot. */
export function prepareRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    if (!statSync(root).isDirectory()) throw new Error("not a folder");
    const probe = join(root, `.ownstack-write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    throw new OperatorError(`cannot write backups to ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was backed up`);
  }
}

/**
 * One backup: database (custom format, with large objects), roles, storage, manifest. Written to
 * a hidden `.partial` folder that becomes the backup only once complete, then old ones are pruned.
 */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  if (!Number.isInteger(o.keep) || o.keep < 1) throw new OperatorError(`--keep must be a whole number of at least 1, got ${o.keep}`);
  const progress = o.progress ?? silentProgress;
  const [server, pgDump] = [await serverVersion(o.target), await toolVersion(o.target, "pg_dump")];
  if (majorOf(pgDump) < majorOf(server))
    throw new OperatorError(`pg_dump ${pgDump} cannot dump a PostgreSQL ${server} server; use pg_dump ${majorOf(server)} or newer (--pg-bin <folder>)`);
  prepareRoot(o.root);

  const createdAt = (o.now ?? (() => new Date()))();
  const name = backupName(o.prefix, createdAt);
  const partial = join(o.root, `.${name}.partial`);
  mkdirSync(partial, { mode: 0o700 });
  try {
    const suffix = o.passphrase !== undefined ? ".enc" : "";
    const written: { name: string; kind: FileEntry["kind"] }[] = [];
    const open = async (file: string, kind: FileEntry["kind"], label: string, estimate: number) => {
      const task = progress.task(label, estimate, "bytes");
      let bytes = 0;
      const through: Transform[] = [byteCounter((n) => task.update((bytes = n)))];
      if (o.passphrase !== undefined) through.push(await encryptingStream(o.passphrase));
      written.push({ name: file + suffix, kind });
      const sink: Writable = createWriteStream(join(partial, file + suffix), { mode: 0o600 });
      return { through, sink, done: () => task.done(mib(bytes)) };
    };

    const size = await databaseSize(o.target);
    const db = await open("db.dump", "database", "database", size);
    await streamOut(o.target.command("pg_dump", ["--format=custom", "--no-password"]), db.through, db.sink);
    db.done();

    const roles = await open("roles.sql", "roles", "roles", 0);
    await streamOut(o.target.command("pg_dumpall", ["--roles-only", "--no-role-passwords", "--no-password", "-l", o.target.database]), roles.through, roles.sink);
    roles.done();

    let buckets: string[] | undefined;
    if (o.storage) {
      const st = await open("storage.tar", "storage", "storage", 0);
      buckets = await backupStorage(o.storage, st.through, st.sink);
      st.done();
    }

    const sums = progress.task("checksums", written.length, "files");
    const files: FileEntry[] = [];
    for (const f of written) {
      const path = join(partial, f.name);
      files.push({ name: f.name, kind: f.kind, bytes: statSync(path).size, sha256: await sha256File(path) });
      sums.update(files.length);
    }
    sums.done(`${files.length} files`);

    const manifest: Manifest = {
      format: FORMAT,
      createdAt: createdAt.toISOString(),
      stack: o.stack,
      source: { database: o.target.description, storage: o.storage ? describeStorage(o.storage) : null },
      versions: { ownstack: ownstackVersion(), node: process.version, postgres: server, pgDump, dbImage: o.images?.db ?? null, storageImage: o.images?.storage ?? null },
      database: { name: o.target.database, sizeBytes: size },
      storage: o.storage ? { kind: o.storage.kind, buckets: buckets ?? [] } : null,
      encryption: o.passphrase !== undefined ? { cipher: "aes-256-gcm", kdf: "scrypt", fileFormat: "OWNSTKE1" } : null,
      files,
    };
    writeFileSync(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const folder = join(o.root, name);
    renameSync(partial, folder);
    return { folder, manifest, pruned: pruneBackups(o.root, o.prefix, o.keep) };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    progress.stop();
  }
}
