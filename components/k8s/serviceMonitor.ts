import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Settings } from "../../config/settings";
import { ScrapeJob } from "../render/prometheus";
import { metricsPortName, podSelector, stackLabels } from "./workload";

/**
 * The Prometheus Operator's objects (monitoring.coreos.com/v1, prometheus-operator v0.93.0 CRDs):
 * the Docker scrape jobs as ServiceMonitors, the Docker alert rules as a PrometheusRule.
 */

/** ServiceMonitor key of a scrape job's bearer credential in the credentials Secret. */
export const credentialKey = (job: ScrapeJob) => `${job.job}-token`;

/** The stack's labels plus the ones the operator's serviceMonitorSelector looks for. */
export const monitorLabels = (settings: Settings, component: string) => ({
  ...stackLabels(settings, component),
  ...settings.kubernetes.monitoring.serviceMonitorLabels,
});

/**
 * One scrape job as a ServiceMonitor: the Service of the job's service, its metrics port by name,
 * the same path and interval, and the job label Docker's config gives (the operator would name
 * the job after the Service), so queries and alerts read the same on both.
 */
export function serviceMonitor(
  settings: Settings,
  namespace: pulumi.Input<string>,
  job: ScrapeJob,
  credentialsSecret: pulumi.Input<string>,
) {
  const service = job.service!;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: job.job, namespace, labels: monitorLabels(settings, service) },
    spec: {
      selector: { matchLabels: podSelector(settings, service) },
      endpoints: [
        {
          port: metricsPortName(settings, service),
          path: job.path,
          interval: "15s",
          relabelings: [{ action: "replace", targetLabel: "job", replacement: job.job }],
          ...(job.bearer !== undefined
            ? {
                authorization: {
                  type: "Bearer",
                  credentials: { name: credentialsSecret, key: credentialKey(job) },
                },
              }
            : {}),
        },
      ],
    },
  };
}

/** The rules file's groups as a PrometheusRule's spec: the same groups, rule for rule. */
export const prometheusRuleSpec = (rulesYaml: string) => ({ groups: parse(rulesYaml).groups });
