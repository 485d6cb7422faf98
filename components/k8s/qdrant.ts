import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { QDRANT_HEALTHCHECK, QDRANT_SNAPSHOTS, QDRANT_STORAGE, qdrantEnv } from "../qdrant";
import { dataClaim } from "./dataService";
import { Workload } from "./workload";

// Vectors take about n × dim × 4 B × 1.5 with their index (qdrant docs, capacity planning): 1M
// 768-dim embeddings are ~4.6 GB, so 10Gi holds them with room for a snapshot beside them.
const QDRANT_VOLUME = "10Gi";

export interface KubernetesQdrantArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly apiKey: pulumi.Input<string>;
}

/**
 * Qdrant as on Docker: the same image, env (the API key, from the env Secret) and readiness check,
 * as a one-pod StatefulSet whose storage and snapshots live on one protected claim (Docker's two
 * volumes as two sub-paths). Prometheus scrapes it with the key (components/k8s/prometheus.ts).
 */
export class KubernetesQdrant extends pulumi.ComponentResource {
  public readonly workload: Workload;

  constructor(
    name: string,
    args: KubernetesQdrantArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Qdrant", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const base = { settings, namespace, service: "qdrant" as const };
    const claim = dataClaim(`${name}-data`, base, QDRANT_VOLUME, child);
    this.workload = new Workload(
      name,
      {
        ...base,
        image: settings.images.qdrant,
        replicas: 1,
        statefulSet: true,
        env: qdrantEnv(args.apiKey),
        healthcheck: QDRANT_HEALTHCHECK,
        data: {
          claim,
          mounts: [
            { path: QDRANT_STORAGE, subPath: "storage" },
            { path: QDRANT_SNAPSHOTS, subPath: "snapshots" },
          ],
        },
      },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
