import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";
import { LOG_SOURCES, TOKEN_ENV, VECTOR_CONFIG_PATH } from "../../components/render/vector";
import { bootstrapFiles } from "../../components/k8s/bootstrap";

const LOGS = { "ownstack:logs": "true" };

describe("logs: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(LOGS);
    docker = await evaluate({ ...VPS_CONFIG, ...LOGS }, "k8s");
  });

  const agent = () => named(plan, "DaemonSet", "vector");
  const agentSpec = () => agent().inputs.spec.template.spec;

  it("runs Logflare with its Docker env and healthcheck", () => {
    const deployment = named(plan, "Deployment", "analytics");
    expect(podEnv(plan, deployment)).toEqual(env(container(docker, "analytics")));
    const c = deployment.inputs.spec.template.spec.containers[0];
    expect(c.livenessProbe.exec.command.join(" ")).toContain("localhost:4000/health");
  });

  it("turns Studio's Logs Explorer on, with the Docker env", () => {
    const studio = podEnv(plan, named(plan, "Deployment", "studio"));
    const onDocker = env(container(docker, "studio"));
    for (const key of [
      "NEXT_PUBLIC_ENABLE_LOGS",
      "LOGFLARE_URL",
      "LOGFLARE_PRIVATE_ACCESS_TOKEN",
      "NEXT_ANALYTICS_BACKEND_PROVIDER",
    ])
      expect(studio[key], key).toBe(onDocker[key]);
    expect(studio.NEXT_PUBLIC_ENABLE_LOGS).toBe("true");
  });

  it("the bootstrap Job creates Logflare's _analytics schema", () => {
    const job = ofKind(plan, "ConfigMap").find((c) => c.inputs.data?.["settings.sql"]);
    expect(job!.inputs.data["settings.sql"]).toBe(bootstrapFiles(3600, true)["settings.sql"]);
    expect(job!.inputs.data["settings.sql"]).toContain("CREATE SCHEMA IF NOT EXISTS _analytics");
    expect(bootstrapFiles(3600)["settings.sql"]).not.toContain("_analytics");
  });

  it("Vector runs on every node, reading this namespace's pod logs read-only and routing them as on Docker", () => {
    const spec = agentSpec();
    const c = spec.containers[0];
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m]));
    const volumes = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
    expect(volumes["pod-logs"].hostPath).toEqual({ path: "/var/log/pods", type: "Directory" });
    expect(mounts["pod-logs"]).toMatchObject({ mountPath: "/var/log/pods", readOnly: true });
    expect(mounts.config).toMatchObject({ mountPath: VECTOR_CONFIG_PATH, readOnly: true });
    const configMap = ofKind(plan, "ConfigMap").find(
      (m) => m.name === volumes.config.configMap.name.replace(/-[a-z0-9]{8}$/, ""),
    )!;
    const config = parse(configMap.inputs.data["vector.yml"]);
    const namespace = named(plan, "Namespace", plan.outputs.namespace as string).inputs.metadata
      .name;
    expect(config.sources.pod_logs).toMatchObject({
      type: "kubernetes_logs",
      extra_field_selector: `metadata.namespace=${namespace}`,
    });
    expect(config.data_dir).toBe(mounts.data.mountPath);
    expect(volumes.data.hostPath.path).toBe(config.data_dir);
    // The services' pod label values are the route names; one Logflare sink per Docker source.
    expect(Object.keys(config.transforms.router.route).sort()).toEqual(
      Object.keys(LOG_SOURCES).sort(),
    );
    expect(config.transforms.router.route.auth).toContain("^auth(");
    for (const [s, source] of Object.entries(LOG_SOURCES))
      expect(config.sinks[`logflare_${s}`].uri).toBe(
        `http://analytics:4000/api/logs?source_name=${source}`,
      );
    // The token comes from a Secret, never the file.
    expect(configMap.inputs.data["vector.yml"]).not.toMatch(/[A-Za-z0-9]{40}/);
    const token = c.env.find((e: any) => e.name === TOKEN_ENV).valueFrom.secretKeyRef;
    const secret = ofKind(plan, "Secret").find(
      (x) => x.name === token.name.replace(/-[a-z0-9]{8}$/, ""),
    )!;
    expect(secret.inputs.stringData[TOKEN_ENV]).toBe(env(container(docker, "vector"))[TOKEN_ENV]);
    expect(c.env.find((e: any) => e.name === "VECTOR_SELF_NODE_NAME").valueFrom).toEqual({
      fieldRef: { fieldPath: "spec.nodeName" },
    });
  });

  it("Vector's account may list and watch pods, namespaces and nodes, nothing else", () => {
    const account = named(plan, "ServiceAccount", "vector");
    expect(agentSpec().serviceAccountName).toBe(account.inputs.metadata.name);
    const [role] = ofKind(plan, "ClusterRole");
    expect(role.inputs.rules).toEqual([
      { apiGroups: [""], resources: ["namespaces", "nodes", "pods"], verbs: ["list", "watch"] },
    ]);
    const [binding] = ofKind(plan, "ClusterRoleBinding");
    expect(binding.inputs.roleRef.name).toBe(role.inputs.metadata.name);
    expect(binding.inputs.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: "vector",
        namespace: account.inputs.metadata.namespace,
      },
    ]);
    // Cluster-scoped names carry the namespace: two stacks in one cluster do not collide.
    expect(role.inputs.metadata.name).toBe(`${account.inputs.metadata.namespace}-vector`);
  });

  it("NetworkPolicies: Vector and Studio may call Logflare; Logflare may call Postgres", () => {
    const matrix = matrixOf(plan, LOGS);
    // Not Kong: upstream's kong.yml has no /analytics/v1 route (config/edges.ts).
    expect(into(matrix, "analytics")).toEqual([
      "studio -> analytics:4000",
      "vector -> analytics:4000",
    ]);
    expect(matrix.filter((e) => e.startsWith("analytics "))).toEqual(["analytics -> db:5432"]);
  });

  it("has the vps column's memory limits, and every object passes the Kubernetes OpenAPI schema", async () => {
    const limits = (spec: any) => spec.containers[0].resources.limits;
    const column = memoryColumn("kubernetes");
    expect(limits(agentSpec())).toEqual({ memory: `${column.vector}Mi` });
    expect(limits(named(plan, "Deployment", "analytics").inputs.spec.template.spec)).toEqual({
      memory: `${column.analytics}Mi`,
    });
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a DaemonSet whose hostPath has no path fails the schema", async () => {
    const broken = structuredClone(manifest(agent())) as any;
    delete broken.spec.template.spec.volumes.find((v: any) => v.name === "pod-logs").hostPath.path;
    await expect(validateBuiltIn(agent().type, broken)).rejects.toThrow(/path/);
  });

  it("is off by default: no agent, no cluster-scoped object, Studio's logs off", async () => {
    const plain = await evaluateK8s();
    expect(ofKind(plain, "DaemonSet")).toEqual([]);
    expect(ofKind(plain, "ClusterRole")).toEqual([]);
    expect(podEnv(plain, named(plain, "Deployment", "studio")).NEXT_PUBLIC_ENABLE_LOGS).toBe(
      "false",
    );
  });
});
