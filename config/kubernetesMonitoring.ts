import { z } from "zod";
import { kubeName, text } from "./valueTypes";

/**
 * How a kubernetes stack is monitored: by its own Prometheus (the scrape config the Docker stacks
 * render), or by a Prometheus Operator already in the cluster through ServiceMonitors. Pure.
 */

const OPERATOR_NAMESPACE = "monitoring";

/** A `key=value` Kubernetes label (a prefixed or plain name, a value or none). */
export const KUBE_LABEL =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export const kubernetesMonitoringShape = {
  prometheusOperator: z.boolean({ error: "expected true or false" }).default(false),
  prometheusOperatorNamespace: kubeName("monitoring").default(OPERATOR_NAMESPACE),
  serviceMonitorLabels: z
    .array(
      text('expected "key=value" Kubernetes labels such as "release=kube-prometheus-stack"', (v) =>
        KUBE_LABEL.test(v),
      ),
      { error: 'expected a list such as ["release=kube-prometheus-stack"]' },
    )
    .default([]),
} as const;

export interface KubernetesMonitoring {
  /** ServiceMonitors for the cluster's Prometheus Operator instead of a Prometheus of our own. */
  readonly operator: boolean;
  /** Where the operator's Prometheus runs: the only namespace let in to the metrics ports. */
  readonly operatorNamespace: string;
  /** Labels the operator's `serviceMonitorSelector` matches (kube-prometheus-stack: `release`). */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
}

type Raw = {
  [K in keyof typeof kubernetesMonitoringShape]: z.output<(typeof kubernetesMonitoringShape)[K]>;
};

export function kubernetesMonitoring(c: Raw): KubernetesMonitoring {
  return {
    operator: c.prometheusOperator,
    operatorNamespace: c.prometheusOperatorNamespace,
    serviceMonitorLabels: Object.fromEntries(
      [...c.serviceMonitorLabels].sort().map((entry) => entry.split("=", 2) as [string, string]),
    ),
  };
}

/**
 * Operator keys changed from their defaults without the operator (or off kubernetes): one problem
 * naming the key. Compared with the defaults, because the Pulumi CLI passes declared defaults in.
 */
export function monitoringProblems(
  c: Raw & { readonly target: string },
  prometheus: boolean,
): string[] {
  const key = (k: string) => `ownstack:${k}`;
  const changed = {
    prometheusOperator: c.prometheusOperator,
    prometheusOperatorNamespace: c.prometheusOperatorNamespace !== OPERATOR_NAMESPACE,
    serviceMonitorLabels: c.serviceMonitorLabels.length > 0,
  };
  const out: string[] = [];
  if (c.target !== "kubernetes") {
    for (const [k, on] of Object.entries(changed))
      if (on)
        out.push(
          `${key(k)}: only read on target kubernetes, expected no ${k} on the ${c.target} stack`,
        );
    return out;
  }
  if (c.prometheusOperator && !prometheus)
    out.push(
      `${key("prometheusOperator")}: ServiceMonitors are declared only with Prometheus on, expected ${key("prometheus")}: true as well (or no prometheusOperator)`,
    );
  for (const k of ["prometheusOperatorNamespace", "serviceMonitorLabels"] as const)
    if (changed[k] && !c.prometheusOperator)
      out.push(
        `${key(k)}: only read with the Prometheus Operator, expected ${key("prometheusOperator")}: true as well (or no ${k})`,
      );
  return out;
}
