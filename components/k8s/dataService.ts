import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, ServiceName } from "../../config/services";
import { Settings } from "../../config/settings";
import { stackLabels } from "./workload";

/**
 * What the kubernetes twins of the Docker data services (Qdrant, Valkey, Ollama) share: a claim
 * kept like Docker's named volumes, and the label that lets a user's pod in to them.
 */

/**
 * A data claim: protected and kept when the stack is destroyed, as Docker's data volumes and the
 * Prometheus claim are. Declared by Pulumi rather than by a volumeClaimTemplate, which would leave
 * the claim outside Pulumi's protection.
 */
export function dataClaim(
  name: string,
  args: { settings: Settings; namespace: pulumi.Input<string>; service: ServiceName },
  size: string,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim {
  return new k8s.core.v1.PersistentVolumeClaim(
    name,
    {
      metadata: {
        name: `${ADDRESSES[args.service].aliases[0]}-data`,
        namespace: args.namespace,
        labels: stackLabels(args.settings, args.service),
      },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
    },
    { ...opts, protect: true, retainOnDelete: true },
  );
}

/**
 * The pod label that lets a pod of the stack's namespace call a data service: no Supabase service
 * calls Qdrant, Valkey or Ollama (on Docker the operator's apps do, from the host), so the
 * default deny holds until a user's app carries `ownstack/qdrant-client: "true"` (the kubernetes
 * rows of components/k8s/edges.ts).
 */
export const clientLabel = (service: ServiceName): string =>
  `ownstack/${ADDRESSES[service].aliases[0]}-client`;
