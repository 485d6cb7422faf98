import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { REDIS_CONFIG_PATH, REDIS_HEALTHCHECK, redisConfig, redisEnv } from "../redis";
import { REDIS_DATA_DIR } from "../render/redis";
import { dataClaim } from "./dataService";
import { Workload, stackLabels } from "./workload";

// The AOF of a dataset capped at redisMaxMemory (256mb by default): a rewrite writes the new file
// beside the old one before it swaps them (valkey.io/topics/persistence), so about 2x the cap,
// and room for a larger cap.
const REDIS_VOLUME = "2Gi";

export interface KubernetesRedisArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
}

/**
 * Valkey as on Docker: the same image and rendered valkey.conf (requirepass, appendonly yes with
 * an fsync each second, the memory cap and policy), from a Secret, and the PONG check with the
 * password in REDISCLI_AUTH; a one-pod StatefulSet with its AOF on a protected claim.
 */
export class KubernetesRedis extends pulumi.ComponentResource {
  public readonly workload: Workload;

  constructor(name: string, args: KubernetesRedisArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:Redis", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const base = { settings, namespace, service: "redis" as const };
    const file = REDIS_CONFIG_PATH.slice(REDIS_CONFIG_PATH.lastIndexOf("/") + 1);
    // Auto-named: a changed password or cap is a new Secret, and the pod restarts onto it.
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { namespace, labels: stackLabels(settings, "redis") },
        type: "Opaque",
        stringData: { [file]: redisConfig(settings, args.password) },
      },
      child,
    );
    const claim = dataClaim(`${name}-data`, base, REDIS_VOLUME, child);
    this.workload = new Workload(
      name,
      {
        ...base,
        image: settings.images.redis,
        replicas: 1,
        statefulSet: true,
        // The image's entrypoint turns a leading *.conf argument into `valkey-server <file>`.
        args: [REDIS_CONFIG_PATH],
        env: redisEnv(args.password),
        healthcheck: REDIS_HEALTHCHECK,
        files: [{ path: REDIS_CONFIG_PATH, secret: config, key: file }],
        data: { claim, mounts: [{ path: REDIS_DATA_DIR, subPath: "data" }] },
      },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
