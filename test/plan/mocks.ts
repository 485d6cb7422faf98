import { vi } from "vitest";
import { Plan, PlannedResource, evaluateWith } from "../../scripts/lib/planHarness";

export * from "../../scripts/lib/planHarness";

/** Runs the real `index.ts` for one stack with the given raw config. */
export function evaluate(config: Record<string, string> = {}, stack = "local"): Promise<Plan> {
  return evaluateWith(
    async () => {
      vi.resetModules();
      return import("../../index");
    },
    config,
    stack,
  );
}

// Plan look-ups, so that tests read as expectations.

export const containers = (plan: Plan) => plan.resources.filter((r) => r.type === "docker:index/container:Container");

/** The long-running container of a service, found by its `ownstack.service` label. */
export function container(plan: Plan, service: string): PlannedResource {
  const found = containers(plan).find((c) => label(c, "ownstack.service") === service && label(c, "ownstack.job") === undefined);
  if (!found) throw new Error(`no container for service ${service}; have: ${containers(plan).map((c) => c.name).join(", ")}`);
  return found;
}

export const hasContainer = (plan: Plan, service: string) =>
  containers(plan).some((c) => label(c, "ownstack.service") === service);

export function label(resource: PlannedResource, name: string): string | undefined {
  return (resource.inputs.labels ?? []).find((l: { label: string }) => l.label === name)?.value;
}

/** A container's env as a map. */
export function env(resource: PlannedResource): Record<string, string> {
  return Object.fromEntries((resource.inputs.envs ?? []).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

/** Config for the vps stack that passes validation; tests vary one key at a time. */
export const VPS_CONFIG: Record<string, string> = {
  "ownstack:target": "vps",
  "ownstack:domain": "example.com",
  "ownstack:acmeEmail": "ops@example.com",
  "ownstack:dockerHost": "ssh://deploy@203.0.113.10",
  "ownstack:smtpHost": "smtp.example.com",
  "ownstack:smtpUser": "postmaster@example.com",
  "ownstack:smtpAdminEmail": "admin@example.com",
  "ownstack:smtpPass": "smtp-secret",
  "ownstack:ollamaGpu": "cpu",
};
