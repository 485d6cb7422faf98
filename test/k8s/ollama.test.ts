import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { containers, container, env, label } from "../plan/lookups";
import { problemsOf, refused } from "../config/problems";
import { K8S_CONFIG, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { memoryColumn } from "../../config/memory";
import { IMAGES } from "../../config/images";
import { pullJobName } from "../../components/k8s/ollama";

const MODELS = '["nomic-embed-text","llama3.2:1b"]';
const CPU = { "ownstack:ollama": "true", "ownstack:ollamaGpu": "cpu" };
const NVIDIA = {
  "ownstack:ollama": "true",
  "ownstack:ollamaGpu": "nvidia",
  "ownstack:ollamaGpuCount": "2",
  "ownstack:ollamaNodeSelector": '["nvidia.com/gpu.present=true","pool=gpu"]',
  "ownstack:ollamaTolerations": '["nvidia.com/gpu:NoSchedule","dedicated=ai"]',
};

const pod = (plan: Plan) => named(plan, "StatefulSet", "ollama").inputs.spec.template.spec;
const pullJobs = (plan: Plan) =>
  ofKind(plan, "Job").filter(
    (j) => j.inputs.metadata.labels["app.kubernetes.io/name"] === "ollama-pull",
  );

describe("ollama: true on kubernetes, CPU mode", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s({ ...CPU, "ownstack:ollamaModels": MODELS });
    docker = await evaluate({ ...VPS_CONFIG, ...CPU, "ownstack:ollamaModels": MODELS }, "k8s");
  });

  it("is accepted with an explicit mode", () => {
    expect(problemsOf({ ...K8S_CONFIG, ...CPU }, "k8s")).toEqual([]);
  });

  it("runs the Docker image, env and check as a one-pod StatefulSet behind the ollama Service", () => {
    const set = named(plan, "StatefulSet", "ollama");
    expect([set.inputs.spec.replicas, set.inputs.spec.serviceName]).toEqual([1, "ollama"]);
    const c = pod(plan).containers[0];
    expect(c.image).toBe(IMAGES.ollama);
    expect(container(docker, "ollama").inputs.image).toBe(`sha256:${IMAGES.ollama}`);
    expect(podEnv(plan, set)).toEqual(env(container(docker, "ollama")));
    expect(c.readinessProbe.exec.command).toEqual(
      container(docker, "ollama").inputs.healthcheck.tests.slice(1),
    );
    const service = named(plan, "Service", "ollama").inputs.spec;
    expect(service.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[11434, "http"]]);
    expect(plan.outputs.ollamaUrl).toBe("http://ollama:11434");
  });

  it("asks for no GPU and no particular node", () => {
    const c = pod(plan).containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").ollama}Mi` });
    expect(c.resources.requests).toEqual(c.resources.limits);
    expect([pod(plan).nodeSelector, pod(plan).tolerations]).toEqual([undefined, undefined]);
  });

  it("keeps the models on a protected, retained claim at Docker's /root/.ollama", () => {
    const claim = named(plan, "PersistentVolumeClaim", "ollama-data");
    expect([claim.options.protect, claim.options.retainOnDelete]).toEqual([true, true]);
    expect(pod(plan).volumes).toEqual([
      { name: "data", persistentVolumeClaim: { claimName: "ollama-data" } },
    ]);
    expect(pod(plan).containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(
      container(docker, "ollama").inputs.volumes.map((v: any) => v.containerPath),
    );
  });

  it("pulls the models with a Job running Docker's pull command and env, after the server", () => {
    const [job] = pullJobs(plan);
    const dockerPull = containers(docker).find(
      (c) => label(c, "ownstack.service") === "ollama-pull",
    )!;
    const c = job.inputs.spec.template.spec.containers[0];
    expect(c.command).toEqual(dockerPull.inputs.entrypoints);
    expect(c.command.slice(-2)).toEqual(["llama3.2:1b", "nomic-embed-text"]);
    expect(podEnv(plan, job)).toEqual(env(dockerPull));
    expect(c.resources.limits.memory).toBe(`${dockerPull.inputs.memory}Mi`);
    expect(job.inputs.metadata.name).toBe(plan.outputs.ollamaPullJob);
    const set = named(plan, "StatefulSet", "ollama");
    expect(job.options.dependencies).toContain(set.urn);
  });

  it("names the pull Job after the model list: another list is another Job, a reorder is not", async () => {
    const [job] = pullJobs(plan);
    expect(job.inputs.metadata.name).toMatch(/^ollama-pull-[0-9a-f]{8}$/);
    expect(job.options.deleteBeforeReplace).toBe(true);
    const reordered = await evaluateK8s({
      ...CPU,
      "ownstack:ollamaModels": '["llama3.2:1b","nomic-embed-text"]',
    });
    expect(pullJobs(reordered)[0].inputs.metadata.name).toBe(job.inputs.metadata.name);
    const other = await evaluateK8s({ ...CPU, "ownstack:ollamaModels": '["llama3.2:3b"]' });
    expect(pullJobs(other)[0].inputs.metadata.name).toBe(pullJobName(["llama3.2:3b"]));
    expect(pullJobs(other)[0].inputs.metadata.name).not.toBe(job.inputs.metadata.name);
  });

  it("has no pull Job without models", async () => {
    const bare = await evaluateK8s(CPU);
    expect(pullJobs(bare)).toEqual([]);
    expect(bare.outputs.ollamaPullJob).toBeUndefined();
  });

  it("lets in only labelled client pods and the pull Job", () => {
    expect(into(matrixOf(plan, { ...CPU, "ownstack:ollamaModels": MODELS }), "ollama")).toEqual([
      "labels:ownstack/ollama-client=true -> ollama:11434",
      "ollama-pull -> ollama:11434",
    ]);
  });

  it("every object passes the Kubernetes OpenAPI schema", async () => {
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });
});

