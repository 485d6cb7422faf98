import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { CopyRowCounter, bucketCounter } from "../../scripts/lib/backup/archive";
import { deriveBackupKey, keyId } from "../../scripts/lib/backup/keys";
import { backupName, backupTime } from "../../scripts/lib/backup/manifest";
import { parseOffsiteUrl } from "../../scripts/lib/backup/offsite";
import { isoWeek, parseRetention, planRetention } from "../../config/backupRetention";
import { signV4 } from "../../scripts/lib/backup/s3";
import { Schedule, longestGapSeconds, nextRun, parseSchedule } from "../../config/backupSchedule";

const at = (iso: string) => new Date(iso);
const schedule = (text: string) => {
  const s = parseSchedule(text);
  if (typeof s === "string") throw new Error(s);
  return s;
};
const runs = (s: Schedule, from: string, n: number) => {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) out.push((t = nextRun(s, t)!).toISOString());
  return out;
};

describe("backupSchedule (cron, UTC)", () => {
  it.each([
    [
      "daily at 03:17 runs the same day before 03:17",
      "17 3 * * *",
      "2026-12-31T03:16:59Z",
      ["2026-12-31T03:17:00.000Z", "2027-01-01T03:17:00.000Z", "2027-01-02T03:17:00.000Z"],
    ],
    [
      "daily at 03:17 runs the next day from 03:17 on",
      "17 3 * * *",
      "2026-12-31T03:17:00Z",
      ["2027-01-01T03:17:00.000Z"],
    ],
    [
      "a step within a range of hours",
      "*/30 9-10 * * *",
      "2026-03-01T08:00:00Z",
      [
        "2026-03-01T09:00:00.000Z",
        "2026-03-01T09:30:00.000Z",
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T10:30:00.000Z",
        "2026-03-02T09:00:00.000Z",
      ],
    ],
    // 2026-03-01 is a Sunday.
    [
      "Sunday as 7",
      "0 4 * * 7",
      "2026-02-27T00:00:00Z",
      ["2026-03-01T04:00:00.000Z", "2026-03-08T04:00:00.000Z"],
    ],
    [
      "a list of weekdays with Sunday as 0",
      "0 4 * * 0,3",
      "2026-03-01T05:00:00Z",
      ["2026-03-04T04:00:00.000Z", "2026-03-08T04:00:00.000Z"],
    ],
    // The 1st of the month or any Monday; 2026-06-01 is a Monday, 2026-06-08 the next.
    [
      "both day fields restricted: either matches (cron's rule)",
      "0 2 1 * 1",
      "2026-05-30T00:00:00Z",
      ["2026-06-01T02:00:00.000Z", "2026-06-08T02:00:00.000Z", "2026-06-15T02:00:00.000Z"],
    ],
  ])("%s: %s from %s", (_, cron, from, expected) => {
    expect(runs(schedule(cron), from, expected.length)).toEqual(expected);
  });

  it("refuses what cron refuses, saying what is wrong", () => {
    expect(parseSchedule("daily")).toMatch(
      /^expected a cron expression in UTC such as "17 3 \* \* \*" \(daily at 03:17\); got 1 field$/,
    );
    expect(parseSchedule("60 3 * * *")).toMatch(/Invalid value for minute: 60/);
    expect(parseSchedule("0 3 * * 8")).toMatch(/Invalid value for dayOfWeek: 8/);
    expect(parseSchedule("0 5-2 * * *")).toMatch(/From value is larger than to value: '5-2'/);
    expect(parseSchedule("0 3 31 2 *")).toMatch(/never runs/);
    expect(parseSchedule("0 3 * * */0")).toMatch(/illegal stepping: 0/);
  });

  it("the longest gap is what 'twice the schedule' is measured against", () => {
    expect(longestGapSeconds(schedule("17 3 * * *"))).toBe(86_400);
    expect(longestGapSeconds(schedule("0 3 * * 1"))).toBe(7 * 86_400);
    expect(longestGapSeconds(schedule("0 */6 * * *"))).toBe(6 * 3600);
    // Weekdays only: Friday to Monday.
    expect(longestGapSeconds(schedule("0 1 * * 1-5"))).toBe(3 * 86_400);
  });
});

