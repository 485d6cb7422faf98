import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { Plan, PlannedResource } from "../plan/mocks";
import { evaluateK8s, kubernetesObjects } from "./harness";

/**
 * Every object the k8s stack renders, validated against the Kubernetes OpenAPI schema that the
 * pinned `kubernetes-models` package compiles (its 5.x line follows Kubernetes v1.36), and the
 * CloudNativePG and Barman Cloud objects against their CRDs' openAPIV3Schema (fixtures with their
 * source URL). The CRD check rejects unknown fields, as the API server's strict field validation does.
 */

/** Built-in kinds by their type token, each with the kubernetes-models module that validates it. */
const MODELS: Record<string, { apiVersion: string; module: string }> = {
  "kubernetes:core/v1:Namespace": { apiVersion: "v1", module: "kubernetes-models/v1/Namespace" },
  "kubernetes:core/v1:Secret": { apiVersion: "v1", module: "kubernetes-models/v1/Secret" },
  "kubernetes:core/v1:ConfigMap": { apiVersion: "v1", module: "kubernetes-models/v1/ConfigMap" },
  "kubernetes:core/v1:Service": { apiVersion: "v1", module: "kubernetes-models/v1/Service" },
  "kubernetes:core/v1:PersistentVolumeClaim": {
    apiVersion: "v1",
    module: "kubernetes-models/v1/PersistentVolumeClaim",
  },
  "kubernetes:apps/v1:Deployment": {
    apiVersion: "apps/v1",
    module: "kubernetes-models/apps/v1/Deployment",
  },
  "kubernetes:batch/v1:Job": { apiVersion: "batch/v1", module: "kubernetes-models/batch/v1/Job" },
  "kubernetes:policy/v1:PodDisruptionBudget": {
    apiVersion: "policy/v1",
    module: "kubernetes-models/policy/v1/PodDisruptionBudget",
  },
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": {
    apiVersion: "networking.k8s.io/v1",
    module: "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  },
  "kubernetes:networking.k8s.io/v1:Ingress": {
    apiVersion: "networking.k8s.io/v1",
    module: "kubernetes-models/networking.k8s.io/v1/Ingress",
  },
};

type Model = new (data: Record<string, unknown>) => { validate(): void };

async function modelFor(type: string): Promise<Model> {
  const entry = MODELS[type];
  if (!entry) throw new Error(`no schema registered for ${type}; add it to MODELS`);
  const kind = type.slice(type.lastIndexOf(":") + 1);
  return (await import(/* @vite-ignore */ entry.module))[kind] as Model;
}

/** The object as it is sent to the API server: inputs plus apiVersion and kind. */
function manifest(r: PlannedResource): Record<string, unknown> {
  const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
  return { apiVersion: MODELS[r.type]?.apiVersion ?? r.inputs.apiVersion, kind, ...r.inputs };
}

async function validateBuiltIn(type: string, object: Record<string, unknown>): Promise<void> {
  const Model = await modelFor(type);
  new Model(object).validate();
}

/** A CRD's structural schema made strict: properties not in the schema are errors. */
function strict(schema: any): any {
  if (!schema || typeof schema !== "object") return schema;
  const out: any = Array.isArray(schema)
    ? schema.map(strict)
    : Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strict(v)]));
  if (
    !Array.isArray(schema) &&
    schema.type === "object" &&
    schema.properties &&
    !schema["x-kubernetes-preserve-unknown-fields"] &&
    schema.additionalProperties === undefined
  )
    out.additionalProperties = false;
  return out;
}

// The OpenAPI formats the CRDs use, checked as the API server checks them (integer ranges, RFC 3339).
const integerIn = (bits: number) => ({
  type: "number" as const,
  validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** (bits - 1),
});
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  formats: {
    int32: integerIn(32),
    int64: integerIn(64),
    "date-time": (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s),
  },
});
// Kubernetes' OpenAPI extensions: accepted as annotations, as the API server reads them.
for (const k of [
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-validations",
  "x-kubernetes-map-type",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
])
  ajv.addKeyword(k);
const crd = (file: string) => {
  const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", file), "utf8"));
  return {
    source: fixture.source as string,
    kind: fixture.kind as string,
    validate: ajv.compile(strict(fixture.openAPIV3Schema)),
  };
};
const CRDS = {
  "postgresql.cnpg.io/v1:Cluster": crd("cnpg-cluster.v1.30.0.json"),
  "postgresql.cnpg.io/v1:ScheduledBackup": crd("cnpg-scheduledbackup.v1.30.0.json"),
  "barmancloud.cnpg.io/v1:ObjectStore": crd("barman-objectstore.v0.14.0.json"),
};

function crdErrors(object: Record<string, any>): string[] {
  const schema = CRDS[`${object.apiVersion}:${object.kind}` as keyof typeof CRDS];
  if (!schema) return [`no CRD schema for ${object.apiVersion} ${object.kind}`];
  // metadata is the API server's ObjectMeta, outside the CRD's schema.
  const { metadata: _metadata, ...rest } = object;
  return schema.validate({ ...rest, metadata: {} })
    ? []
    : (schema.validate.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      );
}

const isCustom = (r: PlannedResource) =>
  r.inputs.apiVersion !== undefined && /cnpg\.io\//.test(r.inputs.apiVersion);

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
        /^https:\/\/github\.com\/cloudnative-pg\/[a-z-]+\/blob\/v\d+\.\d+\.\d+\/config\/crd\/bases\//,
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
