import { Peer, kubernetesEdges } from "../../components/k8s/edges";
import { Settings, parseSettings } from "../../config/settings";
import { Plan } from "../plan/mocks";
import { K8S_CONFIG, ofKind } from "./harness";

/**
 * Who can open which pod on which port, computed from declared NetworkPolicies with Kubernetes'
 * semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a pod no
 * ingress policy selects admits everything; a selected pod admits a connection only when some
 * policy selecting it has a rule whose `from` matches the source (none listed: any) and whose
 * `ports` match the port (none listed: any). Policies add up; there is no deny rule.
 */

type Labels = Readonly<Record<string, string>>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
export interface Policy {
  name: string;
  namespace: string;
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: {
      from?: PolicyPeer[];
      ports?: { port?: number | string; endPort?: number; protocol?: string }[];
    }[];
  };
}

/** A pod that can open or take a connection, as the matrix names it. */
export interface Pod {
  name: string;
  namespace: string;
  namespaceLabels: Labels;
  labels: Labels;
  /** Its container ports by name (what a policy's named port resolves to). */
  ports: Record<string, number>;
}

export function selects(selector: Selector, labels: Labels): boolean {
  const matched = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    matched &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const has = key in labels;
      if (operator === "In") return has && values.includes(labels[key]);
      if (operator === "NotIn") return !has || !values.includes(labels[key]);
      if (operator === "Exists") return has;
      if (operator === "DoesNotExist") return !has;
      throw new Error(`unknown selector operator ${operator}`);
    })
  );
}

function peerMatches(peer: PolicyPeer, policy: Policy, source: Pod): boolean {
  if (peer.ipBlock) throw new Error(`${policy.name}: ipBlock peers are not modelled`);
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, source.namespaceLabels)
    : source.namespace === policy.namespace;
  return namespaceOk && (!peer.podSelector || selects(peer.podSelector, source.labels));
}

const isIngress = (p: Policy) => (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress");

/** Every `source -> pod:port` the policies let through, sorted; `ports` are the ports tried. */
export function reachability(
  policies: readonly Policy[],
  pods: readonly Pod[],
  sources: readonly Pod[],
  ports: readonly number[],
): string[] {
  const out = new Set<string>();
  for (const target of pods) {
    const selecting = policies.filter(
      (p) =>
        isIngress(p) &&
        p.namespace === target.namespace &&
        selects(p.spec.podSelector, target.labels),
    );
    for (const source of sources)
      for (const port of ports) {
        const admitted =
          selecting.length === 0 ||
          selecting.some((p) =>
            (p.spec.ingress ?? []).some(
              (rule) =>
                (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, p, source))) &&
                (!rule.ports?.length ||
                  rule.ports.some((r) => {
                    if ((r.protocol ?? "TCP") !== "TCP") return false;
                    if (r.port === undefined) return true;
                    const from = typeof r.port === "string" ? target.ports[r.port] : r.port;
                    return from !== undefined && port >= from && port <= (r.endPort ?? from);
                  })),
            ),
          );
        if (admitted) out.add(`${source.name} -> ${target.name}:${port}`);
      }
  }
  return [...out].sort();
}

/** The CloudNativePG instance pods carry `cnpg.io/cluster: <Cluster name>`; the table calls them db. */
const CNPG_PORTS = { postgresql: 5432, status: 8000, metrics: 9187 };

/** The pods of a k8s plan: each workload's pod template, CNPG's instances, in the stack namespace. */
export function planPods(plan: Plan): Pod[] {
  const [ns] = ofKind(plan, "Namespace");
  const namespace = ns.inputs.metadata.name;
  const namespaceLabels = { "kubernetes.io/metadata.name": namespace };
  const workloads = ["Deployment", "StatefulSet", "DaemonSet", "Job"].flatMap((kind) =>
    ofKind(plan, kind).map((r): Pod => {
      const template = r.inputs.spec.template;
      const labels: Labels = template.metadata.labels;
      const ports = Object.fromEntries(
        template.spec.containers.flatMap((c: any) =>
          (c.ports ?? []).map((p: any) => [p.name ?? String(p.containerPort), p.containerPort]),
        ),
      );
      const name = labels["app.kubernetes.io/name"];
      if (!name) throw new Error(`${kind} ${r.name}: its pods carry no app.kubernetes.io/name`);
      return { name, namespace, namespaceLabels, labels, ports };
    }),
  );
  const instances = plan.resources
    .filter(
      (r) => r.inputs.kind === "Cluster" && r.inputs.apiVersion?.startsWith("postgresql.cnpg.io"),
    )
    .map((r): Pod => ({
      name: "db",
      namespace,
      namespaceLabels,
      labels: { "cnpg.io/cluster": r.inputs.metadata.name, "cnpg.io/podRole": "instance" },
      ports: CNPG_PORTS,
    }));
  return [...workloads, ...instances];
}

