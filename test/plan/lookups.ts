import type { PortBinding } from "../../config/exposure";
import { Plan, PlannedResource } from "./harness";

// Plan look-ups, so that tests read as expectations (STYLE.md habit 9).

export const containers = (plan: Plan) =>
  plan.resources.filter((r) => r.type === "docker:index/container:Container");

/** The long-running container of a service, found by its `ownstack.service` label. */
export function container(plan: Plan, service: string): PlannedResource {
  const found = containers(plan).find((c) => serviceOf(c) === service && !isJob(c));
  if (!found)
    throw new Error(
      `no container for service ${service}; have: ${containers(plan)
        .map((c) => c.name)
        .join(", ")}`,
    );
  return found;
}

export const hasContainer = (plan: Plan, service: string) =>
  containers(plan).some((c) => serviceOf(c) === service);

export function label(resource: PlannedResource, name: string): string | undefined {
  return (resource.inputs.labels ?? []).find((l: { label: string }) => l.label === name)?.value;
}

/** The service a container belongs to (its `ownstack.service` label), else its resource name. */
export const serviceOf = (c: PlannedResource): string => label(c, "ownstack.service") ?? c.name;

/** One-shot jobs are labelled `ownstack.job`; long-running containers are not. */
export const isJob = (c: PlannedResource): boolean => label(c, "ownstack.job") === "true";

/** A container's env as a map. */
export function env(resource: PlannedResource): Record<string, string> {
  return Object.fromEntries(
    (resource.inputs.envs ?? []).map((e: string) => [
      e.slice(0, e.indexOf("=")),
      e.slice(e.indexOf("=") + 1),
    ]),
  );
}

/** A stack output that must be a string (a URL, key or password). */
export function stringOutput(plan: Plan, key: string): string {
  const value = plan.outputs[key];
  if (typeof value !== "string") throw new Error(`output ${key} is ${typeof value}, not a string`);
  return value;
}

export const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

/** Every host port the plan's containers publish, in the exposure policy's shape. */
export const publishedBindings = (plan: Plan): PortBinding[] =>
  containers(plan).flatMap((c) =>
    (c.inputs.ports ?? []).map((p: any) => ({
      service: serviceOf(c),
      internal: p.internal,
      external: p.external,
      ip: p.ip ?? "0.0.0.0",
      purpose: "",
    })),
  );

/** A container's network aliases, on every network it joins (config/networks.ts). */
export const aliases = (resource: PlannedResource): string[] => [
  ...new Set(
    ((resource.inputs.networksAdvanced ?? []) as { aliases?: string[] }[]).flatMap(
      (n) => n.aliases ?? [],
    ),
  ),
];

/**
 * The services (or one-shot jobs) whose containers a resource waits for before it is created:
 * its dependency URNs as the SDK sends them to the engine, mapped back to `ownstack.service`.
 */
export function waitsFor(plan: Plan, resource: PlannedResource): string[] {
  const byUrn = new Map(containers(plan).map((c) => [c.urn, serviceOf(c)]));
  return resource.options.dependencies.flatMap((urn) => byUrn.get(urn) ?? []).sort();
}

const resourceId = (r: PlannedResource) => `${r.type}::${r.name}`;

/** What a config change replaces: containers by service label, everything else as `type::name`. */
export interface Diff {
  readonly containers: string[];
  readonly others: string[];
}

/** The resources whose inputs differ between two plans of one stack (every container input is ForceNew). */
export function diff(base: Plan, changed: Plan): Diff {
  const before = new Map(base.resources.map((r) => [resourceId(r), JSON.stringify(r.inputs)]));
  const differs = changed.resources.filter(
    (r) => before.get(resourceId(r)) !== JSON.stringify(r.inputs),
  );
  const isContainer = (r: PlannedResource) => r.type === "docker:index/container:Container";
  return {
    containers: differs.filter(isContainer).map(serviceOf).sort(),
    others: differs
      .filter((r) => !isContainer(r))
      .map(resourceId)
      .sort(),
  };
}
