import { detectOllamaGpu } from "../../config/gpu";
import { Ollama } from "../ollama";
import { Prometheus } from "../prometheus";
import { Qdrant } from "../qdrant";
import { Redis } from "../redis";
import { publicHostLabels } from "../traefik";
import { StackContext, baseArgs } from "./context";
import { SupabaseCore } from "./core";

export type AiServices = ReturnType<typeof declareAiServices>;

/** AI, cache and observability: Qdrant, GPU-aware Ollama, Redis and Prometheus, each by toggle. */
export function declareAiServices(ctx: StackContext, core: SupabaseCore) {
  const { settings, secrets, opts } = ctx;
  const base = baseArgs(ctx);
  const qdrant = settings.features.qdrant
    ? new Qdrant("qdrant", { ...base, apiKey: secrets.qdrantApiKey }, opts)
    : undefined;
  // Reads this machine's GPUs only for local with ollamaGpu=auto; the decision and why are logged.
  const ollama = settings.features.ollama
    ? new Ollama("ollama", { ...base, gpu: detectOllamaGpu(settings) }, opts)
    : undefined;
  const redis = settings.features.redis
    ? new Redis("redis", { ...base, password: secrets.redisPassword }, opts)
    : undefined;
  const prometheus = settings.features.prometheus
    ? new Prometheus(
        "prometheus",
        {
          ...base,
          jwtSecret: secrets.jwtSecret,
          issuedAt: secrets.apiKeysIssuedAt,
          postgresPassword: secrets.postgresPassword,
          db: core.db.container,
          qdrantApiKey: qdrant && secrets.qdrantApiKey,
          redis: redis && { password: secrets.redisPassword, container: redis.container },
          // vps: prometheus.<domain> behind the dashboard's basic auth; never a host port.
          labels: publicHostLabels(settings, "prometheus", ctx.dashboardAuth),
        },
        opts,
      )
    : undefined;
  return { qdrant, ollama, redis, prometheus };
}
