import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { AddressInfo, Socket, createServer } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptFile, encryptingStream, isAgeFile } from "../../scripts/lib/backup/crypto";
import {
  AGE_ENCRYPTION,
  FORMAT,
  Manifest,
  backupName,
  readManifest,
  sha256File,
  verifyChecksums,
} from "../../scripts/lib/backup/manifest";
import { OffsiteConfig, copyOffsite, offsiteTarget } from "../../scripts/lib/backup/offsite";
import { S3Client, S3Error } from "../../scripts/lib/backup/s3";
import { SCHEDULER_ENV, schedulerConfig } from "../../scripts/lib/backup/schedulerEnv";
import { OFFSITE_S3_SETTINGS } from "../../config/backupEnv";
import { scratch } from "../support/backupFolder";
import { freePort } from "../support/ports";
import { S3Server, startS3rver } from "../support/s3rver";

/**
 * The off-site S3 copy against a real S3 server on 127.0.0.1 (s3rver, test/support/s3rver.ts),
 * through the scheduler's own path: its env read by schedulerConfig, offsiteTarget, copyOffsite
 * (upload, list, prune by retention). Backups are age-encrypted as the scheduler writes them.
 */

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => s3?.stop());

const KEY = "s3-offsite-test-key-0123456789abcdefghij";
const work = scratch("s3-offsite");
const root = join(work, "backups");

/** The scheduler's off-site config from the env components/backup.ts sets. */
function offsiteFromEnv(url: string, over: Record<string, string> = {}): OffsiteConfig {
  const cfg = schedulerConfig({
    [SCHEDULER_ENV.stack]: "local",
    [SCHEDULER_ENV.offsite]: url,
    [SCHEDULER_ENV.s3Endpoint]: s3.endpoint.endpoint,
    [SCHEDULER_ENV.s3Region]: s3.endpoint.region,
    [SCHEDULER_ENV.s3AccessKeyId]: s3.endpoint.accessKeyId,
    [SCHEDULER_ENV.s3SecretAccessKey]: s3.endpoint.secretAccessKey,
    ...over,
  });
  return cfg.offsite!;
}

/** A backup folder as the scheduler leaves it: age files and a manifest of their checksums. */
async function encryptedBackup(prefix: string, at: Date): Promise<{ name: string; dump: Buffer }> {
  const name = backupName(prefix, at);
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  const dump = randomBytes(300 * 1024);
  const plain: Record<string, Buffer> = {
    "db.dump.enc": dump,
    "roles.sql.enc": Buffer.from("CREATE ROLE app_reader;\n"),
  };
  for (const [file, bytes] of Object.entries(plain))
    await pipeline(
      Readable.from([bytes]),
      await encryptingStream(KEY),
      createWriteStream(join(folder, file)),
    );
  const manifest: Manifest = {
    format: FORMAT,
    createdAt: at.toISOString(),
    stack: prefix,
    source: { database: "container ownstack-local-db", storage: null },
    versions: {
      ownstack: "test",
      node: process.version,
      postgres: "17.6",
      pgDump: "17.6",
      dbImage: null,
      storageImage: null,
    },
    database: { name: "postgres", sizeBytes: dump.length },
    storage: null,
    encryption: AGE_ENCRYPTION,
    files: await Promise.all(
      Object.keys(plain).map(async (f, i) => ({
        name: f,
        kind: i === 0 ? ("database" as const) : ("roles" as const),
        bytes: readFileSync(join(folder, f)).length,
        sha256: await sha256File(join(folder, f)),
      })),
    ),
  };
  writeFileSync(join(folder, "manifest.json"), JSON.stringify(manifest));
  return { name, dump };
}

const client = () => new S3Client(s3.endpoint);
const keysUnder = async (prefix: string) =>
  (await client().listObjects(s3.bucket, prefix)).map((o) => o.key).sort();

async function download(key: string, file: string): Promise<void> {
  await pipeline(await client().getObject(s3.bucket, key), createWriteStream(file));
}

