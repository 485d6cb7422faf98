import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { OperatorError } from "../operatorError";

/** `manifest.json`: what a backup holds, with the checksum of every file as stored on disk. */

export const MANIFEST = "manifest.json";

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
/** `schema.table` as pg_dump writes it (`public.items`, `"My Schema"."T"`): safe to put in SQL. */
export const QUALIFIED_NAME = new RegExp(`^${IDENT}\\.${IDENT}$`);
export const FORMAT = "ownstack-backup/1";

/** What a manifest records for files written by ./crypto.ts's encryptingStream. */
export const AGE_ENCRYPTION = {
  cipher: "chacha20-poly1305",
  kdf: "scrypt",
  fileFormat: "age-v1",
} as const;

const fileEntry = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  kind: z.enum(["database", "roles", "storage", "studio", "other-database", "openwebui"]),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileEntry = z.infer<typeof fileEntry>;

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  createdAt: z.string(),
  stack: z.string().nullable(),
  source: z.object({ database: z.string(), storage: z.string().nullable() }),
  versions: z.object({
    ownstack: z.string(),
    node: z.string(),
    postgres: z.string(),
    pgDump: z.string(),
    dbImage: z.string().nullable(),
    storageImage: z.string().nullable(),
  }),
  database: z.object({ name: z.string(), sizeBytes: z.number().int().nonnegative() }),
  storage: z.object({ kind: z.enum(["minio", "file"]), buckets: z.array(z.string()) }).nullable(),
  /**
   * Studio's saved snippets and Edge Functions (`studio.tar`, ./studio.ts): where they came from
   * and files per folder. Backups taken before Studio's folders were backed up lack it.
   */
  studio: z
    .object({
      source: z.string(),
      files: z.object({
        snippets: z.number().int().nonnegative(),
        "edge-functions": z.number().int().nonnegative(),
      }),
    })
    .optional(),
  /**
   * Open WebUI's uploads (`openwebui.tar`, ./folders.ts OPEN_WEBUI_FILES): where they came from
   * and files per folder; only when the stack runs Open WebUI.
   */
  openWebui: z
    .object({
      source: z.string(),
      files: z.record(z.string(), z.number().int().nonnegative()),
    })
    .optional(),
  /**
   * The server's other databases (./otherDatabases.ts: Open WebUI's `openwebui`, the user's own),
   * each in its own `other-database` file with its rows per table. Backups taken before these
   * were backed up, and `--db-url` backups of one database, lack it.
   */
  otherDatabases: z
    .array(
      z.object({
        name: z.string().min(1),
        owner: z.string().min(1),
        file: z.string().regex(/^[A-Za-z0-9._-]+$/),
        sizeBytes: z.number().int().nonnegative(),
        tables: z.record(z.string().regex(QUALIFIED_NAME), z.number().int().nonnegative()),
      }),
    )
    .optional(),
  /**
   * Files are encrypted with ./crypto.ts when set: age files (AGE_ENCRYPTION) since the age
   * format, OWNSTKE1 (aes-256-gcm) before; checksums are of the encrypted bytes. `keyId`
   * names the scheduler's key (./keys.ts), so a rotation knows which backups to re-encrypt.
   */
  encryption: z
    .object({
      cipher: z.enum([AGE_ENCRYPTION.cipher, "aes-256-gcm"]),
      kdf: z.literal("scrypt"),
      fileFormat: z.enum([AGE_ENCRYPTION.fileFormat, "OWNSTKE1"]),
      keyId: z
        .string()
        .regex(/^[0-9a-f]{16}$/)
        .optional(),
    })
    .nullable(),
  files: z.array(fileEntry),
  /**
   * What the drill compares with: rows per table as the dump holds them (schema-qualified, quoted
   * as pg_dump quotes them) and objects per bucket in the storage copy. Older backups lack it.
   */
  counts: z
    .object({
      tables: z.record(z.string().regex(QUALIFIED_NAME), z.number().int().nonnegative()),
      buckets: z.record(z.string(), z.number().int().nonnegative()).nullable(),
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Reads and checks a backup folder's manifest; a missing folder or file is one line. */
export function readManifest(folder: string): Manifest {
  if (!existsSync(folder))
    throw new OperatorError(`backup folder ${folder} not found; nothing was restored`);
  if (!statSync(folder).isDirectory())
    throw new OperatorError(`${folder} is not a backup folder; nothing was restored`);
  const file = join(folder, MANIFEST);
  if (!existsSync(file))
    throw new OperatorError(
      `${folder} has no ${MANIFEST}, so it is not an ownstack backup; nothing was restored`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new OperatorError(
      `${file} is not valid JSON; the backup is damaged, nothing was restored`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues
      .map((i) => i.path.join(".") || "(top)")
      .slice(0, 3)
      .join(", ");
    throw new OperatorError(
      `${file} is not a ${FORMAT} manifest (bad ${where}); nothing was restored`,
    );
  }
  return parsed.data;
}

/**
 * Every file is present with the size and sha256 the manifest recorded. Runs before anything is
 * decrypted or touched; `onFile` drives the progress bar.
 */
export async function verifyChecksums(
  folder: string,
  manifest: Manifest,
  onFile: (entry: FileEntry) => void = () => undefined,
): Promise<void> {
  for (const entry of manifest.files) {
    const path = join(folder, entry.name);
    if (!existsSync(path))
      throw new OperatorError(
        `${entry.name} is missing from ${folder}; the backup is incomplete, nothing was restored`,
      );
    const bytes = statSync(path).size;
    const sha = bytes === entry.bytes ? await sha256File(path) : undefined;
    if (sha !== entry.sha256)
      throw new OperatorError(
        `checksum mismatch in ${entry.name} (${bytes === entry.bytes ? `sha256 ${sha!.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…` : `${bytes} bytes, expected ${entry.bytes}`}); the backup is damaged, nothing was restored`,
      );
    onFile(entry);
  }
}

/** `local-2026-01-02T03-04-05.678Z`: sorts by time, safe on every filesystem. */
export function backupName(prefix: string, at: Date): string {
  return `${prefix}-${at.toISOString().replace(/:/g, "-")}`;
}

const NAME = (prefix: string) =>
  new RegExp(
    `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z$`,
  );

/** Whether `name` is a backup folder's name as backupName() makes it for `prefix`. */
export const isBackupName = (prefix: string, name: string): boolean => NAME(prefix).test(name);

/** Complete backups of one prefix in `root`, newest first. Partial and foreign folders are not listed. */
export function listBackups(root: string, prefix: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => NAME(prefix).test(n) && existsSync(join(root, n, MANIFEST)))
    .sort()
    .reverse();
}

/** When a backup named by backupName() was taken. */
export function backupTime(name: string): Date {
  const m = /(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d\.\d{3}Z)$/.exec(name);
  return new Date(m ? `${m[1]}:${m[2]}:${m[3]}` : NaN);
}

/** Hidden `.<prefix>-….partial` folders: what a run that was killed mid-way left behind. */
export function partialBackups(root: string, prefix: string): string[] {
  if (!existsSync(root)) return [];
  const re = new RegExp(`^\\.${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-.*\\.partial$`);
  return readdirSync(root)
    .filter((n) => re.test(n))
    .sort();
}

/** Removes all but the newest `keep` backups of the prefix; returns the removed folder names. */
export function pruneBackups(root: string, prefix: string, keep: number): string[] {
  const old = listBackups(root, prefix).slice(keep);
  for (const name of old) rmSync(join(root, name), { recursive: true, force: true });
  return old;
}
