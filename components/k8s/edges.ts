import { ADDRESSES, ServiceName } from "../../config/services";
import { EDGES } from "../../config/edges";
import { Settings } from "../../config/settings";
import { clientLabel } from "./dataService";
import { podSelector } from "./workload";

/**
 * The namespace's NetworkPolicies, derived from the edge table (config/edges.ts) and never written
 * by hand: for each callee pod and port, ingress from exactly its callers. What only Kubernetes has
 * (an operator's namespace, the ingress controller, CNPG's own traffic, a user's pod by label) is
 * the short table below, one reason per row. The namespace has no egress policy, so DNS needs no row.
 */

/** Who opens a connection: a pod of the namespace by its name, pods by a label, or another namespace. */
export type Peer =
  | { readonly pod: string }
  | { readonly labels: Readonly<Record<string, string>> }
  | { readonly namespace: string };

export interface KubernetesEdge {
  readonly from: Peer;
  /** The callee pod's name: a service, or `db` for CloudNativePG's instances. */
  readonly to: string;
  readonly port: number;
  readonly why: string;
}

/** CNPG instance manager's status endpoint, which the operator polls (and backs up through). */
const CNPG_STATUS_PORT = 8000;

/** The connections only a kubernetes stack has. */
export function kubernetesOnlyEdges(settings: Settings): KubernetesEdge[] {
  const { ingressNamespace, cnpg } = settings.kubernetes;
  const db = ADDRESSES.db.port;
  const operator = { namespace: cnpg.operatorNamespace };
  return [
    {
      from: { namespace: ingressNamespace },
      to: "kong",
      port: ADDRESSES.kong.port,
      why: "the Ingress: api.<domain> and studio.<domain> (as Traefik on vps)",
    },
    {
      from: { namespace: ingressNamespace },
      to: "openWebui",
      port: ADDRESSES.openWebui.port,
      why: "the Ingress: chat.<domain> (as Traefik on vps)",
    },
    {
      from: { pod: "db-bootstrap" },
      to: "db",
      port: db,
      why: "the bootstrap Job makes the schema and roles the supabase/postgres image makes on Docker",
    },
    // https://cloudnative-pg.io/documentation/current/samples/networkpolicy-example.yaml
    { from: { pod: "db" }, to: "db", port: db, why: "CNPG replicas stream from the primary" },
    { from: operator, to: "db", port: db, why: "the CNPG operator's checks and switchovers" },
    {
      from: operator,
      to: "db",
      port: CNPG_STATUS_PORT,
      why: "the CNPG operator's status polls and backup requests (instance manager)",
    },
    // No service of the stack calls them; a user's app pod opts in by its label (dataService.ts).
    ...(["qdrant", "ollama", "redis"] as const).map((to) => ({
      from: { labels: { [clientLabel(to)]: "true" } },
      to,
      port: ADDRESSES[to].port,
      why: `a user's pod labelled ${clientLabel(to)}`,
    })),
  ];
}

/**
 * A table name on kubernetes, the one place names differ: with prometheusOperator the scraper is
 * the operator's Prometheus, in its own namespace.
 */
export function onKubernetes(settings: Settings, caller: string): Peer {
  const { monitoring } = settings.kubernetes;
  if (caller === "prometheus" && monitoring.operator)
    return { namespace: monitoring.operatorNamespace };
  return { pod: caller };
}

/**
 * Every connection on this stack: the edge table's and the kubernetes-only ones whose callee runs
 * in the namespace and whose caller does (or lives outside it). `pods` are the names of the pods
 * the stack declares, `db` among them when CNPG runs Postgres.
 */
export function kubernetesEdges(settings: Settings, pods: ReadonlySet<string>): KubernetesEdge[] {
  const derived = EDGES.map((e) => ({ ...e, from: onKubernetes(settings, e.from) }));
  return [...derived, ...kubernetesOnlyEdges(settings)].filter(
    (e) => pods.has(e.to) && (!("pod" in e.from) || pods.has(e.from.pod)),
  );
}

/** The labels that select a pod by its name: the stack's name label, CNPG's cluster label for `db`. */
export function podLabels(
  settings: Settings,
  pod: string,
  databasePods: Record<string, string> | undefined,
): Record<string, string> {
  return pod === "db" && databasePods ? databasePods : podSelector(settings, pod);
}

type PolicyPeer =
  | { podSelector: { matchLabels: Record<string, string> } }
  | { namespaceSelector: { matchLabels: Record<string, string> } };

export interface PolicySpec {
  /** `metadata.name`: `edges-to-<alias>`, new names so that no old hand-written policy collides. */
  readonly name: string;
  readonly spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: ["Ingress"];
    ingress: { from: PolicyPeer[]; ports: { port: number; protocol: "TCP" }[] }[];
  };
}

/** One NetworkPolicy per callee pod, one ingress rule per port, peers and rules sorted. */
export function policySpecs(
  settings: Settings,
  edges: readonly KubernetesEdge[],
  databasePods: Record<string, string> | undefined,
): PolicySpec[] {
  const peer = (p: Peer): PolicyPeer =>
    "namespace" in p
      ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } } }
      : {
          podSelector: {
            matchLabels: "pod" in p ? podLabels(settings, p.pod, databasePods) : { ...p.labels },
          },
        };
  const byCallee = new Map<string, Map<number, Map<string, PolicyPeer>>>();
  for (const e of edges) {
    const ports = byCallee.get(e.to) ?? new Map<number, Map<string, PolicyPeer>>();
    const peers = ports.get(e.port) ?? new Map<string, PolicyPeer>();
    const p = peer(e.from);
    peers.set(JSON.stringify(p), p);
    ports.set(e.port, peers);
    byCallee.set(e.to, ports);
  }
  return [...byCallee.keys()].sort().map((to) => ({
    name: `edges-to-${ADDRESSES[to as ServiceName]?.aliases[0] ?? to}`,
    spec: {
      podSelector: { matchLabels: podLabels(settings, to, databasePods) },
      policyTypes: ["Ingress"],
      ingress: [...byCallee.get(to)!.entries()]
        .sort(([a], [b]) => a - b)
        .map(([port, peers]) => ({
          from: [...peers.keys()].sort().map((k) => peers.get(k)!),
          ports: [{ port, protocol: "TCP" }],
        })),
    },
  }));
}
