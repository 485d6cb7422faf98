import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { evaluateK8s, kubernetesObjects, named, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";

const IMGPROXY = { "ownstack:imgproxy": "true" };

describe("imgproxy: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(IMGPROXY);
    docker = await evaluate({ ...VPS_CONFIG, ...IMGPROXY }, "k8s");
  });

  it("turns Storage's image transformations on, pointed at the imgproxy Service's port", () => {
    const storage = podEnv(plan, named(plan, "Deployment", "storage"));
    expect(storage.ENABLE_IMAGE_TRANSFORMATION).toBe("true");
    expect(storage.IMGPROXY_URL).toBe(env(container(docker, "storage")).IMGPROXY_URL);
    const url = new URL(storage.IMGPROXY_URL);
    const service = named(plan, "Service", url.hostname).inputs.spec;
    expect(service.ports.map((p: any) => p.port)).toEqual([Number(url.port)]);
  });

  it("runs imgproxy with its Docker env and healthcheck", () => {
    const deployment = named(plan, "Deployment", "imgproxy");
    expect(podEnv(plan, deployment)).toEqual(env(container(docker, "imgproxy")));
    const c = deployment.inputs.spec.template.spec.containers[0];
    expect(c.livenessProbe.exec.command).toEqual(["imgproxy", "health"]);
    expect(c.volumeMounts).toEqual([]);
  });

  it("only Storage is let in to imgproxy", () => {
    expect(into(matrixOf(plan, IMGPROXY), "imgproxy")).toEqual(["storage -> imgproxy:5001"]);
  });

  it("has the vps column's memory limit, and every object passes the Kubernetes OpenAPI schema", async () => {
    const c = named(plan, "Deployment", "imgproxy").inputs.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").imgproxy}Mi` });
    expect(c.resources.requests).toEqual(c.resources.limits);
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a NetworkPolicy port given as a list fails the schema", async () => {
    const policy = named(plan, "NetworkPolicy", "edges-to-imgproxy");
    const broken = structuredClone(manifest(policy)) as any;
    broken.spec.ingress[0].ports[0].port = [5001];
    await expect(validateBuiltIn(policy.type, broken)).rejects.toThrow(/port/);
  });

  it("is off by default, and Storage then transforms nothing", async () => {
    const plain = await evaluateK8s();
    expect(podEnv(plain, named(plain, "Deployment", "storage")).ENABLE_IMAGE_TRANSFORMATION).toBe(
      "false",
    );
  });
});
