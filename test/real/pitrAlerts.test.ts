import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { renderAlertRules } from "../../components/render/prometheus";
import { renderPitrMetrics } from "../../scripts/lib/backup/pitrSchedule";
import { missingBinaries } from "../support/binaries";

/**
 * The point-in-time recovery alerts, checked by promtool and unit-tested with `promtool test
 * rules` on series shaped like the scheduler's /metrics: failing archiving and a lagging archiver
 * fire, a healthy archiver that switches a segment every minute does not.
 */

const missing = missingBinaries(["promtool"], "the PITR alert rules", "prometheus");
const dir = mkdtempSync(join(tmpdir(), "ownstack-pitr-alerts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rules = join(dir, "rules.yml");
writeFileSync(rules, renderAlertRules({ backup: true, pitr: true }));

/** `start+step` for n samples, in promtool's expanding notation. */
const rising = (start: number, step: number, n: number) =>
  `${start}${step >= 0 ? "+" : ""}${step}x${n}`;

const series = (values: Record<string, string>) =>
  Object.entries(values).map(([name, v]) => ({ series: `${name}{job="backup"}`, values: v }));

describe.skipIf(missing.length > 0)("point-in-time recovery alerts under promtool", () => {
  it("the rules pass promtool check rules", () => {
    const r = spawnSync("promtool", ["check", "rules", rules], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS: 8 rules found/);
    expect(r.status).toBe(0);
  });

  it("failing and lagging archiving alert, a healthy archiver does not", () => {
    const minutes = 20;
    const tests = {
      rule_files: [rules],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: series({
            ownstack_pitr_archive_failed_total: rising(0, 1, minutes),
            ownstack_pitr_last_failed_timestamp_seconds: rising(60, 60, minutes),
            ownstack_pitr_last_archived_timestamp_seconds: `30x${minutes}`,
            ownstack_pitr_archive_lag_seconds: rising(0, 60, minutes),
            ownstack_pitr_archive_timeout_seconds: `60x${minutes}`,
          }),
          alert_rule_test: [
            {
              eval_time: "15m",
              alertname: "WalArchivingFailing",
              exp_alerts: [
                {
                  exp_labels: { severity: "critical", job: "backup" },
                  exp_annotations: {
                    summary:
                      "Postgres cannot archive WAL: point-in-time recovery stops at the last archived segment",
                    description:
                      "archive_command keeps failing; WAL piles up in the db volume until it succeeds. See `docker logs` of the db container (wal-archive lines).",
                  },
                },
              ],
            },
            {
              eval_time: "15m",
              alertname: "WalArchiveLagging",
              exp_alerts: [
                {
                  exp_labels: { severity: "warning", job: "backup" },
                  exp_annotations: {
                    summary: "WAL archiving lags behind",
                    description:
                      "15m 0s since the last segment was archived while others wait: more than that could be lost.",
                  },
                },
              ],
            },
          ],
        },
        {
          interval: "1m",
          input_series: series({
            ownstack_pitr_archive_failed_total: `0x${minutes}`,
            ownstack_pitr_last_failed_timestamp_seconds: `0x${minutes}`,
            ownstack_pitr_last_archived_timestamp_seconds: rising(60, 60, minutes),
            ownstack_pitr_archive_lag_seconds: `0x${minutes}`,
            ownstack_pitr_archive_timeout_seconds: `60x${minutes}`,
            ownstack_pitr_archiver_up: `1x${minutes}`,
          }),
          alert_rule_test: [
            "WalArchivingFailing",
            "WalArchiveLagging",
            "WalArchiverUnreadable",
          ].map((alertname) => ({ eval_time: "19m", alertname, exp_alerts: [] })),
        },
      ],
    };
    const file = join(dir, "tests.yml");
    writeFileSync(file, stringify(tests, { lineWidth: 0 }));
    const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it("the scheduler's PITR metrics pass promtool check metrics", () => {
    const text = renderPitrMetrics({
      archiver: {
        archivedCount: 42,
        failedCount: 1,
        lastArchivedAt: new Date("2026-12-05T14:03:00Z"),
        lastFailedAt: new Date("2026-12-05T13:00:00Z"),
        pending: 0,
        lagSeconds: 0,
      },
      archiveTimeoutSeconds: 60,
      bases: [],
      state: { shipped: [], baseFailures: 0, shipFailures: 2 },
      offsiteConfigured: true,
    });
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
    expect(text).toMatch(/^ownstack_pitr_last_archived_timestamp_seconds 1796479380$/m);
    expect(text).toMatch(/^ownstack_pitr_offsite_failures_total 2$/m);
  });
});
