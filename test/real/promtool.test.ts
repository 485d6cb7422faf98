import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import {
  RULES_PATH,
  metricsSourcesFor,
  mintMetricsToken,
  renderAlertRules,
  renderPrometheusYml,
} from "../../components/render/prometheus";
import { renderMetrics } from "../../scripts/lib/backup/scheduler";
import { parseSettings } from "../../config/settings";
import { VPS_REQUIRED as VPS } from "../support/stacks";
import { evaluateK8s, ofKind } from "../k8s/harness";

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
const available = promtool.status === 0;
if (!available) {
  if (process.env.CI === "true")
    throw new Error("promtool is missing; .ci/run installs the Debian package `prometheus`");
  console.log(
    "NOTICE: promtool not found (apt-get install prometheus); skipping the promtool checks",
  );
}
const major = Number(/version (\d+)\./.exec(`${promtool.stdout}${promtool.stderr}`)?.[1] ?? "0");

const dir = mkdtempSync(join(tmpdir(), "ownstack-promtool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rules file goes beside the config, where promtool (which opens rule_files) finds it. */
function check(name: string, yml: string): { status: number | null; output: string } {
  const file = join(dir, `${name}.yml`);
  const rules = join(dir, `${name}-rules.yml`);
  writeFileSync(rules, renderAlertRules({ backup: true }), { mode: 0o600 });
  writeFileSync(file, yml.replace(RULES_PATH, rules), { mode: 0o600 });
  const r = spawnSync("promtool", ["check", "config", file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * `storage.tsdb.retention` in the config file came with Prometheus 3 (the image runs v3.14); an
 * older promtool, such as Debian bookworm's 2.42, rejects only that block, so it checks the rest.
 */
function checkWithThisPromtool(name: string, yml: string) {
  const full = check(name, yml);
  if (full.status === 0 || major >= 3) return full;
  expect(full.output).toMatch(/field retention not found/);
  console.log(
    `NOTICE: promtool ${major}.x predates storage.tsdb.retention; checking ${name} without that block`,
  );
  const doc = parse(yml);
  delete doc.storage.tsdb.retention;
  return check(`${name}-without-retention`, stringify(doc));
}

const SECRET = "promtool-test-jwt-secret-0123456789abcdef";
const STACKS: [string, Record<string, string>, string][] = [
  ["local defaults", {}, "local"],
  [
    "local, Qdrant and Redis off, file storage",
    { "ownstack:qdrant": "false", "ownstack:redis": "false", "ownstack:storageBackend": "file" },
    "local",
  ],
  [
    "vps, everything on",
    {
      ...VPS,
      "ownstack:qdrant": "true",
      "ownstack:redis": "true",
      "ownstack:prometheus": "true",
      "ownstack:prometheusRetention": "90d",
    },
    "vps",
  ],
];

describe.skipIf(!available)("promtool check config on the rendered prometheus.yml", () => {
  it.each(STACKS)("%s", (name, config, stack) => {
    const settings = parseSettings(config, stack);
    const sources = metricsSourcesFor(settings, {
      realtimeToken: mintMetricsToken(SECRET, 1767225600),
      qdrantApiKey: "qdrant-key",
    });
    const yml = renderPrometheusYml({ retention: settings.prometheus.retention, sources });
    const result = checkWithThisPromtool(name.replace(/\W+/g, "-"), yml);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);

    const doc = parse(yml);
    expect(doc.storage.tsdb.retention.time).toBe(settings.prometheus.retention);
    const jobs: string[] = doc.scrape_configs.map((j: { job_name: string }) => j.job_name);
    const expected: [string, boolean][] = [
      ["qdrant", settings.features.qdrant],
      ["redis", settings.features.redis],
      ["minio", settings.features.minio],
      ["traefik", settings.target === "vps"],
      ["kong", true],
      ["rest", true],
      ["auth", true],
      ["realtime", true],
      ["storage", true],
      ["postgres", true],
    ];
    for (const [job, enabled] of expected)
      expect(jobs.includes(job), `${job} enabled=${enabled}`).toBe(enabled);
  });

  it("the kubernetes stack's prometheus.yml and rules file, as the plan mounts them", async () => {
    const plan = await evaluateK8s({ "ownstack:prometheus": "true" });
    const files = ofKind(plan, "Secret").find((r) => r.inputs.stringData?.["prometheus.yml"])!
      .inputs.stringData;
    const result = checkWithThisPromtool("kubernetes", files["prometheus.yml"]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
    const rules = join(dir, "kubernetes-rules.yml");
    writeFileSync(rules, files["ownstack-rules.yml"], { mode: 0o600 });
    const r = spawnSync("promtool", ["check", "rules", rules], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS: 0 rules found/);
    expect(r.status).toBe(0);
  });

  it("the backup alert rules pass promtool check rules", () => {
    const file = join(dir, "backup-rules.yml");
    writeFileSync(file, renderAlertRules({ backup: true }), { mode: 0o600 });
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS: 3 rules found/);
    expect(r.status).toBe(0);
  });

  it("the scheduler's /metrics text passes promtool check metrics", () => {
    const text = renderMetrics({
      last: {
        name: "local-2026-03-01T03-17-00.000Z",
        at: new Date("2026-03-01T03:17:00Z"),
        bytes: 123456,
      },
      retained: { count: 3, bytes: 370368 },
      state: {
        failures: 1,
        lastAttempt: { at: "2026-03-01T03:17:00Z", ok: true, seconds: 4.2 },
        offsite: { failures: 0, lastSuccessAt: "2026-03-01T03:17:09Z" },
      },
      intervalSeconds: 86400,
      offsiteConfigured: true,
      next: new Date("2026-03-02T03:17:00Z"),
    });
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
    expect(text).toMatch(/^ownstack_backup_last_success_timestamp_seconds 1772335020$/m);
  });

  it("promtool does reject a broken file, so the SUCCESS above means something", () => {
    const result = check(
      "broken",
      "scrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: ['http://not/a/host']\n",
    );
    expect(result.status).not.toBe(0);
  });
});
