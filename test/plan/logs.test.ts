import { describe, expect, it } from "vitest";
import { VECTOR_CONFIG_PATH } from "../../components/render/vector";
import { VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import { byType, container, env, hasContainer, waitsFor } from "./lookups";

/** The log stack behind Studio's Logs Explorer, as upstream's docker-compose.logs.yml runs it. */

/** The analytics service's settings in that file: Logflare on the Postgres backend. */
const UPSTREAM_LOGFLARE_ENV = {
  DB_DATABASE: "_supabase",
  DB_HOSTNAME: "db",
  DB_PORT: "5432",
  DB_SCHEMA: "_analytics",
  DB_USERNAME: "supabase_admin",
  LOGFLARE_FEATURE_FLAG_OVERRIDE: "multibackend=true",
  LOGFLARE_NODE_HOST: "127.0.0.1",
  LOGFLARE_SINGLE_TENANT: "true",
  LOGFLARE_SUPABASE_MODE: "true",
  POSTGRES_BACKEND_SCHEMA: "_analytics",
};

describe("logs on the local stack (on by default)", () => {
  const plan = planBeforeAll({}, "local");

  it("runs Logflare on the Postgres backend in _supabase._analytics, with upstream's env", () => {
    const e = env(container(plan, "analytics"));
    expect(e).toMatchObject(UPSTREAM_LOGFLARE_ENV);
    expect(e.POSTGRES_BACKEND_URL).toBe(
      `postgresql://supabase_admin:${e.DB_PASSWORD}@db:5432/_supabase`,
    );
    expect(e.LOGFLARE_PUBLIC_ACCESS_TOKEN.length).toBeGreaterThanOrEqual(32);
    expect(e.LOGFLARE_PRIVATE_ACCESS_TOKEN.length).toBeGreaterThanOrEqual(32);
    expect(e.LOGFLARE_PUBLIC_ACCESS_TOKEN).not.toBe(e.LOGFLARE_PRIVATE_ACCESS_TOKEN);
  });

  it("keeps Logflare's tokens and the database password secret", () => {
    expect(container(plan, "analytics").secretInputs.has("envs")).toBe(true);
    expect(container(plan, "vector").secretInputs.has("envs")).toBe(true);
  });

  it("publishes no port for analytics or vector", () => {
    expect(container(plan, "analytics").inputs.ports ?? []).toEqual([]);
    expect(container(plan, "vector").inputs.ports ?? []).toEqual([]);
  });

  it("starts analytics after the db and the job that creates _analytics on older data volumes, vector after analytics", () => {
    expect(waitsFor(plan, container(plan, "analytics"))).toEqual(["db", "migrations"]);
    expect(waitsFor(plan, container(plan, "vector"))).toEqual(["analytics", "dockerProxy"]);
  });

  it("reads container logs through the Docker API proxy, without the socket, with the token only in its environment", () => {
    const vector = container(plan, "vector");
    expect(vector.inputs.volumes ?? []).toEqual([]);
    expect(vector.inputs.command).toEqual(["--config", VECTOR_CONFIG_PATH]);
    const [upload] = vector.inputs.uploads;
    expect(upload.file).toBe(VECTOR_CONFIG_PATH);
    const token = env(container(plan, "analytics")).LOGFLARE_PUBLIC_ACCESS_TOKEN;
    expect(env(vector).LOGFLARE_PUBLIC_ACCESS_TOKEN).toBe(token);
    expect(upload.content).not.toContain(token);
    expect(upload.content).toContain(
      `match(string(.appname) ?? "", r'^ownstack-local-realtime(-[0-9a-f]{8})?$')`,
    );
  });

  it("gives Studio the Logs Explorer: Logflare's URL and its query token, as upstream's overlay", () => {
    const studio = env(container(plan, "studio"));
    expect(studio).toMatchObject({
      ENABLED_FEATURES_LOGS_ALL: "true",
      LOGFLARE_URL: "http://analytics:4000",
      NEXT_ANALYTICS_BACKEND_PROVIDER: "postgres",
      NEXT_PUBLIC_ENABLE_LOGS: "true",
    });
    expect(studio.LOGFLARE_PRIVATE_ACCESS_TOKEN).toBe(
      env(container(plan, "analytics")).LOGFLARE_PRIVATE_ACCESS_TOKEN,
    );
  });

  it("creates _analytics in _supabase on a new data volume and from the migrations job on an old one", () => {
    const uploads: { file: string; content: string }[] = container(plan, "db").inputs.uploads;
    const logsSql = uploads.find(
      (u) => u.file === "/docker-entrypoint-initdb.d/migrations/99-logs.sql",
    );
    expect(logsSql?.content).toContain("CREATE SCHEMA IF NOT EXISTS _analytics");
    const job = byType(plan, "docker:index/container:Container").find(
      (c) => c.name === "migrations-job",
    )!;
    const bootstrap = (job.inputs.uploads as { file: string; content: string }[]).find((u) =>
      u.file.endsWith("/bootstrap.sql"),
    );
    expect(bootstrap?.content).toContain("CREATE SCHEMA IF NOT EXISTS _analytics");
  });
});

describe("logs off", () => {
  it("declares neither service and leaves Studio's Logs pages off", async () => {
    const plan = await evaluate({ "ownstack:logs": "false" }, "local");
    expect(hasContainer(plan, "analytics")).toBe(false);
    expect(hasContainer(plan, "vector")).toBe(false);
    const studio = env(container(plan, "studio"));
    expect([
      studio.NEXT_PUBLIC_ENABLE_LOGS,
      studio.ENABLED_FEATURES_LOGS_ALL,
      studio.LOGFLARE_URL,
    ]).toEqual(["false", "false", undefined]);
  });
});

describe("logs on the vps stack (an explicit choice)", () => {
  it("runs vector and the Docker API proxy on the server through the same remote Docker host, the proxy mounting the server's socket read-only", async () => {
    const plan = await evaluate({ ...VPS_CONFIG, "ownstack:logs": "true" }, "vps");
    const [provider] = byType(plan, "pulumi:providers:docker");
    expect(provider.inputs.host).toBe("ssh://deploy@203.0.113.10");
    const vector = container(plan, "vector");
    const proxy = container(plan, "dockerProxy");
    expect(vector.provider).toContain(provider.urn);
    expect(proxy.provider).toContain(provider.urn);
    expect(vector.inputs.volumes ?? []).toEqual([]);
    expect(proxy.inputs.volumes).toEqual([
      { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true },
    ]);
    expect(vector.inputs.ports ?? []).toEqual([]);
    expect(container(plan, "analytics").inputs.ports ?? []).toEqual([]);
    expect(env(container(plan, "studio")).LOGFLARE_URL).toBe("http://analytics:4000");
  });
});
