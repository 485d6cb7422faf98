import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { OperatorError } from "../operatorError";
import { MANIFEST, isBackupName, readManifest, verifyChecksums } from "./manifest";
import { OffsiteTarget } from "./offsite";

/**
 * The way back from the off-site copy (README "Restore from off-site"): a remote backup is
 * downloaded into a hidden folder, its every file checked against the manifest's sizes and
 * sha256, and only then renamed into place, so a cut-off or damaged download never looks like a
 * backup. The files stay encrypted; restore decrypts them as it always does.
 */

/** Fetched backups live under this sub-folder of the backups volume, out of retention's reach. */
export const FETCHED_DIR = "fetched";

/** The stack's complete remote backups, newest first. */
export async function remoteBackups(target: OffsiteTarget, stack: string): Promise<string[]> {
  return (await target.list())
    .filter((n) => isBackupName(stack, n))
    .sort()
    .reverse();
}

export interface FetchResult {
  readonly name: string;
  readonly folder: string;
  /** False when a checked copy was already there. */
  readonly downloaded: boolean;
}

/** Downloads the stack's backup `name` (default: the newest) from `target` into `root/<name>`. */
export async function fetchOffsite(
  target: OffsiteTarget,
  root: string,
  stack: string,
  name?: string,
): Promise<FetchResult> {
  const names = await remoteBackups(target, stack);
  if (names.length === 0)
    throw new OperatorError(`${target.description} holds no backup of stack ${stack}`);
  const chosen = name ?? names[0];
  if (!names.includes(chosen))
    throw new OperatorError(
      `${target.description} holds no backup ${chosen}; the newest there: ${names.slice(0, 5).join(", ")}`,
    );
  const folder = join(root, chosen);
  if (existsSync(join(folder, MANIFEST))) {
    await verifyChecksums(folder, readManifest(folder));
    return { name: chosen, folder, downloaded: false };
  }
  const partial = join(root, `.${chosen}.fetching`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  try {
    await target.download(chosen, partial);
    if (!existsSync(join(partial, MANIFEST)))
      throw new OperatorError(`${chosen} at ${target.description} has no ${MANIFEST}`);
    await verifyChecksums(partial, readManifest(partial)).catch((err: Error) => {
      throw new OperatorError(
        `the off-site copy of ${chosen} at ${target.description} is damaged: ${err.message.replace(/; the backup is (damaged|incomplete), nothing was restored$/, "")}`,
      );
    });
    rmSync(folder, { recursive: true, force: true });
    renameSync(partial, folder);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return { name: chosen, folder, downloaded: true };
}
