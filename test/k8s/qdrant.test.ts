import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { problemsOf } from "../config/problems";
import { K8S_CONFIG, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";
import { IMAGES } from "../../config/images";

const QDRANT = { "ownstack:qdrant": "true" };

describe("qdrant: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s({ ...QDRANT, "ownstack:prometheus": "true" });
    docker = await evaluate({ ...VPS_CONFIG, ...QDRANT }, "k8s");
  });

  it("is accepted on kubernetes", () => {
    expect(problemsOf({ ...K8S_CONFIG, ...QDRANT }, "k8s")).toEqual([]);
  });

  it("runs the Docker image, env and readiness check as a one-pod StatefulSet behind the qdrant Service", () => {
    const set = named(plan, "StatefulSet", "qdrant");
    expect(set.inputs.spec.replicas).toBe(1);
    expect(set.inputs.spec.serviceName).toBe("qdrant");
    const c = set.inputs.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGES.qdrant);
    // Docker's container names the pulled image by id; the pulled name is the same table entry.
    expect(container(docker, "qdrant").inputs.image).toBe(`sha256:${IMAGES.qdrant}`);
    expect(podEnv(plan, set)).toEqual(env(container(docker, "qdrant")));
    expect(podEnv(plan, set).QDRANT__SERVICE__API_KEY).toBe(plan.outputs.qdrantApiKey);
    expect(plan.secretOutputs.has("qdrantApiKey")).toBe(true);
    expect(c.readinessProbe.exec.command).toEqual(
      container(docker, "qdrant").inputs.healthcheck.tests.slice(1),
    );
    expect(c.readinessProbe.exec.command.join(" ")).toContain("/readyz");
    const service = named(plan, "Service", "qdrant").inputs.spec;
    expect(service.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[6333, "http"]]);
    expect(plan.outputs.qdrantUrl).toBe("http://qdrant:6333");
  });

  it("keeps storage and snapshots on one protected, retained claim, as Docker's two volumes", () => {
    const claim = named(plan, "PersistentVolumeClaim", "qdrant-data");
    expect([claim.options.protect, claim.options.retainOnDelete]).toEqual([true, true]);
    expect(claim.inputs.spec.accessModes).toEqual(["ReadWriteOnce"]);
    const pod = named(plan, "StatefulSet", "qdrant").inputs.spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: "data", persistentVolumeClaim: { claimName: "qdrant-data" } },
    ]);
    expect(
      pod.containers[0].volumeMounts.map((m: any) => [m.mountPath, m.name, m.subPath]),
    ).toEqual([
      ["/qdrant/storage", "data", "storage"],
      ["/qdrant/snapshots", "data", "snapshots"],
    ]);
    const dockerMounts = container(docker, "qdrant").inputs.volumes.map(
      (v: any) => v.containerPath,
    );
    expect(dockerMounts.sort()).toEqual(["/qdrant/snapshots", "/qdrant/storage"]);
  });

  it("lets in only labelled client pods and Prometheus's scrape", () => {
    expect(into(matrixOf(plan, { ...QDRANT, "ownstack:prometheus": "true" }), "qdrant")).toEqual([
      "labels:ownstack/qdrant-client=true -> qdrant:6333",
      "prometheus -> qdrant:6333",
    ]);
  });

  it("has the vps column's memory limit, and every object passes the Kubernetes OpenAPI schema", async () => {
    const c = named(plan, "StatefulSet", "qdrant").inputs.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").qdrant}Mi` });
    expect(c.resources.requests).toEqual(c.resources.limits);
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a StatefulSet without its serviceName's type, or with a text replica count, fails the schema", async () => {
    const set = named(plan, "StatefulSet", "qdrant");
    const broken = structuredClone(manifest(set)) as any;
    broken.spec.serviceName = 6333;
    await expect(validateBuiltIn(set.type, broken)).rejects.toThrow(/serviceName/);
    const text = structuredClone(manifest(set)) as any;
    text.spec.replicas = "one";
    await expect(validateBuiltIn(set.type, text)).rejects.toThrow(/replicas/);
  });

  it("is off by default: no StatefulSet, no claim, no output", async () => {
    const plain = await evaluateK8s();
    expect(ofKind(plain, "StatefulSet")).toEqual([]);
    expect(plain.outputs.qdrantUrl).toBeUndefined();
  });
});
