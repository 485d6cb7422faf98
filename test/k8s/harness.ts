import { Plan, PlannedResource, evaluate } from "../plan/mocks";
import { K8S_CONFIG } from "../support/stacks";

// The k8s tests' one import for their stack; it lives in support/ so `npm run bench`, which
// cannot load vitest, evaluates the same config.
export { K8S_CONFIG };

export const evaluateK8s = (config: Record<string, string> = {}): Promise<Plan> =>
  evaluate({ ...K8S_CONFIG, ...config }, "k8s");

export const kubernetesObjects = (plan: Plan) =>
  plan.resources.filter(
    (r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"),
  );

export const ofKind = (plan: Plan, kind: string) =>
  plan.resources.filter((r) => r.type.endsWith(`:${kind}`) && r.type.startsWith("kubernetes:"));

/** A named object of one kind, by `metadata.name` (which the mocks fill in for auto-named ones). */
export function named(plan: Plan, kind: string, name: string): PlannedResource {
  const found = ofKind(plan, kind).find((r) => r.inputs.metadata?.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name}; have: ${ofKind(plan, kind)
        .map((r) => r.inputs.metadata?.name)
        .join(", ")}`,
    );
  return found;
}

/** A custom resource (CNPG, Barman Cloud) by kind. */
export const customResources = (plan: Plan, kind: string) =>
  plan.resources.filter(
    (r) =>
      r.type.startsWith("kubernetes:") &&
      r.inputs.kind === kind &&
      r.inputs.apiVersion !== undefined &&
      !r.type.startsWith("kubernetes:core"),
  );

/** The env a Deployment's pods get: the Secret its container's envFrom names. */
export function podEnv(plan: Plan, deployment: PlannedResource): Record<string, string> {
  const container = deployment.inputs.spec.template.spec.containers[0];
  const secretName = container.envFrom[0].secretRef.name;
  const secret = ofKind(plan, "Secret").find(
    (s) => s.name === secretName.replace(/-[a-z0-9]{8}$/, ""),
  );
  if (!secret) throw new Error(`no Secret ${secretName} for ${deployment.name}`);
  return secret.inputs.stringData;
}
