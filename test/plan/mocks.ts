import { vi } from "vitest";
import type { PortBinding } from "../../config/exposure";
import { Plan, PlannedResource, evaluateWith } from "./harness";

export * from "./harness";

/**
 * Runs the real `index.ts` for one stack with the given raw config. Ollama's GPU is `cpu` unless a
 * test sets it: plan tests must not depend on the machine they run on (the probe has its own tests).
 */
export function evaluate(config: Record<string, string> = {}, stack = "local"): Promise<Plan> {
  config = { "ownstack:ollamaGpu": "cpu", ...config };
  return evaluateWith(
    async () => {
      vi.resetModules();
      // index.ts assigns its outputs object to module.exports; vitest's ESM view adds `default`.
      return (await import("../../index")).default;
    },
    config,
    stack,
  );
}

// Plan look-ups, so that tests read as expectations.

export const containers = (plan: Plan) =>
  plan.resources.filter((r) => r.type === "docker:index/container:Container");

/** The long-running container of a service, found by its `ownstack.service` label. */
export function container(plan: Plan, service: string): PlannedResource {
  const found = containers(plan).find(
    (c) => label(c, "ownstack.service") === service && label(c, "ownstack.job") === undefined,
  );
  if (!found)
    throw new Error(
      `no container for service ${service}; have: ${containers(plan)
        .map((c) => c.name)
        .join(", ")}`,
    );
  return found;
}

export const hasContainer = (plan: Plan, service: string) =>
  containers(plan).some((c) => label(c, "ownstack.service") === service);

export function label(resource: PlannedResource, name: string): string | undefined {
  return (resource.inputs.labels ?? []).find((l: { label: string }) => l.label === name)?.value;
}

/** A container's env as a map. */
export function env(resource: PlannedResource): Record<string, string> {
  return Object.fromEntries(
    (resource.inputs.envs ?? []).map((e: string) => [
      e.slice(0, e.indexOf("=")),
      e.slice(e.indexOf("=") + 1),
    ]),
  );
}

export const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

/** Every host port the plan's containers publish, in the exposure policy's shape. */
export const publishedBindings = (plan: Plan): PortBinding[] =>
  containers(plan).flatMap((c) =>
    (c.inputs.ports ?? []).map((p: any) => ({
      service: label(c, "ownstack.service") ?? c.name,
      internal: p.internal,
      external: p.external,
      ip: p.ip ?? "0.0.0.0",
      purpose: "",
    })),
  );

/** A container's network aliases on the stack's private network. */
export const aliases = (resource: PlannedResource): string[] =>
  resource.inputs.networksAdvanced?.[0]?.aliases ?? [];

/**
 * The services (or one-shot jobs) whose containers a resource waits for before it is created:
 * its dependency URNs as the SDK sends them to the engine, mapped back to `ownstack.service`.
 */
export function waitsFor(plan: Plan, resource: PlannedResource): string[] {
  const byUrn = new Map(
    containers(plan).map((c) => [c.urn, label(c, "ownstack.service") ?? c.name]),
  );
  return resource.options.dependencies.flatMap((urn) => byUrn.get(urn) ?? []).sort();
}

/** Every optional service turned on; with VPS_CONFIG for the vps stack. */
export const EVERY_SERVICE: Readonly<Record<string, string>> = {
  "ownstack:mailpit": "true",
  "ownstack:qdrant": "true",
  "ownstack:ollama": "true",
  "ownstack:redis": "true",
  "ownstack:prometheus": "true",
  "ownstack:functions": "true",
  "ownstack:supavisor": "true",
  "ownstack:imgproxy": "true",
  "ownstack:grafana": "true",
  "ownstack:logs": "true",
};

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
  // Required on vps: the log stack is an explicit choice there.
  "ownstack:logs": "false",
};
