import { describe, expect, it } from "vitest";
import { VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, env } from "./lookups";
import { K8S_CONFIG, named, podEnv } from "../k8s/harness";

const API = {
  "ownstack:restSchemas": '["api", "public", "pgmq_public"]',
  "ownstack:restMaxRows": "250",
  "ownstack:restExtraSearchPath": '["public", "extensions"]',
  "ownstack:studioOpenAiKey": "sk-test-openai",
};
const EXPECTED = {
  PGRST_DB_SCHEMAS: "api,public,pgmq_public",
  PGRST_DB_MAX_ROWS: "250",
  PGRST_DB_EXTRA_SEARCH_PATH: "public,extensions",
};

describe("the REST API surface and Studio's assistant reach both runtimes", () => {
  const docker = planBeforeAll({ ...VPS_CONFIG, ...API }, "vps");
  const kubernetes = planBeforeAll({ ...K8S_CONFIG, ...API }, "k8s");
  const studioOn = {
    docker: () => container(docker, "studio"),
    kubernetes: () => named(kubernetes, "Deployment", "studio"),
  };

  it("PostgREST and Studio read the same schemas, row cap and search path on Docker", () => {
    expect(env(container(docker, "rest"))).toMatchObject(EXPECTED);
    expect(env(container(docker, "studio"))).toMatchObject(EXPECTED);
  });

  it("and on Kubernetes", () => {
    expect(podEnv(kubernetes, named(kubernetes, "Deployment", "rest"))).toMatchObject(EXPECTED);
    expect(podEnv(kubernetes, studioOn.kubernetes())).toMatchObject(EXPECTED);
  });

  it("the stack outputs Storage's S3 endpoint, region and access key (secret) on both runtimes", () => {
    for (const plan of [docker, kubernetes]) {
      expect(plan.outputs.storageS3Endpoint).toBe("https://api.example.com/storage/v1/s3");
      expect(plan.secretOutputs.has("storageS3AccessKeyId")).toBe(true);
      expect(plan.secretOutputs.has("storageS3SecretAccessKey")).toBe(true);
    }
    // The keys and region Storage itself checks S3 signatures with.
    const storage = env(container(docker, "storage"));
    expect(docker.outputs.storageS3AccessKeyId).toBe(storage.S3_PROTOCOL_ACCESS_KEY_ID);
    expect(docker.outputs.storageS3SecretAccessKey).toBe(storage.S3_PROTOCOL_ACCESS_KEY_SECRET);
    expect(docker.outputs.storageS3Region).toBe(storage.REGION);
    const pod = podEnv(kubernetes, named(kubernetes, "Deployment", "storage"));
    expect(kubernetes.outputs.storageS3Region).toBe(pod.REGION);
    expect(pod.REGION).toBe("eu-central-1");
  });

  it("Studio gets OPENAI_API_KEY as a secret input, and nothing without the key", () => {
    const studio = studioOn.docker();
    expect(env(studio).OPENAI_API_KEY).toBe("sk-test-openai");
    expect(studio.secretInputs.has("envs")).toBe(true);
    expect(podEnv(kubernetes, studioOn.kubernetes()).OPENAI_API_KEY).toBe("sk-test-openai");
  });
});
