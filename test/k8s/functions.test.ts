import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { into, matrixOf } from "./reach";
import { isCustom, manifest, validateBuiltIn } from "./validate";
import { functionFiles } from "../../components/functions";
import { functionItems } from "../../components/k8s/functions";
import { memoryColumn } from "../../config/memory";
import { parseSettings } from "../../config/settings";

const FUNCTIONS = { "ownstack:functions": "true" };

describe("functions: true on kubernetes", () => {
  let plan: Plan;
  let docker: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(FUNCTIONS);
    docker = await evaluate({ ...VPS_CONFIG, ...FUNCTIONS }, "k8s");
  });

  it("runs the edge runtime with the Docker command and env", () => {
    const deployment = named(plan, "Deployment", "functions");
    const c = deployment.inputs.spec.template.spec.containers[0];
    const onDocker = container(docker, "functions");
    expect(c.args).toEqual(onDocker.inputs.command);
    expect(c.command).toBeUndefined();
    expect(podEnv(plan, deployment)).toEqual(env(onDocker));
  });

  it("mounts every file the Docker container gets, at the same path, from one ConfigMap", () => {
    const spec = named(plan, "Deployment", "functions").inputs.spec.template.spec;
    const mount = spec.containers[0].volumeMounts.find((m: any) => m.name === "folder");
    const volume = spec.volumes.find((v: any) => v.name === "folder");
    const configMap = ofKind(plan, "ConfigMap").find(
      (c) => c.name === volume.configMap.name.replace(/-[a-z0-9]{8}$/, ""),
    )!;
    const mounted = Object.fromEntries(
      volume.configMap.items.map((i: any) => [
        `${mount.mountPath}/${i.path}`,
        Buffer.from(configMap.inputs.binaryData[i.key], "base64").toString("base64"),
      ]),
    );
    const uploaded = Object.fromEntries(
      container(docker, "functions").inputs.uploads.map((u: any) => [u.file, u.contentBase64]),
    );
    expect(mounted).toEqual(uploaded);
    expect(mount.readOnly).toBe(true);
    expect(plan.outputs.functionNames).toEqual(docker.outputs.functionNames);
  });

  it("ConfigMap keys are valid and unique, whatever the file names", () => {
    const settings = parseSettings(
      { ...VPS_CONFIG, ...FUNCTIONS, "ownstack:target": "vps" },
      "vps",
    );
    const items = functionItems([
      ...functionFiles(settings),
      { path: "a b/ü.ts", content: Buffer.from("x") },
      { path: "a_b/_.ts", content: Buffer.from("y") },
    ]);
    for (const { key } of items) expect(key).toMatch(/^[-._a-zA-Z0-9]{1,253}$/);
    expect(new Set(items.map((i) => i.key)).size).toBe(items.length);
  });

  it("Kong routes /functions/v1 to the runtime, as on Docker", () => {
    const kongYml = ofKind(plan, "Secret").find((s) => s.name === "kong-config")!.inputs.stringData[
      "kong.yml"
    ];
    expect(kongYml).toContain("http://functions:9000/");
    expect(kongYml).toContain("/functions/v1/");
  });

  it("NetworkPolicies: Kong and Postgres (webhooks) may call the runtime; it may call Kong and Postgres", () => {
    const matrix = matrixOf(plan, FUNCTIONS);
    expect(into(matrix, "functions")).toEqual(["db -> functions:9000", "kong -> functions:9000"]);
    expect(matrix.filter((e) => e.startsWith("functions "))).toEqual([
      "functions -> db:5432",
      "functions -> kong:8000",
    ]);
  });

  it("has the vps column's memory limit, and every object passes the Kubernetes OpenAPI schema", async () => {
    const c = named(plan, "Deployment", "functions").inputs.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ memory: `${memoryColumn("kubernetes").functions}Mi` });
    for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
      await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
  });

  it("a ConfigMap whose binaryData is not a map fails the schema", async () => {
    const configMap = ofKind(plan, "ConfigMap").find((c) => c.inputs.binaryData)!;
    await expect(
      validateBuiltIn(configMap.type, { ...manifest(configMap), binaryData: ["x"] }),
    ).rejects.toThrow(/binaryData/);
  });
});
