import { beforeAll, describe, expect, it } from "vitest";
import { Plan, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { K8S_CONFIG, evaluateK8s, named, podEnv } from "./harness";

/**
 * One source of truth for each service's env: the Kubernetes pods get exactly what the Docker
 * containers get for the same settings, except the addresses that differ by runtime. With
 * CloudNativePG even the database address is the same (`db:5432`, a Service on the primary).
 */

/** Keys that hold an address or a credential of the runtime's object store, per service. */
const ADDRESSES: Record<string, readonly string[]> = {
  storage: [
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "GLOBAL_S3_ENDPOINT",
    "GLOBAL_S3_FORCE_PATH_STYLE",
    "GLOBAL_S3_PROTOCOL",
    "REGION",
  ],
};

const SERVICES = ["auth", "kong", "meta", "realtime", "rest", "storage", "studio"] as const;

describe("the env each service gets on Kubernetes equals its env on Docker, except addresses", () => {
  let docker: Plan;
  let kubernetes: Plan;
  beforeAll(async () => {
    // The vps target with the same domain and SMTP, under the same stack name (Studio's project name).
    docker = await evaluate(VPS_CONFIG, "k8s");
    kubernetes = await evaluateK8s();
  });

  it("the two configs share every setting the env reads", () => {
    for (const key of [
      "ownstack:domain",
      "ownstack:smtpHost",
      "ownstack:smtpUser",
      "ownstack:smtpAdminEmail",
      "ownstack:smtpPass",
    ])
      expect(K8S_CONFIG[key], key).toBe(VPS_CONFIG[key]);
  });

  it.each(SERVICES)("%s", (service) => {
    const onDocker = env(container(docker, service));
    const onKubernetes = podEnv(kubernetes, named(kubernetes, "Deployment", service));
    const skip = new Set(ADDRESSES[service] ?? []);
    const strip = (e: Record<string, string>) =>
      Object.fromEntries(Object.entries(e).filter(([k]) => !skip.has(k)));
    expect(Object.keys(onDocker).length).toBeGreaterThan(5);
    expect(strip(onKubernetes)).toEqual(strip(onDocker));
    // The address keys exist on both sides: only their values differ.
    for (const key of skip)
      expect([key in onDocker, key in onKubernetes], key).toEqual([true, true]);
  });

  const AI = { "ownstack:ollama": "true", "ownstack:ollamaGpu": "cpu", "ownstack:qdrant": "true" };
  it.each([
    ["ollama", "StatefulSet", AI],
    ["openWebui", "Deployment", { ...AI, "ownstack:openWebui": "true" }],
  ] as const)("%s (a %s)", async (service, kind, config) => {
    const onDocker = env(container(await evaluate({ ...VPS_CONFIG, ...config }, "k8s"), service));
    const onKubernetes = await evaluateK8s(config);
    const alias = service === "openWebui" ? "openwebui" : service;
    expect(Object.keys(onDocker).length).toBeGreaterThan(0);
    expect(podEnv(onKubernetes, named(onKubernetes, kind, alias))).toEqual(onDocker);
  });

  it("Storage's object store is MinIO on Docker and the configured S3 service on Kubernetes", () => {
    const onKubernetes = podEnv(kubernetes, named(kubernetes, "Deployment", "storage"));
    expect(onKubernetes).toMatchObject({
      STORAGE_BACKEND: "s3",
      GLOBAL_S3_ENDPOINT: "https://s3.eu-central-1.amazonaws.com",
      GLOBAL_S3_PROTOCOL: "https",
      GLOBAL_S3_FORCE_PATH_STYLE: "false",
      AWS_DEFAULT_REGION: "eu-central-1",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    });
    expect(env(container(docker, "storage")).GLOBAL_S3_ENDPOINT).toBe("http://minio:9000");
  });
});
