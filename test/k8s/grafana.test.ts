import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { problemsOf } from "../config/problems";
import { K8S_CONFIG, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";

const GRAFANA = { "ownstack:prometheus": "true", "ownstack:grafana": "true" };

/** The provisioned data source file the Deployment mounts, from its ConfigMap. */
function datasources(plan: Plan): any {
  const spec = named(plan, "Deployment", "grafana").inputs.spec.template.spec;
  const mount = spec.containers[0].volumeMounts.find((m: any) =>
    m.mountPath.startsWith("/etc/grafana/provisioning/datasources/"),
  );
  const volume = spec.volumes.find((v: any) => v.name === mount.name);
  const configMap = ofKind(plan, "ConfigMap").find(
    (c) => c.name === volume.configMap.name.replace(/-[a-z0-9]{8}$/, ""),
  );
  return parse(configMap!.inputs.data[mount.subPath]);
}

describe("grafana: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(GRAFANA);
    docker = await evaluate({ ...VPS_CONFIG, ...GRAFANA }, "k8s");
  });

  it("is accepted with Prometheus, and refused without it, naming both keys", () => {
    expect(problemsOf({ ...K8S_CONFIG, ...GRAFANA }, "k8s")).toEqual([]);
    expect(problemsOf({ ...K8S_CONFIG, "ownstack:grafana": "true" }, "k8s")).toContain(
      "ownstack:grafana: Grafana reads Prometheus, expected ownstack:prometheus: true as well (or ownstack:grafana: false)",
    );
  });

  it("provisions the Docker data source file, pointed at the stack's Prometheus Service", () => {
    const onDocker = parse(
      container(docker, "grafana").inputs.uploads.find((u: any) =>
        u.file.startsWith("/etc/grafana/provisioning/datasources/"),
      ).content,
    );
    expect(datasources(plan)).toEqual(onDocker);
    expect(datasources(plan).datasources[0].url).toBe("http://prometheus:9090");
    expect(ofKind(plan, "Service").map((s) => s.inputs.metadata.name)).toContain("prometheus");
  });

  it("gets the Docker env, the admin password from the dashboard secret, only the root URL differs", () => {
    const onKubernetes = podEnv(plan, named(plan, "Deployment", "grafana"));
    const onDocker = env(container(docker, "grafana"));
    const { GF_SERVER_ROOT_URL: k8sRoot, ...k8sRest } = onKubernetes;
    const { GF_SERVER_ROOT_URL: dockerRoot, ...dockerRest } = onDocker;
    expect(k8sRest).toEqual(dockerRest);
    expect(onKubernetes.GF_SECURITY_ADMIN_PASSWORD).toBe(plan.outputs.dashboardPassword);
    // No Ingress for Grafana: it is reached with kubectl port-forward, at its Service's address.
    expect([dockerRoot, k8sRoot]).toEqual(["https://grafana.example.com", "http://grafana:3000"]);
  });

  it("only Grafana is let in to Prometheus, on its port", () => {
    expect(into(matrixOf(plan, GRAFANA), "prometheus")).toEqual(["grafana -> prometheus:9090"]);
  });

  it("has the vps column's memory limit, and every object passes the Kubernetes OpenAPI schema", async () => {
    const c = named(plan, "Deployment", "grafana").inputs.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").grafana}Mi` });
    expect(c.resources.requests).toEqual(c.resources.limits);
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a ConfigMap volume without its name fails the schema", async () => {
    const deployment = named(plan, "Deployment", "grafana");
    const broken = structuredClone(manifest(deployment)) as any;
    const volume = broken.spec.template.spec.volumes.find((v: any) => v.configMap);
    volume.configMap.items = [{ path: "ownstack.yaml" }];
    await expect(validateBuiltIn(deployment.type, broken)).rejects.toThrow(/key/);
  });

  it("with the Prometheus Operator, reads the operator's prometheus-operated Service", async () => {
    const operator = await evaluateK8s({ ...GRAFANA, "ownstack:prometheusOperator": "true" });
    expect(datasources(operator).datasources[0].url).toBe(
      "http://prometheus-operated.monitoring.svc:9090",
    );
    expect(ofKind(operator, "NetworkPolicy").map((p) => p.inputs.metadata.name)).not.toContain(
      "edges-to-prometheus",
    );
  });
});
