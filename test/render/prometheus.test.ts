import { jwtVerify } from "jose";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  MetricsSources,
  RULES_PATH,
  metricsSourcesFor,
  mintMetricsToken,
  renderAlertRules,
  renderPrometheusYml,
  scrapeJobs,
} from "../../components/render/prometheus";
import { parseSettings } from "../../config/settings";
import { vpsSettings } from "../support/stacks";

const NONE: MetricsSources = {
  kong: false,
  rest: false,
  auth: false,
  storage: false,
  traefik: false,
  minio: false,
  postgresExporter: false,
  redisExporter: false,
  backup: false,
};

describe("prometheus.yml", () => {
  it("renders retention in the config file and one job per source (snapshot)", () => {
    const yml = renderPrometheusYml({
      retention: "30d",
      sources: { ...NONE, kong: true, qdrantApiKey: "qk" },
    });
    expect(yml).toMatchInlineSnapshot(`
      "global:
        scrape_interval: 15s
        evaluation_interval: 15s
      storage:
        tsdb:
          retention:
            time: 30d
      scrape_configs:
        - job_name: kong
          metrics_path: /metrics
          static_configs:
            - targets:
                - kong:8100
        - job_name: prometheus
          metrics_path: /metrics
          static_configs:
            - targets:
                - localhost:9090
        - job_name: qdrant
          metrics_path: /metrics
          authorization:
            type: Bearer
            credentials: qk
          static_configs:
            - targets:
                - qdrant:6333
      "
    `);
  });

  // The job a source adds, and the host it scrapes: the service's alias on the stack's network.
  const ADDS: Record<
    Exclude<keyof MetricsSources, "qdrantApiKey" | "realtimeToken">,
    [job: string, host: string]
  > = {
    auth: ["auth", "auth"],
    backup: ["backup", "backup"],
    kong: ["kong", "kong"],
    minio: ["minio", "minio"],
    postgresExporter: ["postgres", "postgres-exporter"],
    redisExporter: ["redis", "redis-exporter"],
    rest: ["rest", "rest"],
    storage: ["storage", "storage"],
    traefik: ["traefik", "traefik"],
  };

  it("with no source on, Prometheus scrapes only itself", () => {
    expect(scrapeJobs(NONE).map((j) => [j.job, j.target])).toEqual([
      ["prometheus", "localhost:9090"],
    ]);
  });

  it.each(Object.entries(ADDS))(
    "%s on adds exactly its own job, aimed at its own host",
    (source, [job, host]) => {
      const added = scrapeJobs({ ...NONE, [source]: true }).filter((j) => j.job !== "prometheus");
      expect(added.map((j) => j.job)).toEqual([job]);
      expect(added[0].target).toMatch(new RegExp(`^${host}:\\d+$`));
    },
  );

  it("local defaults scrape everything but Traefik; vps adds Traefik and drops what is off", () => {
    const creds = { realtimeToken: "t", qdrantApiKey: "k" };
    const local = scrapeJobs(metricsSourcesFor(parseSettings({}, "local"), creds)).map(
      (j) => j.job,
    );
    expect(local).toEqual([
      "auth",
      "backup",
      "kong",
      "minio",
      "postgres",
      "prometheus",
      "qdrant",
      "realtime",
      "redis",
      "rest",
      "storage",
    ]);
    const vps = vpsSettings({ "ownstack:storageBackend": "file" });
    expect(scrapeJobs(metricsSourcesFor(vps, creds)).map((j) => j.job)).toEqual([
      "auth",
      "backup",
      "kong",
      "postgres",
      "prometheus",
      "realtime",
      "rest",
      "storage",
      "traefik",
    ]);
  });

  it("with backups on, the alert rules are loaded and the stale-backup rule compares with twice the schedule", () => {
    const yml = parse(
      renderPrometheusYml({ retention: "15d", sources: { ...NONE, backup: true } }),
    );
    expect(yml.rule_files).toEqual([RULES_PATH]);
    const rules = parse(renderAlertRules({ backup: true })).groups[0].rules;
    expect(rules.map((r: { alert: string }) => r.alert)).toEqual([
      "BackupTooOld",
      "BackupSchedulerDown",
      "BackupOffsiteFailing",
    ]);
    expect(rules[0].expr).toBe(
      "time() - ownstack_backup_last_success_timestamp_seconds > 2 * ownstack_backup_schedule_interval_seconds",
    );
    expect(
      parse(renderPrometheusYml({ retention: "15d", sources: NONE })).rule_files,
    ).toBeUndefined();
    expect(parse(renderAlertRules({ backup: false }))).toEqual({ groups: [] });
  });

  it("gives Realtime a bearer JWT that verifies with the JWT secret, with no clock reading", async () => {
    const secret = "a-jwt-secret-of-at-least-thirty-two-chars!";
    const token = mintMetricsToken(secret, 1767225600);
    expect(mintMetricsToken(secret, 1767225600)).toBe(token);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), {
      currentDate: new Date(1767225600_000),
    });
    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(365 * 24 * 3600);
    const job = parse(
      renderPrometheusYml({ retention: "15d", sources: { ...NONE, realtimeToken: token } }),
    ).scrape_configs.find((j: any) => j.job_name === "realtime");
    expect(job.authorization).toEqual({ type: "Bearer", credentials: token });
  });
});
