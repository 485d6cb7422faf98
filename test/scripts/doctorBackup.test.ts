import { describe, expect, it } from "vitest";
import { parseSettings } from "../../config/settings";
import { BackupStatus, backupChecks } from "../../scripts/lib/doctor/backup";

const settings = parseSettings({}, "local");
const status = (over: Partial<BackupStatus>): BackupStatus => ({
  now: "2026-03-03T12:00:00Z",
  intervalSeconds: 86_400,
  lastGood: {
    name: "local-2026-03-03T03-17-00.000Z",
    at: "2026-03-03T03:17:00Z",
    bytes: 50 * 1024 * 1024,
  },
  retained: { count: 3, bytes: 150 * 1024 * 1024 },
  lastAttempt: { at: "2026-03-03T03:17:00Z", ok: true },
  offsite: null,
  diskFreeBytes: 10 * 1024 ** 3,
  ...over,
});

describe("npm run doctor: backups", () => {
  it("a backup from this night passes, and the disk estimate is the last size times the kept slots", () => {
    const [age, disk] = backupChecks(settings, { state: "running", status: status({}) });
    expect(age).toMatchObject({ id: "backup-age", status: "ok" });
    expect(age.detail).toMatch(
      /^local-2026-03-03T03-17-00\.000Z, 8\.7 h old \(50\.0 MiB\); limit 2\.0 days, twice the schedule "17 3 \* \* \*"$/,
    );
    expect(disk).toMatchObject({ id: "backup-disk", status: "ok" });
    // 7 daily + 4 weekly slots of 50 MiB.
    expect(disk.detail).toMatch(/up to 11 kept need about 550\.0 MiB/);
  });

  it("a last good backup older than twice the schedule is a blocker that says why the last attempt failed", () => {
    const [age] = backupChecks(settings, {
      state: "running",
      status: status({
        now: "2026-03-06T12:00:00Z",
        lastAttempt: {
          at: "2026-03-06T03:17:00Z",
          ok: false,
          error: "psql failed: connection refused",
        },
      }),
    });
    expect(age.status).toBe("fail");
    expect(age.detail).toMatch(
      /3\.4 days old .*last attempt failed: psql failed: connection refused$/,
    );
  });

  it("no room for the kept backups is a blocker; a stack not deployed yet is skipped; a stopped scheduler fails", () => {
    expect(
      backupChecks(settings, {
        state: "running",
        status: status({ diskFreeBytes: 100 * 1024 * 1024 }),
      })[1],
    ).toMatchObject({ status: "fail", fix: expect.stringMatching(/backupRetention/) });
    expect(backupChecks(settings, { state: "absent" })).toEqual([
      expect.objectContaining({ status: "skip" }),
    ]);
    expect(backupChecks(settings, { state: "stopped" })).toEqual([
      expect.objectContaining({
        status: "fail",
        fix: "docker start ownstack-local-backup, then read docker logs ownstack-local-backup",
      }),
    ]);
    expect(
      backupChecks(parseSettings({ "ownstack:backup": "false" }, "local"), { state: "absent" }),
    ).toEqual([]);
  });
});
