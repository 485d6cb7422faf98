import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceName } from "../../config/services";
import { Settings } from "../../config/settings";
import { podSelector, stackLabels } from "./workload";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** A peer by the service its pods run, or a raw selector (an operator's namespace, CNPG's pods). */
export type Caller = ServiceName | { readonly peer: Peer };

export interface AllowArgs {
  readonly settings: Settings;
  /** The NetworkPolicy's name in the namespace, e.g. `allow-grafana-to-prometheus`. */
  readonly policy: string;
  readonly namespace: pulumi.Input<string>;
  /** The pods let in: a service, or a raw pod selector (CNPG's instances). */
  readonly to: ServiceName | Record<string, string>;
  readonly from: readonly Caller[];
  readonly port: number;
}

/**
 * One edge an optional service adds to the namespace's default deny
 * (components/k8s/networkPolicy.ts): `from` may open `to` on `port`, nothing else. NetworkPolicies
 * add up, so each optional service declares its own edges beside its pods.
 */
export function allowPolicy(
  resourceName: string,
  args: AllowArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  const { settings, namespace } = args;
  const peer = (c: Caller): Peer =>
    typeof c === "string" ? { podSelector: { matchLabels: podSelector(settings, c) } } : c.peer;
  return new k8s.networking.v1.NetworkPolicy(
    resourceName,
    {
      metadata: { name: args.policy, namespace, labels: stackLabels(settings, "network-policy") },
      spec: {
        podSelector: {
          matchLabels: typeof args.to === "string" ? podSelector(settings, args.to) : args.to,
        },
        policyTypes: ["Ingress"],
        ingress: [{ from: args.from.map(peer), ports: [{ port: args.port, protocol: "TCP" }] }],
      },
    },
    opts,
  );
}
