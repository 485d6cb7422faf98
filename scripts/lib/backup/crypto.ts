import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCb,
  ScryptOptions,
} from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  closeSync,
  statSync,
} from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";

/**
 * Backups at rest: each file is encrypted on its own with AES-256-GCM under a key derived from
 * the passphrase with scrypt (node:crypto only, nothing to install to decrypt).
 *
 * File format, version 1 (all integers single bytes):
 *   0..7    magic "OWNSTKE1"
 *   8       log2 of scrypt's N (cost), 15 when written
 *   9       scrypt r (block size), 8
 *   10      scrypt p (parallelism), 1
 *   11..26  salt, 16 random bytes
 *   27..38  GCM IV, 12 random bytes
 *   39..-17 ciphertext, as long as the plaintext
 *   last 16 GCM authentication tag
 * key = scrypt(passphrase as UTF-8, salt, 32 bytes, {N, r, p}); bytes 0..38 are the GCM
 * additional authenticated data, so a changed header fails authentication like changed data.
 */

export const MAGIC = Buffer.from("OWNSTKE1", "ascii");
export const HEADER_BYTES = 39;
const TAG_BYTES = 16;
const LOG_N = 15;
const R = 8;
const P = 1;

function deriveKey(
  passphrase: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
): Promise<Buffer> {
  const opts: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((ok, fail) =>
    scryptCb(passphrase, salt, 32, opts, (err, key) => (err ? fail(err) : ok(key))),
  );
}

/** A transform that writes header, ciphertext and tag: put it between a producer and a file. */
export async function encryptingStream(passphrase: string): Promise<Transform> {
  if (passphrase === "") throw new OperatorError("the backup passphrase is empty");
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header = Buffer.concat([MAGIC, Buffer.from([LOG_N, R, P]), salt, iv]);
  const cipher = createCipheriv("aes-256-gcm", await deriveKey(passphrase, salt, LOG_N, R, P), iv);
  cipher.setAAD(header);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const body = cipher.update(chunk);
      done(null, started ? body : ((started = true), Buffer.concat([header, body])));
    },
    flush(done) {
      const tail = Buffer.concat([cipher.final(), cipher.getAuthTag()]);
      done(null, started ? tail : Buffer.concat([header, tail]));
    },
  });
}

export function isEncryptedFile(path: string): boolean {
  if (statSync(path).size < HEADER_BYTES + TAG_BYTES) return false;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(MAGIC.length);
    readSync(fd, head, 0, MAGIC.length, 0);
    return head.equals(MAGIC);
  } finally {
    closeSync(fd);
  }
}

/**
 * Decrypts `source` into `target`. GCM authenticates only at the end, so the plaintext goes to a
 * file, never straight into a database: a wrong passphrase or a changed byte leaves nothing used.
 */
export async function decryptFile(
  source: string,
  target: string,
  passphrase: string,
): Promise<void> {
  const size = statSync(source).size;
  if (!isEncryptedFile(source))
    throw new OperatorError(`${source} is not an ownstack encrypted file (no OWNSTKE1 header)`);
  const fd = openSync(source, "r");
  const header = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
    readSync(fd, tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    closeSync(fd);
  }
  const [logN, r, p] = [header[8], header[9], header[10]];
  if (logN < 10 || logN > 22 || r < 1 || r > 32 || p < 1 || p > 16)
    throw new OperatorError(`${source} has implausible scrypt parameters; the file is damaged`);
  const decipher = createDecipheriv(
    "aes-256-gcm",
    await deriveKey(passphrase, header.subarray(11, 27), logN, r, p),
    header.subarray(27, 39),
  );
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  const body = size - HEADER_BYTES - TAG_BYTES;
  const input =
    body > 0
      ? createReadStream(source, { start: HEADER_BYTES, end: HEADER_BYTES + body - 1 })
      : Readable.from([]);
  try {
    await pipeline(input, decipher, createWriteStream(target, { mode: 0o600 }));
  } catch (err) {
    if (/unable to authenticate|auth/i.test((err as Error).message))
      throw new OperatorError(
        `cannot decrypt ${source}: wrong passphrase, or the file was changed; nothing was restored`,
      );
    throw err;
  }
}
