import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  AGE_MAGIC,
  MAGIC,
  decryptFile,
  decryptingStream,
  encryptingStream,
  legacyEncryptingStream,
} from "../../scripts/lib/backup/crypto";
import { missingBinaries } from "../support/binaries";

const dir = mkdtempSync(join(tmpdir(), "ownstack-age-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Three STREAM chunks and a bit (age seals every 64 KiB on its own).
const plain = Buffer.alloc(200_000);
for (let i = 0; i < plain.length; i++) plain[i] = (i * 7919) % 251;

async function encrypt(file: string, key: string, writer = encryptingStream) {
  await pipeline(Readable.from([plain]), await writer(key), createWriteStream(join(dir, file)));
  return join(dir, file);
}

describe("backups are age files", () => {
  it("new backups are written in the age format and read back", async () => {
    const file = await encrypt("a.enc", "key-1");
    expect(readFileSync(file).subarray(0, AGE_MAGIC.length)).toEqual(AGE_MAGIC);
    await decryptFile(file, join(dir, "a"), "key-1");
    expect(readFileSync(join(dir, "a")).equals(plain)).toBe(true);
  });

  it("a wrong key or a changed byte is refused, and the stream passes nothing unauthenticated on", async () => {
    const file = await encrypt("b.enc", "key-1");
    await expect(decryptFile(file, join(dir, "b1"), "key-2")).rejects.toThrow(
      /wrong passphrase, or the file was changed/,
    );
    const bytes = readFileSync(file);
    bytes[bytes.length - 70_000] ^= 1; // in the last chunk: the first chunks are genuine
    writeFileSync(join(dir, "b2.enc"), bytes);
    const got: Buffer[] = [];
    const stream = await decryptingStream(join(dir, "b2.enc"), "key-1");
    await expect(
      (async () => {
        for await (const c of stream) got.push(c as Buffer);
      })(),
    ).rejects.toThrow(/wrong passphrase, or the file was changed/);
    const passed = Buffer.concat(got);
    expect(passed.length).toBeLessThan(plain.length);
    expect(passed.equals(plain.subarray(0, passed.length))).toBe(true);
  });

  it("backups written as OWNSTKE1 before the age format still decrypt", async () => {
    const file = await encrypt("old.enc", "key-1", legacyEncryptingStream);
    expect(readFileSync(file).subarray(0, MAGIC.length)).toEqual(MAGIC);
    await decryptFile(file, join(dir, "old"), "key-1");
    expect(readFileSync(join(dir, "old")).equals(plain)).toBe(true);
  });

  // age reads a passphrase only from a terminal: script(1) gives it one, fed the key.
  const cli =
    missingBinaries(["age", "script"], "decrypting a backup with age -d", "age").length === 0;
  it.skipIf(!cli)(
    "the standard age CLI decrypts what we write (age -d, typing the key)",
    async () => {
      const file = await encrypt("c.enc", "the-backup-key");
      const out = join(dir, "c");
      execFileSync("script", ["-qec", `age -d -o '${out}' '${file}'`, "/dev/null"], {
        input: "the-backup-key\n",
        stdio: ["pipe", "ignore", "inherit"],
      });
      expect(readFileSync(out).equals(plain)).toBe(true);
    },
  );
});