describe("the off-site copy to a real S3 server", () => {
  it("an encrypted backup goes up, is listed, and comes back byte-identical and decryptable", async () => {
    const target = offsiteTarget(offsiteFromEnv(`s3://${s3.bucket}/roundtrip`));
    const { name, dump } = await encryptedBackup("local", new Date("2026-12-01T03:17:00Z"));
    expect(await copyOffsite(target, root, name, { daily: 7 })).toEqual([]);
    expect(await target.list()).toEqual([name]);
    expect(await keysUnder("roundtrip/")).toEqual(
      ["db.dump.enc", "manifest.json", "roles.sql.enc"].map((f) => `roundtrip/${name}/${f}`),
    );

    const back = join(work, "downloaded", name);
    mkdirSync(back, { recursive: true });
    for (const f of readdirSync(join(root, name)))
      await download(`roundtrip/${name}/${f}`, join(back, f));
    for (const f of readdirSync(join(root, name)))
      expect(readFileSync(join(back, f)).equals(readFileSync(join(root, name, f)))).toBe(true);
    await verifyChecksums(back, readManifest(back));
    expect(isAgeFile(join(back, "db.dump.enc"))).toBe(true);
    await decryptFile(join(back, "db.dump.enc"), join(back, "db.dump"), KEY);
    expect(readFileSync(join(back, "db.dump")).equals(dump)).toBe(true);
  });

  it("a file above the part size goes up as a multipart upload and comes back byte-identical", async () => {
    const file = join(work, "big.enc");
    const bytes = randomBytes(3 * 64 * 1024 + 17);
    writeFileSync(file, bytes);
    await client().putFile(s3.bucket, "multipart/big.enc", file, 64 * 1024);
    const back = join(work, "big.back");
    await download("multipart/big.enc", back);
    expect(readFileSync(back).equals(bytes)).toBe(true);
    // An empty file is one PUT with Content-Length 0.
    writeFileSync(join(work, "empty"), "");
    await client().putFile(s3.bucket, "multipart/empty", join(work, "empty"), 64 * 1024);
    expect(await client().listObjects(s3.bucket, "multipart/")).toEqual([
      { key: "multipart/big.enc", size: bytes.length },
      { key: "multipart/empty", size: 0 },
    ]);
  });

  it("prune removes exactly what retention says, and nothing of another stack, a partial copy or foreign files", async () => {
    const config = offsiteFromEnv(`s3://${s3.bucket}/retention`);
    const target = offsiteTarget(config);
    // Another stack in the same folder, a copy cut off before its manifest, a file of the user's.
    const other = await encryptedBackup("vps", new Date("2026-12-07T03:17:00Z"));
    await target.upload(join(root, other.name), other.name);
    const partial = backupName("local", new Date("2026-12-06T12:00:00Z"));
    writeFileSync(join(work, "part"), "half");
    await client().putFile(s3.bucket, `retention/${partial}/db.dump.enc`, join(work, "part"));
    await client().putFile(s3.bucket, "retention/README.txt", join(work, "part"));

    // Mon 2026-12-07 … Thu 2026-12-10 (one ISO week); daily=2, weekly=1 keeps the newest two days.
    const names: string[] = [];
    const removed: string[][] = [];
    for (let day = 7; day <= 10; day++) {
      const { name } = await encryptedBackup(
        "local",
        new Date(`2026-12-${String(day).padStart(2, "0")}T03:17:00Z`),
      );
      names.push(name);
      removed.push(await copyOffsite(target, root, name, { daily: 2, weekly: 1 }));
    }
    expect(removed).toEqual([[], [], [names[0]], [names[1]]]);
    expect(await target.list()).toEqual([names[3], names[2], other.name].sort().reverse());
    expect(await keysUnder("retention/")).toEqual(
      [
        "retention/README.txt",
        `retention/${partial}/db.dump.enc`,
        ...[names[2], names[3], other.name].flatMap((n) =>
          ["db.dump.enc", "manifest.json", "roles.sql.enc"].map((f) => `retention/${n}/${f}`),
        ),
      ].sort(),
    );
  });

  it.each([
    ["the URL with a trailing slash", (c: OffsiteConfig) => c, "s3://BUCKET/slash/"],
    ["the URL without one", (c: OffsiteConfig) => c, "s3://BUCKET/slash"],
    [
      "a config with a trailing slash",
      (c: OffsiteConfig) => ({ ...c, prefix: "slash/" }),
      "s3://BUCKET/slash",
    ],
    [
      "a config with a leading and a doubled slash",
      (c: OffsiteConfig) => ({ ...c, prefix: "/slash//" }),
      "s3://BUCKET/slash",
    ],
  ])("a prefix written as %s lands in, lists and prunes the same folder", async (_, edit, url) => {
    const target = offsiteTarget(edit(offsiteFromEnv(url.replace("BUCKET", s3.bucket))));
    const at = new Date(Date.parse("2026-11-01T03:17:00Z") + readdirSync(root).length * 60_000);
    const { name } = await encryptedBackup("local", at);
    await copyOffsite(target, root, name, { daily: 1 });
    // daily=1: each spelling's upload replaces the one before, whichever spelling wrote it.
    expect(await target.list()).toEqual([name]);
    const keys = await keysUnder("slash");
    expect(keys.every((k) => k.startsWith(`slash/${name}/`))).toBe(true);
    expect(keys).toHaveLength(3);
  });
});

