import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { PROMETHEUS_CONFIG_PATH } from "../../components/prometheus";
import { REDIS_CONFIG_PATH } from "../../components/redis";
import { exposureViolations } from "../../config/exposure";
import { parseSettings } from "../../config/settings";
import { Plan, VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import {
  byType,
  container,
  containers,
  env,
  hasContainer,
  label,
  publishedBindings,
  serviceOf,
  waitsFor,
} from "./lookups";

/** The four services this file is about, and the exporters Prometheus reads Postgres and Redis through. */
const AI_SERVICES = ["qdrant", "ollama", "redis", "prometheus"] as const;
const EXPORTERS = ["postgresExporter", "redisExporter"] as const;
/** They hold data, as the database and the object store do. */
const DATA_SERVICES = ["db", "minio", ...AI_SERVICES, ...EXPORTERS];
// Explicit GPU mode: the plan must not depend on the machine the tests run on.
const LOCAL = {
  "ownstack:ollamaGpu": "cpu",
  "ownstack:ollamaModels": '["nomic-embed-text","llama3.2:1b"]',
};

const upload = (plan: Plan, service: string, file: string): string =>
  container(plan, service).inputs.uploads.find((u: { file: string }) => u.file === file).content;

describe("local stack: Qdrant, Ollama, Redis and Prometheus", () => {
  const plan = planBeforeAll(LOCAL);

  it("runs all four with the exporters, each from its pinned image", () => {
    const settings = parseSettings({}, "local");
    for (const service of [...AI_SERVICES, ...EXPORTERS]) {
      const c = container(plan, service);
      const image = byType(plan, "docker:index/remoteImage:RemoteImage").find(
        (i) => `sha256:${i.inputs.name}` === c.inputs.image,
      );
      expect(image?.inputs.name).toBe(settings.images[service]);
      expect(c.inputs.memory).toBe(settings.memoryMiB[service]);
    }
  });

  it("keeps Qdrant's API key a secret, in its env and in the outputs", () => {
    const qdrant = container(plan, "qdrant");
    expect(qdrant.secretInputs.has("envs")).toBe(true);
    expect(env(qdrant).QDRANT__SERVICE__API_KEY).toBe(plan.outputs.qdrantApiKey);
    expect(String(plan.outputs.qdrantApiKey)).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(plan.secretOutputs.has("qdrantApiKey")).toBe(true);
    expect(plan.outputs.qdrantUrl).toBe("http://127.0.0.1:6333");
  });

  it("gives Redis the generated password through requirepass, AOF and the configured maxmemory", () => {
    const redis = container(plan, "redis");
    const conf = upload(plan, "redis", REDIS_CONFIG_PATH);
    const url = new URL(String(plan.outputs.redisUrl));
    expect(conf).toContain(`requirepass ${url.password}`);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory 256mb$/m);
    expect(conf).toMatch(/^maxmemory-policy allkeys-lru$/m);
    expect(redis.secretInputs.has("uploads")).toBe(true);
    expect(redis.inputs.command).toEqual([REDIS_CONFIG_PATH]);
    expect(redis.inputs.healthcheck.tests.join(" ")).toMatch(/ping \| grep -q PONG/);
    expect(env(redis).REDISCLI_AUTH).toBe(url.password);
    expect(plan.secretOutputs.has("redisUrl")).toBe(true);
    expect(`${url.hostname}:${url.port}`).toBe("127.0.0.1:6379");
  });

  it("publishes the four UIs/APIs on 127.0.0.1 only, and never the exporters", () => {
    const bindings = publishedBindings(plan);
    expect(exposureViolations("local", bindings)).toEqual([]);
    const ours = bindings.filter((b) =>
      ["qdrant", "ollama", "redis", "prometheus"].includes(b.service),
    );
    expect(ours.map((b) => `${b.service}@${b.ip}:${b.external}`).sort()).toEqual([
      "ollama@127.0.0.1:11434",
      "prometheus@127.0.0.1:9090",
      "qdrant@127.0.0.1:6333",
      "redis@127.0.0.1:6379",
    ]);
    expect(
      bindings.some((b) => b.service === "postgresExporter" || b.service === "redisExporter"),
    ).toBe(false);
  });

  it("keeps Qdrant storage, Ollama models, Redis data and Prometheus data in protected, retained volumes", () => {
    const mounts: Record<string, string> = {
      qdrant: "/qdrant/storage",
      ollama: "/root/.ollama",
      redis: "/data",
      prometheus: "/prometheus",
    };
    const volumes = byType(plan, "docker:index/volume:Volume");
    for (const [service, path] of Object.entries(mounts)) {
      const mount = container(plan, service).inputs.volumes.find(
        (v: { containerPath: string }) => v.containerPath === path,
      );
      const volume = volumes.find((v) => v.inputs.name === mount?.volumeName);
      expect(volume?.options).toMatchObject({ protect: true, retainOnDelete: true });
    }
  });

  it("pulls the configured models once the Ollama server is healthy, against that server", () => {
    const pull = containers(plan).find((c) => serviceOf(c) === "ollama-pull");
    expect(pull).toBeDefined();
    expect(waitsFor(plan, pull!)).toContain("ollama");
    expect(container(plan, "ollama").inputs.wait).toBe(true);
    const [shell, flag, script, name, ...models] = pull!.inputs.entrypoints;
    expect([shell, flag, name]).toEqual(["/bin/sh", "-ec", "ollama-pull"]);
    expect(script).toContain('ollama pull "$model"');
    expect(models).toEqual(["llama3.2:1b", "nomic-embed-text"]);
    expect(env(pull!).OLLAMA_HOST).toBe("http://ollama:11434");
    expect(env(container(plan, "ollama")).OLLAMA_KEEP_ALIVE).toBe("5m");
    expect(plan.outputs.ollamaUrl).toBe("http://127.0.0.1:11434");
  });

  it("scrapes every Supabase service, Qdrant, MinIO and both exporters, each with its metrics switched on", () => {
    const yml = parse(upload(plan, "prometheus", PROMETHEUS_CONFIG_PATH));
    const targets = Object.fromEntries(
      yml.scrape_configs.map((j: any) => [j.job_name, j.static_configs[0].targets[0]]),
    );
    expect(targets).toEqual({
      auth: "auth:9100",
      backup: "backup:9188",
      kong: "kong:8100",
      minio: "minio:9000",
      postgres: "postgres-exporter:9187",
      prometheus: "localhost:9090",
      qdrant: "qdrant:6333",
      realtime: "realtime:4000",
      redis: "redis-exporter:9121",
      rest: "rest:3001",
      storage: "storage:5000",
    });
    expect(yml.storage.tsdb.retention.time).toBe("15d");
    expect(container(plan, "prometheus").secretInputs.has("uploads")).toBe(true);
    // Each target is actually listening: the metrics switches the scrape jobs rely on.
    expect(env(container(plan, "auth"))).toMatchObject({
      GOTRUE_METRICS_ENABLED: "true",
      OTEL_EXPORTER_PROMETHEUS_PORT: "9100",
    });
    expect(env(container(plan, "rest")).PGRST_ADMIN_SERVER_HOST).toBe("0.0.0.0");
    expect(env(container(plan, "storage")).PROMETHEUS_METRICS_ENABLED).toBe("true");
    expect(env(container(plan, "kong")).KONG_STATUS_LISTEN).toBe("0.0.0.0:8100");
    expect(env(container(plan, "kong")).KONG_PLUGINS.split(",")).toContain("prometheus");
    expect(env(container(plan, "minio")).MINIO_PROMETHEUS_AUTH_TYPE).toBe("public");
    const qdrantJob = yml.scrape_configs.find((j: any) => j.job_name === "qdrant");
    expect(qdrantJob.authorization).toEqual({
      type: "Bearer",
      credentials: plan.outputs.qdrantApiKey,
    });
  });

  it("a PostgREST override old enough to serve /config (JWT secret, DB password) keeps its admin server on loopback", async () => {
    const old = await evaluate({
      ...LOCAL,
      "ownstack:imageOverrides": '["rest=postgrest/postgrest:v12.2.3"]',
    });
    expect(env(container(old, "rest")).PGRST_ADMIN_SERVER_HOST).toBe("localhost");
  });

  it("wires the exporters to Postgres (pg_monitor role) and Redis with the generated passwords", () => {
    const pgDsn = new URL(env(container(plan, "postgresExporter")).DATA_SOURCE_NAME);
    expect([pgDsn.username, decodeURIComponent(pgDsn.password), pgDsn.host, pgDsn.search]).toEqual([
      "postgres",
      plan.outputs.postgresPassword,
      "db:5432",
      "?sslmode=disable",
    ]);
    const redisExporter = env(container(plan, "redisExporter"));
    expect(redisExporter.REDIS_ADDR).toBe("redis://redis:6379");
    expect(redisExporter.REDIS_PASSWORD).toBe(new URL(String(plan.outputs.redisUrl)).password);
    expect(waitsFor(plan, container(plan, "postgresExporter"))).toContain("db");
    expect(waitsFor(plan, container(plan, "redisExporter"))).toContain("redis");
  });
});