describe("backupRetention", () => {
  it("parses entries and names every bad one", () => {
    expect(parseRetention(["daily=7", "weekly=4"])).toEqual({
      retention: { daily: 7, weekly: 4 },
      problems: [],
    });
    expect(parseRetention(["daily=7", "yearly=1", "daily=3"]).problems).toEqual([
      '[1]: expected entries such as ["daily=7", "weekly=4"] (daily, weekly, monthly; whole numbers), got "yearly=1"',
      "[2]: daily is listed twice, expected each unit once",
    ]);
    expect(parseRetention(["daily=0"]).problems).toEqual([
      ': keeps nothing, expected entries such as ["daily=7", "weekly=4"] (daily, weekly, monthly; whole numbers)',
    ]);
  });

  it("ISO weeks cross the new year as ISO 8601 says (2026 has 53)", () => {
    expect(isoWeek(at("2026-12-27T12:00:00Z"))).toBe("2026-W52");
    expect(isoWeek(at("2026-12-28T00:00:00Z"))).toBe("2026-W53");
    expect(isoWeek(at("2027-01-03T23:59:59Z"))).toBe("2026-W53");
    expect(isoWeek(at("2027-01-04T00:00:00Z"))).toBe("2027-W01");
    expect(isoWeek(at("2025-12-29T00:00:00Z"))).toBe("2026-W01");
  });

  it("after 45 nightly runs across the new year, 7 daily and 4 weekly survive", () => {
    // The scheduler's clock: every night at 03:17 from 2026-12-01, pruning after each run.
    const s = schedule("17 3 * * *");
    let kept: { name: string; at: Date }[] = [];
    let t = at("2026-11-30T12:00:00Z");
    for (let i = 0; i < 45; i++) {
      t = nextRun(s, t)!;
      kept = planRetention([...kept, { name: backupName("local", t), at: t }], {
        daily: 7,
        weekly: 4,
      }).keep;
    }
    // The last run is 2027-01-14 (a Thursday, ISO week 2027-W02).
    expect(kept.map((b) => b.at.toISOString().slice(0, 10))).toEqual([
      "2027-01-14",
      "2027-01-13",
      "2027-01-12",
      "2027-01-11",
      "2027-01-10",
      "2027-01-09",
      "2027-01-08",
      // Newest of 2027-W01 (Sunday 01-10, already kept), 2026-W53 (Sunday 01-03) and 2026-W52 (12-27).
      "2027-01-03",
      "2026-12-27",
    ]);
  });

  it("keeps the newest backup even when every rule is satisfied elsewhere, and removes the rest", () => {
    const list = ["2026-05-01T03:17:00Z", "2026-05-01T09:00:00Z", "2026-05-02T03:17:00Z"].map(
      (iso) => ({ name: iso, at: at(iso) }),
    );
    const { keep, remove } = planRetention(list, { monthly: 1 });
    expect(keep.map((b) => b.name)).toEqual(["2026-05-02T03:17:00Z"]);
    expect(remove.map((b) => b.name)).toEqual(["2026-05-01T09:00:00Z", "2026-05-01T03:17:00Z"]);
  });

  it("reads the time back from a backup's folder name", () => {
    const t = at("2027-01-03T03:17:00.123Z");
    expect(backupTime(backupName("my-stack", t))).toEqual(t);
  });
});

