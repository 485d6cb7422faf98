import { beforeAll, describe, expect, it } from "vitest";
import { K8S_CONFIG } from "../k8s/harness";
import { RunResult, customResources, problems, runProgram } from "./run";
import { isSecret } from "./wire";

/**
 * `pulumi up` of a kubernetes stack through @pulumi/pulumi's own runner: index.ts exports a promise
 * for this target (the dynamic import of components/k8s), and the runner awaits it.
 */

const SECRET_KEYS = ["ownstack:smtpPass", "ownstack:s3AccessKeyId", "ownstack:s3SecretAccessKey"];

describe("k8s stack through the real runner", () => {
  let up: RunResult;
  beforeAll(async () => {
    up = await runProgram({ stack: "k8s", config: K8S_CONFIG, secretKeys: SECRET_KEYS });
  }, 240_000);

  it("pulumi up finishes, registers the Kubernetes objects and no container, and exports the awaited outputs", () => {
    expect(up.exitCode, up.transcript).toBe(0);
    const types = customResources(up).map((r) => r.type);
    expect(types).toContain("kubernetes:apps/v1:Deployment");
    expect(types).toContain("kubernetes:postgresql.cnpg.io/v1:Cluster");
    expect(types.filter((t) => t.startsWith("docker:"))).toEqual([]);
    expect(up.stackOutputs).toMatchObject({
      target: "kubernetes",
      apiUrl: "https://api.example.com",
      namespace: "ownstack-k8s",
    });
    expect(isSecret(up.stackOutputs?.anonKey)).toBe(true);
  });

  it("logs no warning or error", () => {
    expect(problems(up), up.transcript).toEqual([]);
  });
});
