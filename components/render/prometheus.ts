import { stringify } from "yaml";
import { ADDRESSES, ServiceName, internalAddress } from "../../config/services";
import type { Settings } from "../../config/settings";
import { API_KEY_LIFETIME_SECONDS, signHs256 } from "./jwt";

/**
 * Renders `prometheus.yml`: one scrape job per enabled component that exposes metrics, with the
 * endpoints and ports from config/services.ts. Pure: the test runs
 * `promtool check config` on exactly this text.
 */

/** Which metrics sources are on; a missing credential means that source is off. */
export interface MetricsSources {
  readonly kong: boolean;
  readonly rest: boolean;
  readonly auth: boolean;
  readonly storage: boolean;
  readonly traefik: boolean;
  readonly minio: boolean;
  readonly postgresExporter: boolean;
  readonly redisExporter: boolean;
  /** The backup scheduler's /metrics (components/backup.ts). */
  readonly backup: boolean;
  /** HS256 JWT signed with Realtime's METRICS_JWT_SECRET. */
  readonly realtimeToken?: string;
  /** Qdrant's `/metrics` needs the API key, like every non-health route. */
  readonly qdrantApiKey?: string;
}

export interface PrometheusConfigInput {
  readonly retention: string;
  readonly sources: MetricsSources;
  readonly scrapeInterval?: string;
}

export interface ScrapeJob {
  readonly job: string;
  /** Who is scraped; absent for Prometheus itself (localhost). */
  readonly service?: MetricsService;
  readonly target: string;
  readonly path: string;
  readonly bearer?: string;
}

/*
 * What each port Prometheus scrapes serves besides metrics, to everything on the private network
 * (Edge Functions workers and the AI services included). None hands out a credential:
 * - rest:3001, PostgREST admin: /live, /ready, /schema_cache (table and column structure), /metrics.
 *   /config (JWT secret, DB URI) is gone since PostgREST 13.0.0; rest.ts keeps older images on loopback.
 * - kong:8100, Kong status listener: /status, /status/ready, /status/dns, /metrics
 *   (kong/status/init.lua, 3.9.3). The Admin API (/config: every consumer key) stays on Kong's
 *   default 127.0.0.1:8001 (kong/templates/kong_defaults.lua).
 * - auth:9100, GoTrue's OpenTelemetry Prometheus exporter: metrics only, a server of its own.
 * - realtime:4000 and (unscraped) supavisor:4000: /metrics wants a JWT signed with
 *   METRICS_JWT_SECRET; their tenant APIs want one signed with API_JWT_SECRET.
 * - storage:5000: the Storage API itself, which checks JWTs and S3 signatures; /metrics is open.
 * - minio:9000: S3 with signatures; /minio/v2/metrics/cluster is public (MINIO_PROMETHEUS_AUTH_TYPE),
 *   bucket names and usage only. The console (:9001) asks for the root login.
 * - traefik:8082 (vps): metrics only; the dashboard API is off (render/traefik.ts).
 * - Exporters (postgres, redis): metrics only; they hold their DSN, they do not serve it.
 */
/** A job scraping `service` where config/services.ts says it serves metrics. */
function job(name: string, service: MetricsService, bearer?: string): ScrapeJob {
  const { port, path } = ADDRESSES[service].metrics;
  return {
    job: name,
    service,
    target: internalAddress(service, port),
    path,
    ...(bearer !== undefined ? { bearer } : {}),
  };
}

export type MetricsService = {
  [S in ServiceName]: (typeof ADDRESSES)[S] extends { metrics: object } ? S : never;
}[ServiceName];

export const RULES_PATH = "/etc/prometheus/ownstack-rules.yml";

/** The jobs for a set of sources, sorted by name so a reorder is never a diff. */
export function scrapeJobs(s: MetricsSources): ScrapeJob[] {
  const { port, path } = ADDRESSES.prometheus.metrics;
  const jobs: (ScrapeJob | false)[] = [
    { job: "prometheus", target: `localhost:${port}`, path },
    s.kong && job("kong", "kong"),
    s.rest && job("rest", "rest"),
    s.auth && job("auth", "auth"),
    s.realtimeToken !== undefined && job("realtime", "realtime", s.realtimeToken),
    s.storage && job("storage", "storage"),
    s.qdrantApiKey !== undefined && job("qdrant", "qdrant", s.qdrantApiKey),
    s.traefik && job("traefik", "traefik"),
    s.minio && job("minio", "minio"),
    s.postgresExporter && job("postgres", "postgresExporter"),
    s.redisExporter && job("redis", "redisExporter"),
    s.backup && job("backup", "backup"),
  ];
  return jobs.filter((j): j is ScrapeJob => j !== false).sort((a, b) => a.job.localeCompare(b.job));
}

/**
 * The sources a stack has when Prometheus is on. Every Supabase service is scraped (index.ts turns
 * their metrics flags on with Prometheus); the optional ones follow their toggles; Traefik exists
 * on vps only. Credentials are passed in because they are secrets held by the caller.
 */
export function metricsSourcesFor(
  settings: Pick<Settings, "target" | "features">,
  credentials: { realtimeToken: string; qdrantApiKey: string },
): MetricsSources {
  const { features } = settings;
  return {
    kong: true,
    rest: true,
    auth: true,
    storage: true,
    traefik: settings.target === "vps",
    minio: features.minio,
    postgresExporter: true,
    redisExporter: features.redis,
    backup: features.backup,
    realtimeToken: credentials.realtimeToken,
    qdrantApiKey: features.qdrant ? credentials.qdrantApiKey : undefined,
  };
}