describe("ollama on GPUs on kubernetes", () => {
  let nvidia: Plan;
  let amd: Plan;
  beforeAll(async () => {
    nvidia = await evaluateK8s(NVIDIA);
    amd = await evaluateK8s({ ...CPU, "ownstack:ollamaGpu": "amd" });
  });

  it("nvidia requests and limits ollamaGpuCount nvidia.com/gpu, on the selected, tolerated nodes", () => {
    const spec = pod(nvidia);
    const memory = `${memoryColumn("kubernetes").ollama}Mi`;
    expect(spec.containers[0].resources).toEqual({
      requests: { memory, "nvidia.com/gpu": "2" },
      limits: { memory, "nvidia.com/gpu": "2" },
    });
    expect(spec.containers[0].image).toBe(IMAGES.ollama);
    expect(spec.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true", pool: "gpu" });
    expect(spec.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "ai" },
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
  });

  it("amd runs the ROCm image with one amd.com/gpu", () => {
    const c = pod(amd).containers[0];
    expect(c.image).toBe(IMAGES.ollamaRocm);
    expect(c.resources.limits["amd.com/gpu"]).toBe("1");
    expect(c.resources.limits["nvidia.com/gpu"]).toBeUndefined();
  });

  it("the GPU pod passes the OpenAPI schema; a GPU count that is no quantity or a bad effect does not", async () => {
    const set = named(nvidia, "StatefulSet", "ollama");
    await expect(validateBuiltIn(set.type, manifest(set))).resolves.toBeUndefined();
    const broken = structuredClone(manifest(set)) as any;
    broken.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = { count: 2 };
    await expect(validateBuiltIn(set.type, broken)).rejects.toThrow(/limits/);
    const tolerations = structuredClone(manifest(set)) as any;
    tolerations.spec.template.spec.tolerations = "nvidia.com/gpu:NoSchedule";
    await expect(validateBuiltIn(set.type, tolerations)).rejects.toThrow(/tolerations/);
  });
});

describe("ollama's kubernetes keys are refused when they cannot work", () => {
  it("refuses auto on kubernetes, naming the key and the allowed values", () => {
    const problems = problemsOf({ ...K8S_CONFIG, "ownstack:ollama": "true" }, "k8s");
    expect(problems).toEqual([
      `ownstack:ollamaGpu: "auto" would probe this machine, not the cluster's nodes; on kubernetes expected one of: nvidia, amd, cpu (nvidia and amd request ownstack:ollamaGpuCount GPUs from the device plugin)`,
    ]);
  });

  it.each([
    ["ollamaNodeSelector", "[0]", '["gpu"]', 'expected "key=value" node labels'],
    [
      "ollamaTolerations",
      "[0]",
      '["nvidia.com/gpu:NoSchedul"]',
      "expected taints as kubectl writes them, key[=value][:effect]",
    ],
    ["ollamaGpuCount", "", "0", "expected a whole number of GPUs between 1 and 16"],
  ])("refuses a malformed %s", (key, index, value, message) => {
    expect(refused({ ...K8S_CONFIG, ...NVIDIA, [`ownstack:${key}`]: value }, "k8s")).toContain(
      `ownstack:${key}${index}: ${message}`,
    );
  });

  it("refuses a GPU count with ollamaGpu cpu", () => {
    expect(refused({ ...K8S_CONFIG, ...CPU, "ownstack:ollamaGpuCount": "2" }, "k8s")).toContain(
      "ownstack:ollamaGpuCount: only read with ownstack:ollamaGpu nvidia or amd",
    );
  });

  it("refuses the placement keys on Docker stacks", () => {
    const problems = problemsOf({ ...VPS_CONFIG, ...NVIDIA }, "vps");
    for (const key of ["ollamaGpuCount", "ollamaNodeSelector", "ollamaTolerations"])
      expect(problems).toContain(
        `ownstack:${key}: only read on target kubernetes (Docker passes every GPU of the host), expected no ${key} on the vps stack`,
      );
  });
});