export function planPolicies(plan: Plan): Policy[] {
  return ofKind(plan, "NetworkPolicy").map((r) => ({
    name: r.inputs.metadata.name,
    namespace: r.inputs.metadata.namespace,
    spec: r.inputs.spec,
  }));
}

/** How the matrix names a caller the table names: a pod, `namespace:<name>`, `labels:<k>=<v>`. */
export function peerName(peer: Peer): string {
  if ("pod" in peer) return peer.pod;
  if ("namespace" in peer) return `namespace:${peer.namespace}`;
  return `labels:${Object.entries(peer.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;
}

/** A caller from outside the stack's pods: every pod of another namespace, or a user's labelled pod. */
export function outsider(peer: Peer, namespace: string): Pod {
  if ("pod" in peer) throw new Error(`${peer.pod} is a pod of the plan, not an outsider`);
  const ns = "namespace" in peer ? peer.namespace : namespace;
  return {
    name: peerName(peer),
    namespace: ns,
    namespaceLabels: { "kubernetes.io/metadata.name": ns },
    labels: "labels" in peer ? peer.labels : { app: "anything" },
    ports: {},
  };
}

/** What the edge table and the kubernetes rows let through on this plan's pods, sorted. */
export function expectedReachability(plan: Plan, settings: Settings): string[] {
  const pods = new Set(planPods(plan).map((p) => p.name));
  const edges = kubernetesEdges(settings, pods);
  return [...new Set(edges.map((e) => `${peerName(e.from)} -> ${e.to}:${e.port}`))].sort();
}

/**
 * The plan's reachability matrix: every pod of the plan as a target; as sources its pods, each
 * outside caller the tables name (an operator's namespace, a user's labelled pod), and two
 * strangers (an unlabelled-by-us pod of the namespace, a pod of another namespace); every port any
 * container, policy or edge names.
 */
export function planReachability(
  plan: Plan,
  settings: Settings,
  policies: readonly Policy[] = planPolicies(plan),
): string[] {
  const pods = planPods(plan);
  const namespace = pods[0].namespace;
  const names = new Set(pods.map((p) => p.name));
  const edges = kubernetesEdges(settings, names);
  const outsiders = new Map<string, Pod>();
  for (const peer of [
    ...edges.map((e) => e.from),
    { labels: { app: "stranger" } },
    { namespace: "elsewhere" },
  ])
    if (!("pod" in peer)) outsiders.set(peerName(peer), outsider(peer, namespace));
  const ports = new Set<number>([
    ...pods.flatMap((p) => Object.values(p.ports)),
    ...edges.map((e) => e.port),
    ...policies.flatMap((p) =>
      (p.spec.ingress ?? []).flatMap((r) =>
        (r.ports ?? []).flatMap((x) => (typeof x.port === "number" ? [x.port] : [])),
      ),
    ),
  ]);
  return reachability(policies, pods, [...pods, ...outsiders.values()], [...ports].sort());
}

/** The callers that reach `to` on `port` in a plan, sorted. */
export const callersIn = (matrix: readonly string[], to: string, port: number): string[] =>
  matrix
    .filter((e) => e.endsWith(` -> ${to}:${port}`))
    .map((e) => e.slice(0, e.indexOf(" -> ")))
    .sort();

/** The matrix of a plan evaluated with `config` over the k8s test stack (harness.ts). */
export const matrixOf = (plan: Plan, config: Record<string, string> = {}): string[] =>
  planReachability(plan, parseSettings({ ...K8S_CONFIG, ...config }, "k8s"));

/** The matrix's edges into `to`, on any port. */
export const into = (matrix: readonly string[], to: string): string[] =>
  matrix.filter((e) => e.includes(` -> ${to}:`));
