import { createHash, hkdfSync } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { removeOnExit } from "./cleanup";
import { decryptFile, encryptingStream } from "./crypto";
import { MANIFEST, Manifest, listBackups, readManifest, sha256File } from "./manifest";

/**
 * The scheduler's encryption key. A root secret lives in Pulumi state only; the key in use is
 * derived from it and the `rotateBackup` counter (HKDF-SHA256, RFC 5869), so a rotation yields a
 * fresh key while the previous one can still be derived: the scheduler gets both and re-encrypts
 * the retained backups under the new key (reencryptBackups), so older backups stay restorable and
 * the user needs only the current key. A leaked key says nothing about the next one (HKDF is
 * one-way); the root itself never leaves the Pulumi state.
 */

export function deriveBackupKey(root: string, rotation: number): string {
  return Buffer.from(
    hkdfSync("sha256", root, "ownstack-backup-key", `rotation-${rotation}`, 32),
  ).toString("base64url");
}

/** Names a key in manifests without revealing it: 16 hex digits of its SHA-256. */
export function keyId(key: string): string {
  return createHash("sha256").update(`ownstack-backup-key-id:${key}`).digest("hex").slice(0, 16);
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
      for (const f of manifest.files) {
        const plain = join(next, `${f.name}.plain`);
        await decryptFile(join(folder, f.name), plain, previous);
        await pipeline(
          createReadStream(plain),
          await encryptingStream(current),
          createWriteStream(join(next, f.name), { mode: 0o600 }),
        );
        rmSync(plain);
        files.push({
          ...f,
          bytes: statSync(join(next, f.name)).size,
          sha256: await sha256File(join(next, f.name)),
        });
      }
      const updated: Manifest = {
        ...manifest,
        encryption: { ...manifest.encryption, keyId: keyId(current) },
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
