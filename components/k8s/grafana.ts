import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../../config/services";
import { Settings } from "../../config/settings";
import { GRAFANA_HEALTHCHECK, grafanaEnv } from "../grafana";
import { GRAFANA_DATASOURCES_PATH, renderGrafanaDatasources } from "../render/grafana";
import { Workload, stackLabels } from "./workload";

/**
 * Where Grafana finds Prometheus: the stack's own Service, or the `prometheus-operated` Service the
 * Prometheus Operator keeps in front of its Prometheus pods
 * (https://prometheus-operator.dev/docs/platform/exposing-prometheus-and-alertmanager/).
 */
export function grafanaPrometheusUrl(settings: Settings): string {
  const { monitoring } = settings.kubernetes;
  return monitoring.operator
    ? `http://prometheus-operated.${monitoring.operatorNamespace}.svc:${ADDRESSES.prometheus.port}`
    : internalUrl("prometheus");
}

export interface KubernetesGrafanaArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  /** The dashboard password, as Grafana's admin password on Docker. */
  readonly adminPassword: pulumi.Input<string>;
}

/**
 * Grafana as on Docker: the same env (admin from the dashboard credentials, sign-up and phoning
 * home off) and the same provisioned data source file, from a ConfigMap; stateless, so a rotated
 * dashboard password applies on the next pod, as on Docker.
 */
export class KubernetesGrafana extends pulumi.ComponentResource {
  public readonly workload: Workload;

  constructor(
    name: string,
    args: KubernetesGrafanaArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Grafana", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const file = GRAFANA_DATASOURCES_PATH.slice(GRAFANA_DATASOURCES_PATH.lastIndexOf("/") + 1);
    // Auto-named: a changed data source is a new ConfigMap, and the Deployment rolls onto it.
    const datasources = new k8s.core.v1.ConfigMap(
      `${name}-datasources`,
      {
        metadata: { namespace, labels: stackLabels(settings, "grafana") },
        data: { [file]: renderGrafanaDatasources(grafanaPrometheusUrl(settings)) },
      },
      child,
    );
    this.workload = new Workload(
      name,
      {
        settings,
        namespace,
        service: "grafana",
        image: settings.images.grafana,
        replicas: 1,
        env: grafanaEnv(settings, args.adminPassword),
        healthcheck: GRAFANA_HEALTHCHECK,
        files: [{ path: GRAFANA_DATASOURCES_PATH, configMap: datasources, key: file }],
      },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
