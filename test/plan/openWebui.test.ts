import { describe, expect, it } from "vitest";
import { openWebuiHealthCheck } from "../../components/openWebui";
import { OPEN_WEBUI_PASSWORD_ENV, renderOpenWebuiDbSql } from "../../components/render/initSql";
import { parseSettings } from "../../config/settings";
import { Plan, VPS_CONFIG, planBeforeAll } from "./mocks";
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

// Explicit GPU mode: the plan must not depend on the machine the tests run on.
const LOCAL = { "ownstack:ollamaGpu": "cpu" };
const VPS_WITH_CHAT = {
  ...VPS_CONFIG,
  "ownstack:openWebui": "true",
  "ownstack:ollama": "true",
  "ownstack:ollamaGpu": "cpu",
  "ownstack:qdrant": "true",
};

const migrationsJob = (plan: Plan) => {
  const job = containers(plan).find((c) => serviceOf(c) === "migrations");
  if (!job) throw new Error("no migrations job");
  return job;
};
const bootstrapSql = (plan: Plan): string =>
  migrationsJob(plan).inputs.uploads.find((u: { file: string }) =>
    u.file.endsWith("/bootstrap.sql"),
  ).content;

describe("local stack with the defaults: Open WebUI on Ollama, Qdrant and its own database", () => {
  const plan = planBeforeAll(LOCAL);

  it("runs from its pinned image with its memory limit", () => {
    const settings = parseSettings({}, "local");
    const c = container(plan, "openWebui");
    const image = byType(plan, "docker:index/remoteImage:RemoteImage").find(
      (i) => `sha256:${i.inputs.name}` === c.inputs.image,
    );
    expect(image?.inputs.name).toBe(settings.images.openWebui);
    expect(image?.inputs.name).toMatch(/^ghcr\.io\/open-webui\/open-webui:v\d+\.\d+\.\d+$/);
    expect(c.inputs.memory).toBe(settings.memoryMiB.openWebui);
  });

  it("talks to the stack's Ollama and Qdrant (with its API key) on the private network", () => {
    const e = env(container(plan, "openWebui"));
    expect(e.OLLAMA_BASE_URL).toBe("http://ollama:11434");
    expect(e.VECTOR_DB).toBe("qdrant");
    expect(e.QDRANT_URI).toBe("http://qdrant:6333");
    expect(e.QDRANT_API_KEY).toBe(plan.outputs.qdrantApiKey);
  });

  it("keeps its data in its own database as its own role, whose password the migrations job sets", () => {
    const e = env(container(plan, "openWebui"));
    const url = new URL(e.DATABASE_URL);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("postgresql://db:5432/openwebui");
    expect(url.username).toBe("openwebui");
    expect(url.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(url.password).not.toBe(plan.outputs.postgresPassword);
    expect(env(migrationsJob(plan))[OPEN_WEBUI_PASSWORD_ENV]).toBe(url.password);
    expect(bootstrapSql(plan)).toContain(renderOpenWebuiDbSql());
    expect(bootstrapSql(plan)).not.toContain(url.password);
    expect(migrationsJob(plan).secretInputs.has("envs")).toBe(true);
  });

  it("starts only after the migrations job created its database, and after db, Ollama and Qdrant", () => {
    const c = container(plan, "openWebui");
    expect(label(c, "ownstack.after.migrations")).toBe("0");
    expect(waitsFor(plan, c)).toEqual(expect.arrayContaining(["db", "ollama", "qdrant"]));
  });

  it("has sign-up off and its admin from the stack: the e-mail and a generated, secret password", () => {
    const c = container(plan, "openWebui");
    const e = env(c);
    expect(e.ENABLE_SIGNUP).toBe("false");
    expect(e.WEBUI_ADMIN_EMAIL).toBe("admin@localhost");
    expect(plan.outputs.openWebuiAdminEmail).toBe("admin@localhost");
    expect(e.WEBUI_ADMIN_PASSWORD).toBe(plan.outputs.openWebuiAdminPassword);
    expect(String(plan.outputs.openWebuiAdminPassword)).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(plan.secretOutputs.has("openWebuiAdminPassword")).toBe(true);
    expect(e.WEBUI_SECRET_KEY).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(c.secretInputs.has("envs")).toBe(true);
  });

  it("is healthy when /health says so, asked with the curl and jq its image ships", () => {
    const tests = container(plan, "openWebui").inputs.healthcheck.tests;
    expect(tests).toEqual(["CMD-SHELL", openWebuiHealthCheck()]);
    expect(tests[1]).toContain("http://localhost:8080/health");
  });

  it("publishes 8080 on 127.0.0.1 only, and the browser URL is its WEBUI_URL and only CORS origin", () => {
    expect(publishedBindings(plan).filter((b) => b.service === "openWebui")).toEqual([
      expect.objectContaining({ internal: 8080, external: 8080, ip: "127.0.0.1" }),
    ]);
    const e = env(container(plan, "openWebui"));
    expect(plan.outputs.openWebuiUrl).toBe("http://localhost:8080");
    expect(e.WEBUI_URL).toBe("http://localhost:8080");
    expect(e.CORS_ALLOW_ORIGIN).toBe("http://localhost:8080");
  });

  it("keeps /app/backend/data in a protected volume kept on destroy", () => {
    const mount = container(plan, "openWebui").inputs.volumes.find(
      (v: { containerPath: string }) => v.containerPath === "/app/backend/data",
    );
    const volume = byType(plan, "docker:index/volume:Volume").find(
      (v) => v.inputs.name === mount?.volumeName,
    );
    expect(volume?.inputs.name).toBe("ownstack-local-openwebui-data");
    expect(volume?.options).toMatchObject({ protect: true, retainOnDelete: true });
  });
});

describe("Open WebUI off", () => {
  const plan = planBeforeAll({ ...LOCAL, "ownstack:openWebui": "false" });

  it("declares no container, output or database for it", () => {
    expect(hasContainer(plan, "openWebui")).toBe(false);
    expect(plan.outputs.openWebuiUrl).toBeUndefined();
    expect(plan.outputs.openWebuiAdminPassword).toBeUndefined();
    expect(env(migrationsJob(plan))[OPEN_WEBUI_PASSWORD_ENV]).toBeUndefined();
    expect(bootstrapSql(plan)).not.toContain("openwebui");
  });
});

describe("vps stack: Open WebUI at chat.<domain> through Traefik", () => {
  const plan = planBeforeAll(VPS_WITH_CHAT, "vps");

  it("is routed by Traefik on HTTPS with a Let's Encrypt certificate, without a host port", () => {
    const c = container(plan, "openWebui");
    const router = "traefik.http.routers.ownstack-vps-chat";
    expect(label(c, `${router}.rule`)).toBe("Host(`chat.example.com`)");
    expect(label(c, `${router}.entrypoints`)).toBe("websecure");
    expect(label(c, `${router}.tls.certresolver`)).toBe("le");
    expect(label(c, "traefik.http.services.ownstack-vps-chat.loadbalancer.server.port")).toBe(
      "8080",
    );
    // Open WebUI signs its users in itself: no dashboard basic auth in front of it.
    expect(label(c, `${router}.middlewares`)).toBe("ownstack-vps-chat-headers");
    expect(c.inputs.ports ?? []).toEqual([]);
  });

  it("knows its public URL, sends its cookies over HTTPS only and has the domain's admin", () => {
    const e = env(container(plan, "openWebui"));
    expect(e.WEBUI_URL).toBe("https://chat.example.com");
    expect(e.CORS_ALLOW_ORIGIN).toBe("https://chat.example.com");
    expect(e.WEBUI_SESSION_COOKIE_SECURE).toBe("true");
    expect(e.WEBUI_ADMIN_EMAIL).toBe("admin@example.com");
    expect(plan.outputs.openWebuiUrl).toBe("https://chat.example.com");
  });
});
