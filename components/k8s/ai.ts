import * as pulumi from "@pulumi/pulumi";
import { internalAddress, internalUrl } from "../../config/services";
import { Settings } from "../../config/settings";
import { Secrets } from "../secrets";
import { KubernetesOllama } from "./ollama";
import { KubernetesQdrant } from "./qdrant";
import { KubernetesRedis } from "./redis";

export interface KubernetesAiArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly secrets: Secrets;
}

/**
 * The AI and cache services, each by its toggle as on Docker (components/layers/ai.ts): each a
 * StatefulSet on a protected claim, reached in the namespace under its Docker alias; Ollama's
 * models pulled by a Job.
 */
export function declareKubernetesAi(args: KubernetesAiArgs, opts: pulumi.ComponentResourceOptions) {
  const { settings, namespace, secrets } = args;
  const base = { settings, namespace };
  const qdrant = settings.features.qdrant
    ? new KubernetesQdrant("qdrant", { ...base, apiKey: secrets.qdrantApiKey }, opts)
    : undefined;
  const ollama = settings.features.ollama ? new KubernetesOllama("ollama", base, opts) : undefined;
  const redis = settings.features.redis
    ? new KubernetesRedis("redis", { ...base, password: secrets.redisPassword }, opts)
    : undefined;
  return { qdrant, ollama, redis };
}

/**
 * In-cluster addresses, for pods of the namespace that carry the service's client label
 * (components/k8s/dataService.ts); `kubectl port-forward` reaches them from a laptop.
 */
export function kubernetesAiOutputs(
  ai: ReturnType<typeof declareKubernetesAi>,
  secrets: Secrets,
): Record<string, unknown> {
  return {
    qdrantUrl: ai.qdrant ? internalUrl("qdrant") : undefined,
    qdrantApiKey: ai.qdrant ? secrets.qdrantApiKey : undefined,
    // No authentication, as on Docker: reached only by labelled pods and the stack's callers.
    ollamaUrl: ai.ollama ? internalUrl("ollama") : undefined,
    ollamaPullJob: ai.ollama?.pull?.job.metadata.name,
    redisUrl: ai.redis
      ? pulumi.secret(
          pulumi.interpolate`redis://:${secrets.redisPassword}@${internalAddress("redis")}`,
        )
      : undefined,
  };
}