describe("Ollama's container shape follows the GPU mode", () => {
  it.each([
    ["nvidia", "ollama/ollama:0.32.15", "all", []],
    ["amd", "ollama/ollama:0.32.15-rocm", undefined, ["/dev/dri", "/dev/kfd"]],
    ["cpu", "ollama/ollama:0.32.15", undefined, []],
  ])("%s", async (mode, image, gpus, devices) => {
    const plan = await evaluate({ "ownstack:ollamaGpu": mode });
    const ollama = container(plan, "ollama");
    expect(ollama.inputs.image).toBe(`sha256:${image}`);
    expect(ollama.inputs.gpus).toBe(gpus);
    expect(
      (ollama.inputs.devices ?? []).map((d: { hostPath: string }) => d.hostPath).sort(),
    ).toEqual(devices);
    expect(containers(plan).some((c) => serviceOf(c) === "ollama-pull")).toBe(false);
  });
});

describe("vps stack with every optional service on", () => {
  const plan = planBeforeAll(
    {
      ...VPS_CONFIG,
      "ownstack:qdrant": "true",
      "ownstack:ollama": "true",
      "ownstack:redis": "true",
      "ownstack:prometheus": "true",
    },
    "vps",
  );

  it("publishes no host port for any data service; only Traefik has ports", () => {
    for (const service of DATA_SERVICES)
      expect(container(plan, service).inputs.ports ?? []).toEqual([]);
    expect(exposureViolations("vps", publishedBindings(plan))).toEqual([]);
    expect([...new Set(publishedBindings(plan).map((b) => b.service))]).toEqual(["traefik"]);
  });

  it("reaches Prometheus only through Traefik at prometheus.<domain>, behind basic auth", () => {
    const labels = Object.fromEntries(
      container(plan, "prometheus").inputs.labels.map((l: any) => [l.label, l.value]),
    );
    expect(labels["traefik.http.routers.ownstack-vps-prometheus.rule"]).toBe(
      "Host(`prometheus.example.com`)",
    );
    expect(labels["traefik.http.middlewares.ownstack-vps-prometheus-auth.basicauth.users"]).toMatch(
      /^supabase:\$2a\$/,
    );
    expect(plan.outputs.prometheusUrl).toBe("https://prometheus.example.com");
  });

  it("scrapes Traefik's metrics entrypoint on vps", () => {
    const yml = parse(upload(plan, "prometheus", PROMETHEUS_CONFIG_PATH));
    expect(
      yml.scrape_configs.find((j: any) => j.job_name === "traefik").static_configs[0].targets,
    ).toEqual(["traefik:8082"]);
    expect(container(plan, "traefik").inputs.command).toContain("--metrics.prometheus=true");
  });

  it("hands apps internal URLs, since nothing but Traefik is published", () => {
    expect(plan.outputs.qdrantUrl).toBe("http://qdrant:6333");
    expect(plan.outputs.ollamaUrl).toBe("http://ollama:11434");
    expect(new URL(String(plan.outputs.redisUrl)).host).toBe("redis:6379");
  });
});

describe("disabled services leave no trace", () => {
  it("vps defaults: no Qdrant, Ollama, Redis or Prometheus, and their outputs are undefined", async () => {
    const plan = await evaluate(VPS_CONFIG, "vps");
    for (const service of [...AI_SERVICES, ...EXPORTERS])
      expect(hasContainer(plan, service)).toBe(false);
    for (const key of ["qdrantUrl", "qdrantApiKey", "ollamaUrl", "redisUrl", "prometheusUrl"])
      expect(plan.outputs[key]).toBeUndefined();
    expect(env(container(plan, "kong")).KONG_STATUS_LISTEN).toBeUndefined();
  });

  it("local with Qdrant and Redis off: no scrape job or exporter for them", async () => {
    const plan = await evaluate({
      ...LOCAL,
      "ownstack:qdrant": "false",
      "ownstack:redis": "false",
    });
    const jobs = parse(upload(plan, "prometheus", PROMETHEUS_CONFIG_PATH)).scrape_configs.map(
      (j: any) => j.job_name,
    );
    expect(jobs).not.toContain("qdrant");
    expect(jobs).not.toContain("redis");
    expect(jobs).toContain("postgres");
    expect(hasContainer(plan, "redisExporter")).toBe(false);
  });
});
