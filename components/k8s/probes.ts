import * as k8s from "@pulumi/kubernetes";
import { Healthcheck, healthcheckInput } from "../container";

const seconds = (duration: string): number => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new Error(`healthcheck duration "${duration}" is not of the form 5s, 1m`);
  const n = Number(m[1]);
  return Math.max(
    1,
    m[2] === "ms" ? Math.ceil(n / 1000) : m[2] === "m" ? n * 60 : m[2] === "h" ? n * 3600 : n,
  );
};

export interface Probes {
  readonly startupProbe: k8s.types.input.core.v1.Probe;
  readonly readinessProbe: k8s.types.input.core.v1.Probe;
  readonly livenessProbe: k8s.types.input.core.v1.Probe;
}

/**
 * The Docker healthcheck as probes, with its timings: the start period becomes a startup probe
 * (failures before it passes do not count, as in Docker), then readiness takes the pod out of its
 * Service and liveness restarts it after the same number of failed checks.
 */
export function probesFrom(healthcheck: Healthcheck): Probes {
  const h = healthcheckInput(healthcheck);
  const [kind, ...rest] = h.tests as string[];
  const command =
    kind === "CMD-SHELL" ? ["/bin/sh", "-c", rest.join(" ")] : kind === "CMD" ? rest : undefined;
  if (!command)
    throw new Error(`healthcheck ${JSON.stringify(h.tests)} is neither CMD nor CMD-SHELL`);
  const periodSeconds = seconds(String(h.interval));
  const probe = {
    exec: { command },
    periodSeconds,
    timeoutSeconds: seconds(String(h.timeout)),
    failureThreshold: Number(h.retries),
  };
  return {
    startupProbe: {
      ...probe,
      failureThreshold:
        Math.ceil(seconds(String(h.startPeriod)) / periodSeconds) + Number(h.retries),
    },
    readinessProbe: probe,
    livenessProbe: probe,
  };
}
