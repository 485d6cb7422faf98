import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { PlannedResource } from "../plan/mocks";

/**
 * Schema checks for rendered Kubernetes objects: built-in kinds against the Kubernetes OpenAPI
 * schema that the pinned `kubernetes-models` package compiles, custom resources against their
 * CRDs' openAPIV3Schema (fixtures with their source URL), made strict as the API server's field
 * validation is.
 */

/** Built-in kinds by their type token, each with the kubernetes-models module that validates it. */
export const MODELS: Record<string, { apiVersion: string; module: string }> = {
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
  "kubernetes:apps/v1:StatefulSet": {
    apiVersion: "apps/v1",
    module: "kubernetes-models/apps/v1/StatefulSet",
  },
  "kubernetes:apps/v1:DaemonSet": {
    apiVersion: "apps/v1",
    module: "kubernetes-models/apps/v1/DaemonSet",
  },
  "kubernetes:core/v1:ServiceAccount": {
    apiVersion: "v1",
    module: "kubernetes-models/v1/ServiceAccount",
  },
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": {
    apiVersion: "rbac.authorization.k8s.io/v1",
    module: "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole",
  },
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": {
    apiVersion: "rbac.authorization.k8s.io/v1",
    module: "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding",
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
export function manifest(r: PlannedResource): Record<string, unknown> {
  const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
  return { apiVersion: MODELS[r.type]?.apiVersion ?? r.inputs.apiVersion, kind, ...r.inputs };
}

export async function validateBuiltIn(
  type: string,
  object: Record<string, unknown>,
): Promise<void> {
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
/**
 * The API server matches `pattern` with Go's RE2, whose inline `(?i)` JavaScript lacks: a pattern
 * that opens with it (prometheus-operator's `^(?i)(abort|warn)?$`) becomes the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const inline = /^(\^?)\(\?i\)/.exec(pattern);
    return inline
      ? new RegExp(inline[1] + pattern.slice(inline[0].length), `${flags}i`)
      : new RegExp(pattern, flags);
  },
  { code: "goRegExp" },
);
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  code: { regExp: goRegExp },
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
export const CRDS = {
  "postgresql.cnpg.io/v1:Cluster": crd("cnpg-cluster.v1.30.0.json"),
  "postgresql.cnpg.io/v1:ScheduledBackup": crd("cnpg-scheduledbackup.v1.30.0.json"),
  "barmancloud.cnpg.io/v1:ObjectStore": crd("barman-objectstore.v0.14.0.json"),
  "monitoring.coreos.com/v1:ServiceMonitor": crd("prometheus-operator-servicemonitor.v0.93.0.json"),
  "monitoring.coreos.com/v1:PrometheusRule": crd("prometheus-operator-prometheusrule.v0.93.0.json"),
};

export function crdErrors(object: Record<string, any>): string[] {
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

/** A custom resource: one of the CRDs above, validated by crdErrors instead of kubernetes-models. */
export const isCustom = (r: PlannedResource) =>
  r.inputs.apiVersion !== undefined &&
  /(cnpg\.io|monitoring\.coreos\.com)\//.test(r.inputs.apiVersion);