describe("S3 errors name the setting to fix", () => {
  const failure = async (run: () => Promise<unknown>): Promise<S3Error> => {
    const err = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S3Error);
    return err as S3Error;
  };
  const { credentials, bucket, endpoint } = OFFSITE_S3_SETTINGS;

  it.each([
    ["an unknown access key", "InvalidAccessKeyId", { [SCHEDULER_ENV.s3AccessKeyId]: "AKIAWRONG" }],
    ["a wrong secret", "SignatureDoesNotMatch", { [SCHEDULER_ENV.s3SecretAccessKey]: "wrong" }],
  ])("%s: %s and the credential keys", async (_, code, over) => {
    const target = offsiteTarget(offsiteFromEnv(`s3://${s3.bucket}/errors`, over));
    const err = await failure(() => target.list());
    expect(err.code).toBe(code);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(new RegExp(`^GET 127\\.0\\.0\\.1:\\d+/${s3.bucket}: ${code} \\(`));
    expect(err.message.endsWith(`; check ${credentials}`)).toBe(true);
  });

  it("a missing bucket: NoSuchBucket and the bucket in ownstack:backupOffsite, on upload and list", async () => {
    const target = offsiteTarget(offsiteFromEnv("s3://no-such-bucket/x"));
    const { name } = await encryptedBackup("local", new Date("2026-10-01T03:17:00Z"));
    for (const err of [
      await failure(() => copyOffsite(target, root, name, { daily: 7 })),
      await failure(() => target.list()),
    ]) {
      expect(err.code).toBe("NoSuchBucket");
      expect(err.message).toContain("/no-such-bucket");
      expect(err.message.endsWith(`; check ${bucket}`)).toBe(true);
    }
  });

  it("an endpoint nobody answers on: the connection error and ownstack:backupOffsiteS3Endpoint", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const target = offsiteTarget(
      offsiteFromEnv(`s3://${s3.bucket}/x`, { [SCHEDULER_ENV.s3Endpoint]: closed }),
    );
    const err = await failure(() => target.list());
    expect(err.code).toBe("ECONNREFUSED");
    expect(err.message.endsWith(`; check ${endpoint}`)).toBe(true);
  });

  it("an endpoint that accepts and goes silent: ETIMEDOUT after the idle timeout, and the endpoint", async () => {
    // A TCP server that takes the request and never answers, as a hung proxy or a dead peer would.
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    try {
      const { port } = silent.address() as AddressInfo;
      const hung = new S3Client(
        { ...s3.endpoint, endpoint: `http://127.0.0.1:${port}` },
        { settings: OFFSITE_S3_SETTINGS, idleTimeoutMs: 300 },
      );
      const err = await failure(() => hung.listObjects(s3.bucket));
      expect(err.code).toBe("ETIMEDOUT");
      expect(err.message).toMatch(/: ETIMEDOUT \(no answer for 0\.3 s\); check /);
      expect(err.message.endsWith(`; check ${endpoint}`)).toBe(true);
      expect(sockets.length).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => silent.close(ok));
    }
  });

  it("a clock 20 minutes off: RequestTimeTooSkewed and the clock, not a setting", async () => {
    const late = new S3Client(s3.endpoint, {
      now: () => new Date(Date.now() - 20 * 60_000),
      settings: OFFSITE_S3_SETTINGS,
    });
    const err = await failure(() => late.listObjects(s3.bucket));
    expect(err.code).toBe("RequestTimeTooSkewed");
    expect(err.message).toMatch(/clock differs .* by more than 15 minutes/);
  });
});
