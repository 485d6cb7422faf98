import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, reachableUrl } from "../config/services";
import { ServiceArgs } from "./container";
import { PostgresExporter, RedisExporter } from "./exporters";
import {
  RULES_PATH,
  metricsSourcesFor,
  mintMetricsToken,
  renderAlertRules,
  renderPrometheusYml,
} from "./render/prometheus";
import { ServiceComponent, wgetCheck } from "./serviceComponent";
import type { Settings } from "../config/settings";

export interface PrometheusArgs extends ServiceArgs {
  /** Realtime's METRICS_JWT_SECRET (the JWT secret) and the `iat` kept in state. */
  readonly jwtSecret: pulumi.Input<string>;
  readonly issuedAt: pulumi.Input<number>;
  readonly postgresPassword: pulumi.Input<string>;
  /** The database container; the Postgres exporter starts after it is healthy. */
  readonly db: docker.Container;
  /** Present when Qdrant is on: its /metrics needs the API key. */
  readonly qdrantApiKey?: pulumi.Input<string>;
  /** Present when Redis is on: its exporter logs in with the password. */
  readonly redis?: {
    readonly password: pulumi.Input<string>;
    readonly container: docker.Container;
  };
  /** Traefik labels on vps (basic auth); none locally, where 9090 is bound to 127.0.0.1. */
  readonly labels?: Record<string, pulumi.Input<string>>;
}

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";

// Busybox variant: wget is there. 127.0.0.1, because busybox may resolve localhost to ::1 first.
export const PROMETHEUS_HEALTHCHECK = {
  tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.prometheus.port}/-/healthy`, "download"),
};

/** The alert rules file both runtimes mount beside prometheus.yml (RULES_PATH). */
export const alertRulesFor = (settings: Settings, backup = settings.features.backup): string =>
  renderAlertRules({ backup, pitr: backup && settings.backup.pitr.enabled });

/** Prometheus with a scrape job for every enabled metrics source, plus the two exporters. */
export class Prometheus extends ServiceComponent {
  public readonly dataVolume: docker.Volume;
  public readonly postgresExporter: PostgresExporter;
  public readonly redisExporter?: RedisExporter;
  /** The rendered prometheus.yml (secret: Realtime's bearer token and Qdrant's key are inline). */
  public readonly config: pulumi.Output<string>;
  public readonly url: string;

  constructor(name: string, args: PrometheusArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:observability:Prometheus", name, args, opts);
    const { settings } = args;
    if (settings.features.qdrant !== (args.qdrantApiKey !== undefined))
      throw new pulumi.ResourceError(
        "`qdrantApiKey` must be given exactly when Qdrant is enabled (settings.features.qdrant).",
        this,
      );
    if (settings.features.redis !== (args.redis !== undefined))
      throw new pulumi.ResourceError(
        "`redis` must be given exactly when Redis is enabled (settings.features.redis).",
        this,
      );

    const base = { settings, network: args.network };
    this.postgresExporter = new PostgresExporter(
      `${name}-postgres-exporter`,
      { ...base, postgresPassword: args.postgresPassword, dependsOn: [args.db] },
      { parent: this },
    );
    if (args.redis)
      this.redisExporter = new RedisExporter(
        `${name}-redis-exporter`,
        { ...base, redisPassword: args.redis.password, dependsOn: [args.redis.container] },
        { parent: this },
      );

    this.config = pulumi.secret(
      pulumi
        .all([args.jwtSecret, args.issuedAt, args.qdrantApiKey ?? ""])
        .apply(([jwtSecret, issuedAt, qdrantApiKey]) =>
          renderPrometheusYml({
            retention: settings.prometheus.retention,
            sources: metricsSourcesFor(settings, {
              realtimeToken: mintMetricsToken(jwtSecret, issuedAt),
              qdrantApiKey,
            }),
          }),
        ),
    );
    this.dataVolume = this.volume("prometheus-data");
    this.url = reachableUrl(settings, "prometheus");
    this.serve({
      service: "prometheus",
      // Replaces the image's default file; the image's CMD already points at this path and /prometheus.
      // 0644: the server runs as nobody and must read it; only this container sees the file.
      uploads: [
        { file: PROMETHEUS_CONFIG_PATH, content: this.config, permissions: "0644" },
        {
          file: RULES_PATH,
          content: alertRulesFor(settings),
          permissions: "0644",
        },
      ],
      volumes: [{ volumeName: this.dataVolume.name, containerPath: "/prometheus" }],
      labels: args.labels,
      healthcheck: PROMETHEUS_HEALTHCHECK,
    });
    this.registerOutputs({
      container: this.container.id,
      dataVolume: this.dataVolume.name,
      url: this.url,
    });
  }
}
