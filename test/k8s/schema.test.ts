import { beforeAll, describe, expect, it } from "vitest";
import { Plan } from "../plan/mocks";
import { evaluateK8s, kubernetesObjects } from "./harness";
import { CRDS, crdErrors, isCustom, manifest, validateBuiltIn } from "./validate";

/**
 * Every object the k8s stack renders, validated against the Kubernetes OpenAPI schema that the
 * pinned `kubernetes-models` package compiles (its 5.x line follows Kubernetes v1.36), and the
 * CloudNativePG and Barman Cloud objects against their CRDs' openAPIV3Schema (fixtures with their
 * source URL). The CRD check rejects unknown fields, as the API server's strict field validation does.
 */

describe("every rendered Kubernetes object is valid for its schema", () => {
  const plans: Record<string, Plan> = {};
  beforeAll(async () => {
    plans.cnpg = await evaluateK8s({ "ownstack:cnpgBackupPath": "s3://backups/ownstack" });
    plans.external = await evaluateK8s({
      "ownstack:database": "external",
      "ownstack:databaseUrl": "postgres://admin:pw@pg.example.net:5432/postgres",
    });
  });

  it.each(["cnpg", "external"])(
    "built-in kinds (%s database) pass the Kubernetes OpenAPI schema",
    async (name) => {
      const objects = kubernetesObjects(plans[name]).filter((r) => !isCustom(r));
      expect(objects.length).toBeGreaterThan(30);
      for (const r of objects)
        await expect(
          validateBuiltIn(r.type, manifest(r)),
          `${r.type} ${r.name}`,
        ).resolves.toBeUndefined();
    },
  );

  it("the CloudNativePG Cluster, ScheduledBackup and Barman ObjectStore pass their CRDs' schemas", () => {
    const custom = kubernetesObjects(plans.cnpg).filter(isCustom);
    expect(custom.map((r) => r.inputs.kind).sort()).toEqual([
      "Cluster",
      "ObjectStore",
      "ScheduledBackup",
    ]);
    for (const r of custom) expect(crdErrors(r.inputs), `${r.inputs.kind}`).toEqual([]);
  });

  it("the CRD fixtures name the release they come from", () => {
    for (const { source } of Object.values(CRDS))
      expect(source).toMatch(
        /^https:\/\/github\.com\/(cloudnative-pg\/[a-z-]+\/blob\/v\d+\.\d+\.\d+\/config\/crd\/bases|prometheus-operator\/prometheus-operator\/blob\/v\d+\.\d+\.\d+\/example\/prometheus-operator-crd)\//,
      );
  });

  describe("invalid fields fail", () => {
    it("a Deployment whose replicas is text", async () => {
      const deployment = kubernetesObjects(plans.cnpg).find(
        (r) => r.type === "kubernetes:apps/v1:Deployment",
      )!;
      const broken = manifest(deployment) as any;
      broken.spec = { ...broken.spec, replicas: "two" };
      await expect(validateBuiltIn(deployment.type, broken)).rejects.toThrow(/replicas/);
    });

    it("a container without a name, and a probe with a text period", async () => {
      const deployment = kubernetesObjects(plans.cnpg).find(
        (r) => r.type === "kubernetes:apps/v1:Deployment",
      )!;
      const broken = structuredClone(manifest(deployment)) as any;
      delete broken.spec.template.spec.containers[0].name;
      await expect(validateBuiltIn(deployment.type, broken)).rejects.toThrow(/name/);
      const slow = structuredClone(manifest(deployment)) as any;
      slow.spec.template.spec.containers[0].readinessProbe.periodSeconds = "5s";
      await expect(validateBuiltIn(deployment.type, slow)).rejects.toThrow(/periodSeconds/);
    });

    it("a Cluster with a misspelt field, and one with a wrong type", () => {
      const cluster = kubernetesObjects(plans.cnpg).find(
        (r) => r.inputs.kind === "Cluster",
      )!.inputs;
      expect(
        crdErrors({ ...cluster, spec: { ...cluster.spec, instancez: 3 } }).join("\n"),
      ).toContain("instancez");
      expect(
        crdErrors({ ...cluster, spec: { ...cluster.spec, instances: "three" } }).join("\n"),
      ).toContain("/spec/instances");
      expect(
        crdErrors({ ...cluster, spec: { ...cluster.spec, storage: { sise: "10Gi" } } }).join("\n"),
      ).toContain("sise");
    });

    it("a ScheduledBackup with an unknown method", () => {
      const backup = kubernetesObjects(plans.cnpg).find(
        (r) => r.inputs.kind === "ScheduledBackup",
      )!.inputs;
      expect(
        crdErrors({ ...backup, spec: { ...backup.spec, method: "tape" } }).join("\n"),
      ).toContain("/spec/method");
    });
  });
});
