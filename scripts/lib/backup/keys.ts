import {
  existsSync,
  readdirSync,
  createWriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { keyId } from "../../../config/backupKey";
import { pipeline } from "node:stream/promises";
import { removeOnExit } from "./cleanup";
import { encryptingStream, openDecrypted } from "./crypto";
import {
  AGE_ENCRYPTION,
  MANIFEST,
  Manifest,
  isBackupName,
  listBackups,
  readManifest,
  sha256File,
} from "./manifest";

export { deriveBackupKey, keyId } from "../../../config/backupKey";

/**
 * Finishes what a re-encryption stopped between its two renames left behind: the backup's folder
 * gone, the old copy at `.<name>.old` and the new one at `.<name>.rekey`. A complete new copy (its
 * manifest is written last) takes the name, otherwise the old copy goes back; the leftover is
 * removed. Returns the names put back.
 */
export function recoverInterruptedRekeys(root: string, prefix: string): string[] {
  if (!existsSync(root)) return [];
  const recovered: string[] = [];
  for (const entry of readdirSync(root).sort()) {
    const name = /^\.(.+)\.old$/.exec(entry)?.[1];
    if (name === undefined || !isBackupName(prefix, name)) continue;
    const folder = join(root, name);
    const next = join(root, `.${name}.rekey`);
    if (!existsSync(folder)) {
      renameSync(existsSync(join(next, MANIFEST)) ? next : join(root, entry), folder);
      recovered.push(name);
    }
    rmSync(join(root, entry), { recursive: true, force: true });
    rmSync(next, { recursive: true, force: true });
  }
  return recovered;
}

/**
 * Re-encrypts every backup of `prefix` that `previous` encrypted, under `current`. Each backup is
 * rewritten into a hidden copy that replaces it only once complete, so an interruption leaves the
 * old, still readable backup. Returns the names rewritten.
 */
export async function reencryptBackups(
  root: string,
  prefix: string,
  previous: string,
  current: string,
): Promise<string[]> {
  recoverInterruptedRekeys(root, prefix);
  const done: string[] = [];
  for (const name of listBackups(root, prefix)) {
    const folder = join(root, name);
    const manifest = readManifest(folder);
    if (manifest.encryption?.keyId !== keyId(previous)) continue;
    const next = join(root, `.${name}.rekey`);
    rmSync(next, { recursive: true, force: true });
    mkdirSync(next, { mode: 0o700 });
    const release = removeOnExit(next);
    try {
      const files = [];
      // Age files stream from old key to new; only OWNSTKE1 ones pass through `scratch`.
      const scratch = join(next, ".plain");
      mkdirSync(scratch, { mode: 0o700 });
      for (const f of manifest.files) {
        await pipeline(
          await openDecrypted(join(folder, f.name), previous, scratch),
          await encryptingStream(current),
          createWriteStream(join(next, f.name), { mode: 0o600 }),
        );
        rmSync(scratch, { recursive: true, force: true });
        mkdirSync(scratch, { mode: 0o700 });
        files.push({
          ...f,
          bytes: statSync(join(next, f.name)).size,
          sha256: await sha256File(join(next, f.name)),
        });
      }
      rmSync(scratch, { recursive: true, force: true });
      const updated: Manifest = {
        ...manifest,
        encryption: { ...AGE_ENCRYPTION, keyId: keyId(current) },
        files,
      };
      writeFileSync(join(next, MANIFEST), `${JSON.stringify(updated, null, 2)}\n`, { mode: 0o600 });
      const old = join(root, `.${name}.old`);
      renameSync(folder, old);
      renameSync(next, folder);
      rmSync(old, { recursive: true, force: true });
      release({ keep: true });
      done.push(name);
    } catch (err) {
      release();
      throw err;
    }
  }
  return done;
}
