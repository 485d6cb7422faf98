import { EDGES } from "../../config/edges";
import { ADDRESSES, type ServiceName } from "../../config/services";
import type { Plan } from "./harness";
import { byType, containers, serviceOf } from "./lookups";

/**
 * Docker's reachability from a plan: container A can open B's port p when both join one network
 * on which inter-container traffic is on (`com.docker.network.bridge.enable_icc` not "false") and
 * p is a port B listens on (config/services.ts: port, ports, metrics). Docker networks do not
 * filter ports, so a shared network gives every listening port.
 */

export interface PlanNetwork {
  readonly name: string;
  readonly subnet: string;
  readonly internal: boolean;
  readonly icc: boolean;
  /** Containers on it by service label, each with the aliases it answers to there. */
  readonly members: readonly { readonly service: string; readonly aliases: readonly string[] }[];
}

type Join = { name: string; aliases?: string[] };

/** The plan's Docker networks with the containers that join each. */
export function planNetworks(plan: Plan): PlanNetwork[] {
  const joins = containers(plan).flatMap((c) =>
    ((c.inputs.networksAdvanced ?? []) as Join[]).map((j) => ({ service: serviceOf(c), ...j })),
  );
  return byType(plan, "docker:index/network:Network").map((n) => ({
    name: n.inputs.name,
    subnet: n.inputs.ipamConfigs?.[0]?.subnet,
    internal: n.inputs.internal === true,
    icc: n.inputs.options?.["com.docker.network.bridge.enable_icc"] !== "false",
    members: joins
      .filter((j) => j.name === n.inputs.name)
      .map((j) => ({ service: j.service, aliases: [...(j.aliases ?? [])] })),
  }));
}

/** Every port a service listens on inside the stack. */
export function listeningPorts(service: string): number[] {
  if (!(service in ADDRESSES)) return [];
  const a: { port: number; ports?: Record<string, number>; metrics?: { port: number } } =
    ADDRESSES[service as ServiceName];
  return [
    ...new Set([a.port, ...Object.values(a.ports ?? {}), ...(a.metrics ? [a.metrics.port] : [])]),
  ].sort((x, y) => x - y);
}

/** `from -> to:port` for every port a container can open on another, from shared networks. */
export function reachable(networks: readonly PlanNetwork[]): Set<string> {
  const out = new Set<string>();
  for (const n of networks.filter((n) => n.icc))
    for (const from of n.members)
      for (const to of n.members)
        if (from.service !== to.service)
          for (const port of listeningPorts(to.service))
            out.add(`${from.service} -> ${to.service}:${port}`);
  return out;
}

/** The edge table's `from -> to` pairs among the plan's containers. */
export function tablePairs(plan: Plan): Set<string> {
  const present = new Set(containers(plan).map(serviceOf));
  return new Set(
    EDGES.filter((e) => present.has(e.from) && present.has(e.to)).map(
      (e) => `${e.from} -> ${e.to}`,
    ),
  );
}

/** `from -> to` of each reachable port. */
export const pairsOf = (reach: Iterable<string>): Set<string> =>
  new Set([...reach].map((r) => r.replace(/:\d+$/, "")));

/** Reachable ports no edge asks for: what a pair network gives beyond the table's ports. */
export function extraPorts(reach: Iterable<string>): string[] {
  const table = new Set(EDGES.map((e) => `${e.from} -> ${e.to}:${e.port}`));
  return [...reach].filter((r) => !table.has(r)).sort();
}
