import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { kubernetesEdges, policySpecs } from "./edges";
import { stackLabels } from "./workload";

export interface NetworkPoliciesArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  /** The name of every pod the stack declares (services, Jobs, the Vector agent). */
  readonly pods: readonly string[];
  /** CNPG's instance pods; absent with a managed database outside the cluster. */
  readonly databasePods?: Record<string, string>;
}

/**
 * The namespace's NetworkPolicies. Docker's private network lets every container reach every
 * other; here a default-deny policy closes the namespace, and one policy per callee opens exactly
 * the connections of the edge table (components/k8s/edges.ts), so a path no table row names is shut.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  public readonly policies: k8s.networking.v1.NetworkPolicy[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:NetworkPolicies", name, {}, opts);
    const { settings, namespace, databasePods } = args;
    const labels = stackLabels(settings, "network-policy");
    const pods = new Set([...args.pods, ...(databasePods ? ["db"] : [])]);
    const policies = [
      { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
      ...policySpecs(settings, kubernetesEdges(settings, pods), databasePods),
    ];
    for (const { name: id, spec } of policies)
      this.policies.push(
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${id}`,
          { metadata: { name: id, namespace, labels }, spec },
          { parent: this, dependsOn: opts.dependsOn },
        ),
      );
    this.registerOutputs({});
  }
}
