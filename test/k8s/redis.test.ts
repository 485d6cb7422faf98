import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { problemsOf } from "../config/problems";
import { K8S_CONFIG, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";
import { IMAGES } from "../../config/images";
import { REDIS_CONFIG_PATH } from "../../components/redis";

const REDIS = { "ownstack:redis": "true" };

/** The rendered valkey.conf the pod mounts: the Secret its config file volume names. */
function mountedConf(plan: Plan): string {
  const pod = named(plan, "StatefulSet", "redis").inputs.spec.template.spec;
  const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === REDIS_CONFIG_PATH);
  const volume = pod.volumes.find((v: any) => v.name === mount.name);
  const secret = ofKind(plan, "Secret").find(
    (s) => s.name === volume.secret.secretName.replace(/-[a-z0-9]{8}$/, ""),
  )!;
  return secret.inputs.stringData[volume.secret.items[0].key];
}

describe("redis: true on kubernetes (Valkey)", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s({ ...REDIS, "ownstack:prometheus": "true" });
    docker = await evaluate({ ...VPS_CONFIG, ...REDIS }, "k8s");
  });

  it("is accepted on kubernetes, and a cap beyond its limit is refused by name", () => {
    expect(problemsOf({ ...K8S_CONFIG, ...REDIS }, "k8s")).toEqual([]);
    expect(
      problemsOf({ ...K8S_CONFIG, ...REDIS, "ownstack:redisMaxMemory": "1gb" }, "k8s").join("\n"),
    ).toMatch(/^ownstack:redisMaxMemory: "1gb" does not fit the redis container's 320 MiB/m);
  });

  it("runs the Docker image with the same valkey.conf: password, AOF every second, the memory cap", () => {
    const set = named(plan, "StatefulSet", "redis");
    const c = set.inputs.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGES.redis);
    expect(c.args).toEqual(container(docker, "redis").inputs.command);
    const conf = mountedConf(plan);
    const dockerConf = container(docker, "redis").inputs.uploads.find(
      (u: any) => u.file === REDIS_CONFIG_PATH,
    ).content;
    expect(conf).toBe(dockerConf);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync everysec$/m);
    expect(conf).toMatch(/^dir \/data$/m);
    const password = /^requirepass (\S+)$/m.exec(conf)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(podEnv(plan, set)).toEqual(env(container(docker, "redis")));
    expect(podEnv(plan, set).REDISCLI_AUTH).toBe(password);
    expect(new URL(String(plan.outputs.redisUrl)).password).toBe(password);
    expect(new URL(String(plan.outputs.redisUrl)).host).toBe("redis:6379");
    expect(plan.secretOutputs.has("redisUrl")).toBe(true);
  });

  it("keeps the password out of the probe and every plain input", () => {
    const set = named(plan, "StatefulSet", "redis");
    const c = set.inputs.spec.template.spec.containers[0];
    expect(c.livenessProbe.exec.command).toEqual([
      "/bin/sh",
      "-c",
      "valkey-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG",
    ]);
    const password = /^requirepass (\S+)$/m.exec(mountedConf(plan))![1];
    for (const r of kubernetesObjects(plan).filter((r) => r.type !== "kubernetes:core/v1:Secret"))
      expect(JSON.stringify(r.inputs), r.name).not.toContain(password);
  });

  it("keeps the AOF on a protected, retained claim at the image's /data", () => {
    const claim = named(plan, "PersistentVolumeClaim", "redis-data");
    expect([claim.options.protect, claim.options.retainOnDelete]).toEqual([true, true]);
    const pod = named(plan, "StatefulSet", "redis").inputs.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "redis-data" },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/data",
      subPath: "data",
    });
  });

  it("lets in the Redis exporter and labelled client pods only", () => {
    expect(into(matrixOf(plan, { ...REDIS, "ownstack:prometheus": "true" }), "redis")).toEqual([
      "labels:ownstack/redis-client=true -> redis:6379",
      "redisExporter -> redis:6379",
    ]);
    expect(named(plan, "Deployment", "redis-exporter")).toBeDefined();
  });

  it("without Prometheus there is no exporter, and only client pods are let in", async () => {
    const alone = await evaluateK8s(REDIS);
    expect(ofKind(alone, "Deployment").map((d) => d.inputs.metadata.name)).not.toContain(
      "redis-exporter",
    );
    expect(into(matrixOf(alone, REDIS), "redis")).toEqual([
      "labels:ownstack/redis-client=true -> redis:6379",
    ]);
  });

  it("has the vps column's memory limit, and every object passes the Kubernetes OpenAPI schema", async () => {
    const c = named(plan, "StatefulSet", "redis").inputs.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").redis}Mi` });
    expect(c.resources.requests).toEqual(c.resources.limits);
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a claim whose access mode is not a list fails the schema", async () => {
    const claim = named(plan, "PersistentVolumeClaim", "redis-data");
    const broken = structuredClone(manifest(claim)) as any;
    broken.spec.accessModes = "ReadWriteOnce";
    await expect(validateBuiltIn(claim.type, broken)).rejects.toThrow(/accessModes/);
  });
});
