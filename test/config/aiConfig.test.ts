import { describe, expect, it } from "vitest";
import { problemsOf } from "./problems";
import { parseSettings } from "../../config/settings";
import { VPS_REQUIRED as VPS } from "../support/stacks";

describe("bad AI, cache and observability config: one clear problem naming the key", () => {
  it.each<[string, Record<string, string>, string, string, RegExp]>([
    [
      "unknown GPU mode",
      { "ownstack:ollamaGpu": "intel" },
      "local",
      "ownstack:ollamaGpu",
      /expected one of: auto, nvidia, amd, cpu/,
    ],
    [
      "GPU auto on vps with Ollama on",
      { ...VPS, "ownstack:ollama": "true" },
      "vps",
      "ownstack:ollamaGpu",
      /would probe this laptop/,
    ],
    [
      "GPU auto with a remote Docker host",
      { "ownstack:dockerHost": "ssh://me@gpu-box" },
      "local",
      "ownstack:ollamaGpu",
      /Docker runs on ownstack:dockerHost/,
    ],
    [
      "negative retention",
      { "ownstack:prometheusRetention": "-5d" },
      "local",
      "ownstack:prometheusRetention",
      /expected a duration such as "15d"/,
    ],
    [
      "retention without a unit",
      { "ownstack:prometheusRetention": "15" },
      "local",
      "ownstack:prometheusRetention",
      /expected a duration/,
    ],
    [
      "retention in words",
      { "ownstack:prometheusRetention": "15 days" },
      "local",
      "ownstack:prometheusRetention",
      /expected a duration/,
    ],
    [
      "zero retention",
      { "ownstack:prometheusRetention": "0d" },
      "local",
      "ownstack:prometheusRetention",
      /longer than zero/,
    ],
    [
      "model name with spaces",
      { "ownstack:ollamaModels": '["Llama 3 8B"]' },
      "local",
      "ownstack:ollamaModels[0]",
      /expected a model name as `ollama pull` takes it, such as "llama3.2:1b"/,
    ],
    [
      "model name smuggling a shell command",
      { "ownstack:ollamaModels": '["llama3.2:1b; rm -rf /"]' },
      "local",
      "ownstack:ollamaModels[0]",
      /expected a model name/,
    ],
    [
      "second model malformed",
      { "ownstack:ollamaModels": '["nomic-embed-text","llama3.2:"]' },
      "local",
      "ownstack:ollamaModels[1]",
      /expected a model name/,
    ],
    [
      "models not a list",
      { "ownstack:ollamaModels": "{}" },
      "local",
      "ownstack:ollamaModels",
      /expected a list of models/,
    ],
    [
      "keep-alive in words",
      { "ownstack:ollamaKeepAlive": "forever" },
      "local",
      "ownstack:ollamaKeepAlive",
      /expected "-1", "0" or a duration/,
    ],
    [
      "Redis size without a unit",
      { "ownstack:redisMaxMemory": "256" },
      "local",
      "ownstack:redisMaxMemory",
      /expected a Redis size such as "256mb"/,
    ],
    [
      "Redis size in MiB notation",
      { "ownstack:redisMaxMemory": "256MiB" },
      "local",
      "ownstack:redisMaxMemory",
      /expected a Redis size/,
    ],
    [
      "Redis size zero (would mean unlimited)",
      { "ownstack:redisMaxMemory": "0mb" },
      "local",
      "ownstack:redisMaxMemory",
      /above zero/,
    ],
    [
      "Redis size above its container",
      { "ownstack:redisMaxMemory": "2gb" },
      "local",
      "ownstack:redisMaxMemory",
      /does not fit the redis container's 320 MiB, expected at most "256mb"/,
    ],
    [
      "unknown eviction policy",
      { "ownstack:redisMaxMemoryPolicy": "lru" },
      "local",
      "ownstack:redisMaxMemoryPolicy",
      /expected a Redis maxmemory-policy/,
    ],
    [
      "Qdrant port out of range",
      { "ownstack:qdrantPort": "70000" },
      "local",
      "ownstack:qdrantPort",
      /expected an integer port 1-65535/,
    ],
    [
      "Prometheus port clashing with Redis",
      { "ownstack:prometheusPort": "6379" },
      "local",
      "ownstack:prometheusPort",
      /port 6379 is already used by ownstack:redisPort/,
    ],
    [
      "toggle that is not a toggle",
      { "ownstack:qdrant": "yes" },
      "local",
      "ownstack:qdrant",
      /expected auto, true or false/,
    ],
  ])("%s", (_case, config, stack, key, message) => {
    const problems = problemsOf(config, stack);
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${key}:`), problems[0]).toBe(true);
    expect(problems[0]).toMatch(message);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({
      "ownstack:ollamaGpu": "tpu",
      "ownstack:prometheusRetention": "-1d",
      "ownstack:ollamaModels": '["BAD NAME"]',
      "ownstack:redisMaxMemoryPolicy": "random",
    });
    expect(problems.map((p) => p.slice(0, p.indexOf(":", "ownstack:".length))).sort()).toEqual([
      "ownstack:ollamaGpu",
      "ownstack:ollamaModels[0]",
      "ownstack:prometheusRetention",
      "ownstack:redisMaxMemoryPolicy",
    ]);
  });

  it("accepts what the checks allow: a bigger container makes room for a bigger maxmemory", () => {
    const s = parseSettings(
      { "ownstack:redisMaxMemory": "1gb", "ownstack:memoryLimits": '["redis=1536MiB"]' },
      "local",
    );
    expect(s.redis.maxMemory).toBe("1gb");
    expect(parseSettings({ ...VPS, "ownstack:redis": "true" }, "vps").redis.maxMemory).toBe(
      "256mb",
    );
    expect(
      parseSettings({ "ownstack:redis": "false", "ownstack:redisMaxMemory": "0mb" }, "local")
        .features.redis,
    ).toBe(false);
  });
});
