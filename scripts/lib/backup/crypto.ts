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
  existsSync,
  statSync,
} from "node:fs";
import { basename, join } from "node:path";
import { Duplex, PassThrough, Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Decrypter, Encrypter } from "age-encryption";
import { pipeline } from "node:stream/promises";
import { OperatorError } from "../operatorError";

/**
 * Backups at rest: each file is encrypted on its own in the age format
 * (https://age-encryption.org/v1, written by FiloSottile's `age-encryption`) with the backup key
 * as its scrypt passphrase, so the standard `age -d` (Debian's and Homebrew's `age`) decrypts a
 * backup without this checkout. age's STREAM payload authenticates every 64 KiB chunk and the
 * end, so a restore can decrypt straight into pg_restore: nothing unauthenticated is passed on
 * and no plaintext copy lands on disk. The work factor is 2^15 (32 MiB, as OWNSTKE1 had) rather
 * than age's 2^18 (256 MiB): the key is 32 random bytes, and the scheduler's memory budget holds.
 */

export const AGE_MAGIC = Buffer.from("age-encryption.org/v1\n", "ascii");
const AGE_LOG_N = 15;

/**
 * Backups written before the age format, still read: AES-256-GCM under a key derived from the
 * passphrase with scrypt.
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

/** age: a duplex that takes plaintext and gives the age file, to put between producer and file. */
export async function encryptingStream(passphrase: string): Promise<Duplex> {
  if (passphrase === "") throw new OperatorError("the backup passphrase is empty");
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(AGE_LOG_N);
  const input = new PassThrough();
  const output = await e.encrypt(Readable.toWeb(input) as ReadableStream<Uint8Array>);
  return Duplex.from({
    writable: input,
    readable: Readable.fromWeb(output as unknown as WebReadableStream<Uint8Array>),
  });
}

/** The OWNSTKE1 writer, kept so tests can make the backups older versions wrote. */
export async function legacyEncryptingStream(passphrase: string): Promise<Transform> {
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

function head(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const out = Buffer.alloc(n);
    return out.subarray(0, readSync(fd, out, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

export function isAgeFile(path: string): boolean {
  return head(path, AGE_MAGIC.length).equals(AGE_MAGIC);
}

export function isEncryptedFile(path: string): boolean {
  if (isAgeFile(path)) return true;
  if (statSync(path).size < HEADER_BYTES + TAG_BYTES) return false;
  return head(path, MAGIC.length).equals(MAGIC);
}

const wrongKey = (source: string) =>
  new OperatorError(
    `cannot decrypt ${source}: wrong passphrase, or the file was changed; nothing was restored`,
  );

/**
 * The plaintext of an age file as a stream: every chunk is authenticated before it is passed
 * on, and a changed or cut file fails the stream, so a consumer (pg_restore) sees only genuine
 * bytes and learns of damage by the stream's error.
 */
export async function decryptingStream(source: string, passphrase: string): Promise<Readable> {
  if (!isAgeFile(source))
    throw new OperatorError(`${source} is not an age file (no age-encryption.org/v1 header)`);
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  const web = Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>;
  let plain: ReadableStream<Uint8Array>;
  try {
    plain = await d.decrypt(web);
  } catch {
    throw wrongKey(source);
  }
  const out = Readable.fromWeb(plain as unknown as WebReadableStream<Uint8Array>);
  const checked = new PassThrough();
  out.on("error", () => checked.destroy(wrongKey(source)));
  return out.pipe(checked);
}

/**
 * Decrypts `source` (age or OWNSTKE1) into `target`. OWNSTKE1's GCM authenticates only at the
 * end, so its plaintext goes to a file, never straight into a database: a wrong passphrase or a
 * changed byte leaves nothing used.
 */
export async function decryptFile(
  source: string,
  target: string,
  passphrase: string,
): Promise<void> {
  if (isAgeFile(source)) {
    await pipeline(
      await decryptingStream(source, passphrase),
      createWriteStream(target, { mode: 0o600 }),
    );
    return;
  }
  const size = statSync(source).size;
  if (!isEncryptedFile(source))
    throw new OperatorError(
      `${source} is not an encrypted backup file (no age or OWNSTKE1 header)`,
    );
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
    if (/unable to authenticate|auth/i.test((err as Error).message)) throw wrongKey(source);
    throw err;
  }
}

/**
 * A backup file's plaintext to read once: age files are decrypted as they are read (again on
 * every call), so no plaintext copy is ever on disk. OWNSTKE1 files authenticate only at their
 * end, so they are decrypted into the private folder `dir` first, once, and read from there.
 */
export async function openDecrypted(
  source: string,
  passphrase: string,
  dir: string,
): Promise<Readable> {
  if (isAgeFile(source)) return decryptingStream(source, passphrase);
  const target = join(dir, basename(source).replace(/\.enc$/, ""));
  if (!existsSync(target)) await decryptFile(source, target, passphrase);
  return createReadStream(target);
}
