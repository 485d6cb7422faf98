import { createHash, hkdfSync } from "node:crypto";

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