/**
 * Realtime's /metrics wants `Authorization: Bearer <HS256 JWT>` signed with METRICS_JWT_SECRET (the
 * JWT secret here). `iat` comes from state, like the API keys, so the config never changes by itself.
 */
export function mintMetricsToken(secret: string, issuedAt: number): string {
  return signHs256(
    {
      role: "prometheus",
      iss: "ownstack",
      iat: issuedAt,
      exp: issuedAt + API_KEY_LIFETIME_SECONDS,
    },
    secret,
  );
}

export function renderPrometheusYml(input: PrometheusConfigInput): string {
  const interval = input.scrapeInterval ?? "15s";
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    // Retention lives in the config file: the --storage.tsdb.retention.* flags are deprecated in v3.
    storage: { tsdb: { retention: { time: input.retention } } },
    ...(input.sources.backup ? { rule_files: [RULES_PATH] } : {}),
    scrape_configs: scrapeJobs(input.sources).map((j) => ({
      job_name: j.job,
      metrics_path: j.path,
      ...(j.bearer !== undefined
        ? { authorization: { type: "Bearer", credentials: j.bearer } }
        : {}),
      static_configs: [{ targets: [j.target] }],
    })),
  };
  return stringify(config, { lineWidth: 0 });
}

/**
 * Alert rules (Prometheus alerting rules format; `promtool check rules` in the tests). The stale
 * threshold is read from the scheduler's own interval metric, so a changed backupSchedule needs no
 * second edit here.
 */
export function renderAlertRules(
  sources: Pick<MetricsSources, "backup"> & { readonly pitr?: boolean },
): string {
  const rules = sources.backup
    ? [
        {
          alert: "BackupTooOld",
          expr: "time() - ownstack_backup_last_success_timestamp_seconds > 2 * ownstack_backup_schedule_interval_seconds",
          for: "10m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The last good backup is older than twice the backup schedule",
            description:
              "Newest complete backup: {{ $value | humanizeDuration }} old. See `docker logs` of the backup container and `npm run doctor`.",
          },
        },
        {
          alert: "BackupSchedulerDown",
          expr: 'up{job="backup"} == 0',
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Prometheus cannot reach the backup scheduler",
            description:
              "The backup container is stopped or unhealthy; no backup runs while it is.",
          },
        },
        {
          alert: "BackupOffsiteFailing",
          expr: "ownstack_backup_offsite_configured == 1 and time() - ownstack_backup_offsite_last_success_timestamp_seconds > 2 * ownstack_backup_schedule_interval_seconds",
          for: "10m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Off-site backup copies are failing",
            description: "Local backups are kept; the scheduler's log says why the upload failed.",
          },
        },
      ]
    : [];
  const groups = [
    ...(rules.length > 0 ? [{ name: "ownstack-backup", rules }] : []),
    ...(sources.backup && sources.pitr ? [{ name: "ownstack-pitr", rules: PITR_RULES }] : []),
  ];
  return stringify({ groups }, { lineWidth: 0 });
}

/**
 * Point-in-time recovery (scripts/lib/backup/pitrSchedule.ts exports the metrics from
 * pg_stat_archiver and its own state). Lag: a finished segment waiting longer than three
 * archive_timeouts means the recovery point is slipping.
 */
const PITR_RULES = [
  {
    alert: "WalArchivingFailing",
    expr: "increase(ownstack_pitr_archive_failed_total[10m]) > 0 and ownstack_pitr_last_failed_timestamp_seconds > ownstack_pitr_last_archived_timestamp_seconds",
    for: "5m",
    labels: { severity: "critical" },
    annotations: {
      summary:
        "Postgres cannot archive WAL: point-in-time recovery stops at the last archived segment",
      description:
        "archive_command keeps failing; WAL piles up in the db volume until it succeeds. See `docker logs` of the db container (wal-archive lines).",
    },
  },
  {
    alert: "WalArchiveLagging",
    expr: "ownstack_pitr_archive_lag_seconds > 3 * ownstack_pitr_archive_timeout_seconds",
    for: "5m",
    labels: { severity: "warning" },
    annotations: {
      summary: "WAL archiving lags behind",
      description:
        "{{ $value | humanizeDuration }} since the last segment was archived while others wait: more than that could be lost.",
    },
  },
  {
    alert: "WalArchiverUnreadable",
    expr: "ownstack_pitr_archiver_up == 0",
    for: "15m",
    labels: { severity: "warning" },
    annotations: {
      summary: "The backup scheduler cannot read pg_stat_archiver",
      description: "Archiving state is unknown; check that db is up and the scheduler can log in.",
    },
  },
  {
    alert: "BaseBackupTooOld",
    expr: "time() - ownstack_pitr_last_base_backup_timestamp_seconds > 2 * ownstack_backup_schedule_interval_seconds and ownstack_pitr_base_backups > 0",
    for: "10m",
    labels: { severity: "warning" },
    annotations: {
      summary: "No recent base backup: recovery replays ever more WAL",
      description:
        "The newest base backup is {{ $value | humanizeDuration }} old; the scheduler's log says why.",
    },
  },
  {
    alert: "WalOffsiteFailing",
    expr: "ownstack_pitr_offsite_configured == 1 and increase(ownstack_pitr_offsite_failures_total[30m]) > 0 and time() - ownstack_pitr_offsite_last_success_timestamp_seconds > 900",
    for: "10m",
    labels: { severity: "warning" },
    annotations: {
      summary: "Archived WAL is not reaching the off-site copy",
      description:
        "WAL stays in the local archive until the upload works; the scheduler's log says why.",
    },
  },
];
