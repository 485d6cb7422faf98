import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BaseManifest } from "../../scripts/lib/backup/baseBackup";
import { chooseBase, describeCoverage, parseTarget } from "../../scripts/lib/backup/pitr";
import {
  WalFile,
  lastArchivedAt,
  listWal,
  segmentName,
  walBefore,
} from "../../scripts/lib/backup/wal";
import { planPitrRetention } from "../../scripts/lib/backup/walRetention";

/**
 * WAL names and point-in-time retention: segment names as Postgres computes them, and a
 * retention that removes old base backups but never WAL a kept base backup replays.
 */

const MiB16 = 16 * 1024 * 1024;
const seg = (tli: number, n: number) => segmentName(tli, `0/${(n * MiB16).toString(16)}`, MiB16);
const wal = (name: string, at = "2026-12-01T00:00:00Z"): WalFile => ({
  name,
  kind: name.endsWith(".history") ? "history" : name.endsWith(".backup") ? "backup" : "segment",
  archivedAt: new Date(at),
  bytes: 1,
});
const base = (day: number, startSegment: number, tli = 1) => ({
  folder: `/backups/pitr/local-base-2026-12-0${day}T03-17-00.000Z`,
  manifest: {
    name: `local-base-2026-12-0${day}T03-17-00.000Z`,
    startedAt: `2026-12-0${day}T03:17:00.000000Z`,
    finishedAt: `2026-12-0${day}T03:18:00.000000Z`,
    startWal: seg(tli, startSegment),
  } as BaseManifest,
});

describe("WAL segment names", () => {
  it("match Postgres's XLogFileName (pg_walfile_name) for 16 MiB and 1 GiB segments", () => {
    expect(segmentName(1, "0/2000028", MiB16)).toBe("000000010000000000000002");
    expect(segmentName(1, "16/B374D848", MiB16)).toBe("0000000100000016000000B3");
    expect(segmentName(3, "1/FF000000", MiB16)).toBe("0000000300000001000000FF");
    expect(segmentName(2, "5/40000000", 1024 ** 3)).toBe("000000020000000500000001");
  });

  it("walBefore removes older segments on every timeline and keeps timeline histories", () => {
    const files = [
      wal("00000002.history"),
      wal(seg(1, 3)),
      wal(`${seg(1, 4)}.00000028.backup`),
      wal(seg(1, 5)),
      wal(seg(2, 5)),
      wal(seg(2, 6)),
    ];
    expect(walBefore(files, seg(2, 5)).map((f) => f.name)).toEqual([
      seg(1, 3),
      `${seg(1, 4)}.00000028.backup`,
    ]);
  });

  it("lists the archive folder and reads the last archive time from segments", () => {
    const dir = mkdtempSync(join(tmpdir(), "ownstack-wal-list-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const put = (name: string, at: string) => {
      writeFileSync(join(dir, name), "x");
      utimesSync(join(dir, name), new Date(at), new Date(at));
    };
    put(`${seg(1, 2)}.gz`, "2026-12-05T14:00:00Z");
    put(`${seg(1, 3)}.gz`, "2026-12-05T14:01:00Z");
    put("00000002.history.gz", "2026-12-05T14:05:00Z");
    put(`.${seg(1, 4)}.partial`, "2026-12-05T14:06:00Z");
    put("unrelated.txt", "2026-12-05T14:07:00Z");
    const files = listWal(dir);
    expect(files.map((f) => [f.name, f.kind])).toEqual([
      [seg(1, 2), "segment"],
      [seg(1, 3), "segment"],
      ["00000002.history", "history"],
    ]);
    expect(lastArchivedAt(files)?.toISOString()).toBe("2026-12-05T14:01:00.000Z");
  });
});

describe("point-in-time retention", () => {
  const now = new Date("2026-12-08T12:00:00Z");
  const bases = [base(1, 10), base(3, 30), base(5, 50), base(7, 70)];
  const files = [9, 10, 29, 30, 31, 49, 50, 70, 71].map((n) => wal(seg(1, n)));

  it("keeps the base backups in the window plus the one before it, and WAL from that one's start", () => {
    const plan = planPitrRetention(bases, files, now, 4);
    // Window starts Dec 4 12:00: Dec 5 and 7 are inside, Dec 3 is the one just before.
    expect(plan.keep.map((b) => b.manifest.name)).toEqual([
      bases[1].manifest.name,
      bases[2].manifest.name,
      bases[3].manifest.name,
    ]);
    expect(plan.removeBases).toEqual([bases[0]]);
    expect(plan.oldestNeeded).toBe(seg(1, 30));
    expect(plan.removeWal.map((f) => f.name)).toEqual([seg(1, 9), seg(1, 10), seg(1, 29)]);
  });

  it("never removes WAL a kept base backup needs, for any window", () => {
    for (let days = 1; days <= 10; days++) {
      const plan = planPitrRetention(bases, files, now, days);
      const removed = new Set(plan.removeWal.map((f) => f.name));
      expect(plan.keep.length, `${days} days`).toBeGreaterThan(0);
      for (const b of plan.keep)
        for (const f of files)
          if (f.name >= b.manifest.startWal) expect(removed.has(f.name), f.name).toBe(false);
    }
  });

  it("with an off-site copy, WAL not yet copied there stays", () => {
    const plan = planPitrRetention(bases, files, now, 4, new Set([seg(1, 9)]));
    expect(plan.removeWal.map((f) => f.name)).toEqual([seg(1, 9)]);
  });

  it("without a base backup nothing is removed", () => {
    const plan = planPitrRetention([], files, now, 7);
    expect(plan).toEqual({ keep: [], removeBases: [], removeWal: [], oldestNeeded: undefined });
  });
});

describe("recovery targets", () => {
  const c = {
    from: new Date("2026-12-01T03:18:00Z"),
    to: new Date("2026-12-05T14:03:30Z"),
    bases: [base(1, 10), base(3, 30), base(5, 50)],
  };

  it("keeps microseconds and writes the zone as Postgres's recovery_target_time takes it", () => {
    expect(parseTarget("2026-12-05T14:03:00.123456Z").text).toBe(
      "2026-12-05 14:03:00.123456+00:00",
    );
    expect(parseTarget("2026-12-05 15:03:00+01:00").at.toISOString()).toBe(
      "2026-12-05T14:03:00.000Z",
    );
  });

  it("refuses an instant without a zone, naming the expected form", () => {
    expect(() => parseTarget("2026-12-05 14:03")).toThrow(
      '--to expects an instant with a time zone, such as "2026-12-05T14:03:00Z"; got "2026-12-05 14:03"',
    );
  });

  it("starts from the newest base backup finished before the target", () => {
    expect(chooseBase(c, parseTarget("2026-12-04T00:00:00Z")).manifest.name).toBe(
      c.bases[1].manifest.name,
    );
    expect(chooseBase(c, parseTarget("2026-12-05T14:03:00Z")).manifest.name).toBe(
      c.bases[2].manifest.name,
    );
  });

  it("refuses a target outside the covered range and names the range", () => {
    expect(() => chooseBase(c, parseTarget("2026-12-05T14:04:00Z"))).toThrow(
      "cannot recover to 2026-12-05 14:04:00+00:00: it is outside what the archive covers, 2026-12-01T03:18:00.000Z .. 2026-12-05T14:03:30.000Z (UTC)",
    );
    expect(() => chooseBase(c, parseTarget("2026-11-30T00:00:00Z"))).toThrow(
      /outside what the archive covers/,
    );
    expect(describeCoverage({ from: undefined, to: undefined, bases: [] })).toMatch(
      /no base backup has been taken/,
    );
  });
});