describe("what the manifest counts", () => {
  it("rows per table from pg_restore's SQL, with quoted names and escaped newlines", async () => {
    const sql = [
      "SET statement_timeout = 0;",
      "COPY public.items (id, name) FROM stdin;",
      "1\tone",
      "2\ttwo\\nlines",
      "\\.",
      'COPY "My Schema"."Odd ""T""" (id) FROM stdin;',
      "\\.",
      "COPY app.notes (id, owner, body) FROM stdin;",
      ...Array.from({ length: 500 }, (_, i) => `${i}\tuser\tnote`),
      "\\.",
      "SELECT pg_catalog.setval('app.notes_id_seq', 500, true);",
    ].join("\n");
    const counter = new CopyRowCounter();
    // Chunks of 7 bytes split lines everywhere.
    await pipeline(
      Readable.from(
        Array.from({ length: Math.ceil(sql.length / 7) }, (_, i) =>
          Buffer.from(sql.slice(i * 7, i * 7 + 7)),
        ),
      ),
      counter,
    );
    expect(counter.counts).toEqual({
      "public.items": 2,
      '"My Schema"."Odd ""T"""': 0,
      "app.notes": 500,
    });
  });

  it("a dump cut inside a data block is an error", async () => {
    await expect(
      pipeline(
        Readable.from([Buffer.from("COPY public.items (id) FROM stdin;\n1\n2\n")]),
        new CopyRowCounter(),
      ),
    ).rejects.toThrow(/ends inside the data of public.items/);
  });

  const dir = mkdtempSync(join(tmpdir(), "ownstack-tar-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("objects per bucket from a tar written by GNU tar, long names included", async () => {
    const long = "k".repeat(150);
    for (const f of ["avatars/a.png", `avatars/deep/${long}.txt`, "docs/x.pdf"]) {
      mkdirSync(join(dir, "ownstack-mirror", f, ".."), { recursive: true });
      writeFileSync(join(dir, "ownstack-mirror", f), "data");
    }
    mkdirSync(join(dir, "ownstack-mirror", "empty"));
    const tar = execFileSync("tar", ["-C", dir, "-cf", "-", "ownstack-mirror"], {
      maxBuffer: 1 << 24,
    });
    const { lister, counts } = bucketCounter("minio");
    await pipeline(Readable.from([tar.subarray(0, 700), tar.subarray(700)]), lister);
    expect(counts).toEqual({ avatars: 2, docs: 1 });
  });

  it("the file backend's layout counts objects under storage/<tenant>/<bucket>", async () => {
    const root = join(dir, "file");
    for (const f of [
      "storage/stub/avatars/me.png/v1",
      "storage/stub/avatars/you.png/v1",
      "storage/stub/public/a/b.txt/v2",
    ]) {
      mkdirSync(join(root, f, ".."), { recursive: true });
      writeFileSync(join(root, f), "x");
    }
    const { lister, counts } = bucketCounter("file");
    await pipeline(
      Readable.from([execFileSync("tar", ["-C", root, "-cf", "-", "storage"])]),
      lister,
    );
    expect(counts).toEqual({ avatars: 2, public: 1 });
  });
});

describe("encryption key and off-site targets", () => {
  it("a rotation derives a new key; the old one stays derivable from the same root", () => {
    const root = "r".repeat(64);
    expect(deriveBackupKey(root, 0)).toBe(deriveBackupKey(root, 0));
    expect(deriveBackupKey(root, 1)).not.toBe(deriveBackupKey(root, 0));
    expect(deriveBackupKey(root, 0)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keyId(deriveBackupKey(root, 0))).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(deriveBackupKey(root, 0))).not.toBe(keyId(deriveBackupKey(root, 1)));
  });

  // The four examples of "Signature Calculations for the Authorization Header" in the S3 API
  // reference (sig-v4-header-based-auth.html), signed through aws4fetch as the client signs.
  const EXAMPLE = {
    endpoint: "https://examplebucket.s3.amazonaws.com",
    region: "us-east-1",
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
  const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const credential = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
  it.each([
    [
      "GET Object",
      "GET",
      "/test.txt",
      {},
      EMPTY,
      { Range: "bytes=0-9" },
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ],
    [
      "PUT Object",
      "PUT",
      "/test$file.text",
      {},
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      { Date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" },
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    ],
    [
      "GET Bucket Lifecycle",
      "GET",
      "/",
      { lifecycle: "" },
      EMPTY,
      {},
      "host;x-amz-content-sha256;x-amz-date",
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    ],
    [
      "Get Bucket (List Objects)",
      "GET",
      "/",
      { "max-keys": "2", prefix: "J" },
      EMPTY,
      {},
      "host;x-amz-content-sha256;x-amz-date",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    ],
  ])(
    "signs S3 requests as the AWS documentation's %s example",
    async (_, method, path, query, hash, headers, signedHeaders, signature) => {
      const signed = await signV4(
        EXAMPLE,
        method,
        path,
        query,
        hash,
        at("2013-05-24T00:00:00Z"),
        headers,
      );
      expect(signed.headers.authorization).toBe(
        `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      );
    },
  );

  it("backupOffsite takes sftp:// and s3:// and says what else it expects", () => {
    expect(parseOffsiteUrl("sftp://backup@files.example.com:2222/srv/ownstack")).toEqual({
      kind: "sftp",
      user: "backup",
      host: "files.example.com",
      port: 2222,
      path: "/srv/ownstack",
    });
    expect(parseOffsiteUrl("s3://my-backups/ownstack/local")).toEqual({
      kind: "s3",
      bucket: "my-backups",
      prefix: "ownstack/local",
    });
    expect(parseOffsiteUrl("sftp://files.example.com/x")).toMatch(/with a user and a host/);
    expect(parseOffsiteUrl("sftp://u:pw@files.example.com/x")).toMatch(
      /password does not belong in the URL/,
    );
    expect(parseOffsiteUrl("ftp://x/y")).toMatch(/got ftp:\/\//);
  });
});
