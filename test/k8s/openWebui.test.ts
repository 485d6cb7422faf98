import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { problemsOf } from "../config/problems";
import { K8S_CONFIG, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";
import { IMAGES } from "../../config/images";
import { OPEN_WEBUI_PASSWORD_ENV, renderOpenWebuiDbSql } from "../../components/render/initSql";

const CHAT = {
  "ownstack:openWebui": "true",
  "ownstack:ollama": "true",
  "ownstack:ollamaGpu": "cpu",
  "ownstack:qdrant": "true",
};

describe("openWebui: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(CHAT);
    docker = await evaluate({ ...VPS_CONFIG, ...CHAT }, "k8s");
  });

  it("is accepted with Ollama and Qdrant, and off by default", async () => {
    expect(problemsOf({ ...K8S_CONFIG, ...CHAT }, "k8s")).toEqual([]);
    const plain = await evaluateK8s();
    expect(ofKind(plain, "Deployment").map((d) => d.inputs.metadata.name)).not.toContain(
      "openwebui",
    );
    expect(plain.outputs.openWebuiUrl).toBeUndefined();
  });

  it("gets exactly Docker's env: its database on the stack's Postgres, Qdrant, Ollama, the admin", () => {
    const deployment = named(plan, "Deployment", "openwebui");
    const onKubernetes = podEnv(plan, deployment);
    expect(onKubernetes).toEqual(env(container(docker, "openWebui")));
    expect(onKubernetes).toMatchObject({
      VECTOR_DB: "qdrant",
      QDRANT_URI: "http://qdrant:6333",
      OLLAMA_BASE_URL: "http://ollama:11434",
      WEBUI_URL: "https://chat.example.com",
      WEBUI_SESSION_COOKIE_SECURE: "true",
      ENABLE_SIGNUP: "false",
    });
    expect(onKubernetes.DATABASE_URL).toMatch(
      /^postgresql:\/\/openwebui:[^@]+@db:5432\/openwebui$/,
    );
    expect(onKubernetes.WEBUI_ADMIN_PASSWORD).toBe(plan.outputs.openWebuiAdminPassword);
  });

  it("with a managed database, its DSN points at the configured server", async () => {
    const external = await evaluateK8s({
      ...CHAT,
      "ownstack:database": "external",
      "ownstack:databaseUrl": "postgres://admin:pw@pg.example.net:5432/postgres",
    });
    expect(podEnv(external, named(external, "Deployment", "openwebui")).DATABASE_URL).toMatch(
      /@pg\.example\.net:5432\/openwebui$/,
    );
  });

  it("runs one pod of the pinned image with the /health check, its data on a protected claim", () => {
    const deployment = named(plan, "Deployment", "openwebui").inputs.spec;
    expect([deployment.replicas, deployment.strategy.type]).toEqual([1, "Recreate"]);
    const c = deployment.template.spec.containers[0];
    expect(c.image).toBe(IMAGES.openWebui);
    expect(c.readinessProbe.exec.command.join(" ")).toContain("/health");
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").openWebui}Mi` });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(
      container(docker, "openWebui").inputs.volumes.map((v: any) => v.containerPath),
    );
    const claim = named(plan, "PersistentVolumeClaim", "openwebui-data");
    expect([claim.options.protect, claim.options.retainOnDelete]).toEqual([true, true]);
  });

  it("is served at https://chat.<domain> by an Ingress with the stack's issuer", () => {
    const ingress = named(plan, "Ingress", "openwebui").inputs;
    const gateway = named(plan, "Ingress", "ownstack").inputs;
    expect(ingress.metadata.annotations).toEqual(gateway.metadata.annotations);
    expect(ingress.spec.ingressClassName).toBe(gateway.spec.ingressClassName);
    expect(ingress.spec.tls).toEqual([
      { hosts: ["chat.example.com"], secretName: "openwebui-tls" },
    ]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: "openwebui",
      port: { number: 8080 },
    });
    expect(plan.outputs.openWebuiUrl).toBe("https://chat.example.com");
    expect(plan.outputs.openWebuiAdminEmail).toBe("admin@example.com");
    expect(plan.secretOutputs.has("openWebuiAdminPassword")).toBe(true);
  });

  it("its role and database come from the migrations Job, with Docker's SQL and password env", () => {
    const job = ofKind(plan, "Job").find(
      (j) => j.inputs.metadata.labels["app.kubernetes.io/name"] === "migrations",
    )!;
    const files = ofKind(plan, "ConfigMap").find(
      (m) =>
        m.name ===
        job.inputs.spec.template.spec.volumes[0].configMap.name.replace(/-[a-z0-9]{8}$/, ""),
    )!;
    expect(files.inputs.data["bootstrap.sql"]).toContain(renderOpenWebuiDbSql());
    expect(podEnv(plan, job)[OPEN_WEBUI_PASSWORD_ENV]).toBe(
      podEnv(plan, named(plan, "Deployment", "openwebui")).DATABASE_URL.match(
        /openwebui:([^@]+)@/,
      )![1],
    );
    const deployment = named(plan, "Deployment", "openwebui");
    expect(deployment.options.dependencies).toContain(job.urn);
  });

  it("lets in only the ingress controller; it reaches Ollama, Qdrant and Postgres", () => {
    const matrix = matrixOf(plan, CHAT);
    expect(into(matrix, "openWebui")).toEqual(["namespace:ingress-nginx -> openWebui:8080"]);
    for (const to of ["ollama:11434", "qdrant:6333", "db:5432"])
      expect(matrix).toContain(`openWebui -> ${to}`);
  });

  it("every object passes the Kubernetes OpenAPI schema; an Ingress port by text does not", async () => {
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
    const ingress = named(plan, "Ingress", "openwebui");
    const broken = structuredClone(manifest(ingress)) as any;
    broken.spec.rules[0].http.paths[0].backend.service.port.number = "8080";
    await expect(validateBuiltIn(ingress.type, broken)).rejects.toThrow(/number/);
  });
});
