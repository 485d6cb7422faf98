import { describe, expect, it } from "vitest";
import { OFFSITE_S3_SETTINGS } from "../../config/backupEnv";
import { SECRET_KEYS, configKey, settingsShape } from "../../config/schema";
import { parseSettings } from "../../config/settings";
import { problemsOf } from "./problems";

describe("backup settings", () => {
  it("backups are on by default on local and vps, daily at 03:17 UTC, keeping 7 daily and 4 weekly", () => {
    const s = parseSettings({}, "local");
    expect(s.features.backup).toBe(true);
    expect(s.backup).toMatchObject({
      schedule: "17 3 * * *",
      retention: { daily: 7, weekly: 4 },
      intervalSeconds: 86_400,
      offsite: "",
    });
  });

  it.each([
    [
      "backupSchedule",
      "every night",
      'ownstack:backupSchedule: expected a cron expression in UTC such as "17 3 * * *" (daily at 03:17); got 2 fields, got "every night"',
    ],
    [
      "backupRetention",
      '["daily=7","hourly=24"]',
      'ownstack:backupRetention: expected entries such as ["daily=7", "weekly=4"] (daily, weekly, monthly; whole numbers), got "hourly=24", got ["daily=7","hourly=24"]',
    ],
  ])("a bad %s names the key and the expected form", (key, value, problem) => {
    expect(problemsOf({ [`ownstack:${key}`]: value })).toEqual([problem]);
  });

  it("point-in-time recovery is on with backups: WAL archived every 60 s at most, 7 days kept", () => {
    expect(parseSettings({}, "local").backup.pitr).toEqual({
      enabled: true,
      archiveTimeoutSeconds: 60,
      retentionDays: 7,
    });
    expect(parseSettings({ "ownstack:backup": "false" }, "local").backup.pitr.enabled).toBe(false);
  });

  it.each([
    ["walArchiveTimeoutSeconds", "5", "expected a number of seconds between 10 and 3600"],
    ["walArchiveTimeoutSeconds", "1.5", "expected a number of seconds between 10 and 3600"],
    ["pitrRetentionDays", "0", "expected a whole number of days between 1 and 90"],
    ["pitr", "sometimes", "expected true or false"],
  ])("a bad %s (%s) names the key and the expected form", (key, value, expected) => {
    expect(problemsOf({ [`ownstack:${key}`]: value })).toEqual([
      expect.stringMatching(new RegExp(`^ownstack:${key}: ${expected}`)),
    ]);
  });

  it("an off-site copy without its credentials or host key is refused before anything is declared", () => {
    expect(
      problemsOf({ "ownstack:backupOffsite": "sftp://backup@files.example.com/srv/ownstack" }),
    ).toEqual([
      "ownstack:backupSftpPrivateKey: required for an SFTP off-site copy, expected an OpenSSH private key set with pulumi config set --secret ownstack:backupSftpPrivateKey < key",
      "ownstack:backupSftpHostKey: required for an SFTP off-site copy, expected the line ssh-keyscan prints for the host, without the host name",
    ]);
    expect(
      problemsOf({
        "ownstack:backupOffsite": "s3://my-backups/ownstack",
        "ownstack:backupS3AccessKeyId": "AKIA",
      }),
    ).toEqual([
      "ownstack:backupS3SecretAccessKey: required for an S3 off-site copy, expected it set with pulumi config set --secret ownstack:backupS3SecretAccessKey",
    ]);
    expect(problemsOf({ "ownstack:backupOffsite": "ftp://x/y" })).toEqual([
      'ownstack:backupOffsite: expected sftp://user@host[:port]/path or s3://bucket/prefix, got "ftp://x/y"',
    ]);
  });

  it("every setting an off-site S3 error names is a stack key", () => {
    const keys = new Set([...Object.keys(settingsShape), ...SECRET_KEYS].map(configKey));
    const named = Object.values(OFFSITE_S3_SETTINGS).flatMap((t) => t.match(/ownstack:\w+/g) ?? []);
    expect(named).toEqual([
      "ownstack:backupS3AccessKeyId",
      "ownstack:backupS3SecretAccessKey",
      "ownstack:backupOffsite",
      "ownstack:backupOffsiteS3Endpoint",
      "ownstack:backupOffsiteS3Region",
    ]);
    expect(named.filter((k) => !keys.has(k))).toEqual([]);
  });
});
