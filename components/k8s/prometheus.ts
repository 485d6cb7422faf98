import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Settings } from "../../config/settings";
import { DbEndpoint } from "../database";
import {
  POSTGRES_EXPORTER_HEALTHCHECK,
  REDIS_EXPORTER_HEALTHCHECK,
  postgresExporterEnv,
  redisExporterEnv,
} from "../exporters";
import { PROMETHEUS_CONFIG_PATH, PROMETHEUS_HEALTHCHECK, alertRulesFor } from "../prometheus";
import {
  MetricsSources,
  RULES_PATH,
  metricsSourcesFor,
  mintMetricsToken,
  renderPrometheusYml,
  scrapeJobs,
} from "../render/prometheus";
import { Secrets } from "../secrets";
import { credentialKey, monitorLabels, prometheusRuleSpec, serviceMonitor } from "./serviceMonitor";
import { Workload, stackLabels } from "./workload";

/**
 * Metrics on kubernetes, as `prometheus: true` gives them on Docker: the Postgres exporter, and
 * either a Prometheus of the stack's own with the scrape config the Docker stacks render (the
 * Services carry the Docker aliases, so `kong:8100` resolves in the namespace as it does on the
 * Docker network), or, with `prometheusOperator: true`, one ServiceMonitor per scrape job for a
 * Prometheus Operator already in the cluster.
 */

/**
 * The scrape sources of a kubernetes stack: the Docker sources of the same settings, less the
 * backup scheduler, which kubernetes does not run (CloudNativePG's Barman Cloud plugin backs up).
 */
export function kubernetesMetricsSources(
  settings: Settings,
  credentials: { realtimeToken: string; qdrantApiKey: string },
): MetricsSources {
  return { ...metricsSourcesFor(settings, credentials), backup: false };
}

// Docker's volume has no size: 15 targets of ~1k series at 15 s are ~130 MB a day at Prometheus's
// ~1.5 bytes per sample (prometheus.io/docs/prometheus/latest/storage, "Operational aspects"), so
// the default 15d retention needs ~2 GB; 8Gi leaves room for compaction and more targets.
const PROMETHEUS_VOLUME = "8Gi";
// prom/prometheus runs as nobody (its Dockerfile: USER nobody); the claim's files must be its group's.
const NOBODY = 65534;

export interface KubernetesMetricsArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly secrets: Secrets;
  /** Where the exporter logs in: the CNPG Service or the managed database. */
  readonly db: DbEndpoint;
}

export class KubernetesMetrics extends pulumi.ComponentResource {
  public readonly postgresExporter: Workload;
  /** With Redis (Valkey) on, as on Docker. */
  public readonly redisExporter?: Workload;
  /** The stack's own Prometheus; absent with the Prometheus Operator. */
  public readonly prometheus?: Workload;
  public readonly serviceMonitors: k8s.apiextensions.CustomResource[] = [];
  public readonly prometheusRule?: k8s.apiextensions.CustomResource;

  constructor(
    name: string,
    args: KubernetesMetricsArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Metrics", name, {}, opts);
    const { settings, namespace, secrets } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const base = { settings, namespace, replicas: 1 };
    this.postgresExporter = new Workload(
      `${name}-postgres-exporter`,
      {
        ...base,
        service: "postgresExporter",
        image: settings.images.postgresExporter,
        env: postgresExporterEnv(secrets.postgresPassword, args.db),
        healthcheck: POSTGRES_EXPORTER_HEALTHCHECK,
      },
      child,
    );
    if (settings.features.redis)
      this.redisExporter = new Workload(
        `${name}-redis-exporter`,
        {
          ...base,
          service: "redisExporter",
          image: settings.images.redisExporter,
          env: redisExporterEnv(secrets.redisPassword),
          healthcheck: REDIS_EXPORTER_HEALTHCHECK,
        },
        child,
      );
    const token = pulumi
      .all([secrets.jwtSecret, secrets.apiKeysIssuedAt])
      .apply(([secret, iat]) => mintMetricsToken(secret, iat));
    const rules = alertRulesFor(settings, false);

    if (settings.kubernetes.monitoring.operator) {
      // The jobs are known at plan time (a credential's presence, not its value, decides them);
      // the values go to a Secret the ServiceMonitors name.
      const jobs = scrapeJobs(
        kubernetesMetricsSources(settings, { realtimeToken: "", qdrantApiKey: "" }),
      ).filter((j) => j.service !== undefined);
      const values: Record<string, pulumi.Input<string>> = {
        realtime: token,
        qdrant: secrets.qdrantApiKey,
      };
      const credentials = new k8s.core.v1.Secret(
        `${name}-scrape-credentials`,
        {
          metadata: { namespace, labels: stackLabels(settings, "prometheus") },
          type: "Opaque",
          stringData: pulumi.secret(
            Object.fromEntries(
              jobs
                .filter((j) => j.bearer !== undefined)
                .map((j) => [credentialKey(j), values[j.job]]),
            ),
          ),
        },
        child,
      );
      for (const job of jobs)
        this.serviceMonitors.push(
          new k8s.apiextensions.CustomResource(
            `${name}-${job.job}`,
            serviceMonitor(settings, namespace, job, credentials.metadata.name),
            child,
          ),
        );
      const groups = parse(rules).groups as unknown[];
      if (groups.length > 0)
        this.prometheusRule = new k8s.apiextensions.CustomResource(
          `${name}-rules`,
          {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: {
              name: "ownstack",
              namespace,
              labels: monitorLabels(settings, "prometheus"),
            },
            spec: prometheusRuleSpec(rules),
          },
          child,
        );
      this.registerOutputs({});
      return;
    }

    // prometheus.yml holds Realtime's bearer token and Qdrant's key: a Secret, as Docker keeps it secret.
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { namespace, labels: stackLabels(settings, "prometheus") },
        type: "Opaque",
        stringData: {
          "prometheus.yml": pulumi.secret(
            pulumi.all([token, secrets.qdrantApiKey]).apply(([realtimeToken, qdrantApiKey]) =>
              renderPrometheusYml({
                retention: settings.prometheus.retention,
                sources: kubernetesMetricsSources(settings, { realtimeToken, qdrantApiKey }),
              }),
            ),
          ),
          "ownstack-rules.yml": rules,
        },
      },
      child,
    );
    // The samples are data, kept like Docker's prometheus-data volume.
    const data = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: {
          name: "prometheus-data",
          namespace,
          labels: stackLabels(settings, "prometheus"),
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: PROMETHEUS_VOLUME } },
        },
      },
      { ...child, protect: true, retainOnDelete: true },
    );
    this.prometheus = new Workload(
      name,
      {
        ...base,
        service: "prometheus",
        image: settings.images.prometheus,
        env: {},
        healthcheck: PROMETHEUS_HEALTHCHECK,
        // The image's CMD reads these two paths (--config.file, --storage.tsdb.path), as on Docker.
        files: [
          { path: PROMETHEUS_CONFIG_PATH, secret: config, key: "prometheus.yml" },
          { path: RULES_PATH, secret: config, key: "ownstack-rules.yml" },
        ],
        data: { claim: data, mounts: [{ path: "/prometheus", subPath: "tsdb" }] },
        podSecurityContext: { fsGroup: NOBODY, runAsUser: NOBODY, runAsGroup: NOBODY },
      },
      child,
    );
    this.registerOutputs({ prometheus: this.prometheus.service.metadata.name });
  }
}
