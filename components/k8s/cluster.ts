import * as k8s from "@pulumi/kubernetes";
import { Settings } from "../../config/settings";
import { stackLabels } from "./workload";

/**
 * The one explicit provider every kubernetes resource uses: the kubeconfig context from
 * `ownstack:kubeContext` (empty: the current one). Secrets stay immutable (the default), so a
 * changed Secret is a new object and the Deployments that read it roll.
 */
export function kubernetesProvider(settings: Settings): k8s.Provider {
  const { context, namespace } = settings.kubernetes;
  return new k8s.Provider("kubernetes", {
    context: context !== "" ? context : undefined,
    namespace,
  });
}

/** The stack's namespace; every object of the stack lives in it. */
export function stackNamespace(settings: Settings, provider: k8s.Provider): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    "namespace",
    {
      metadata: { name: settings.kubernetes.namespace, labels: stackLabels(settings, "namespace") },
    },
    // Deleting the namespace deletes the database volumes in it.
    { provider, protect: settings.kubernetes.database === "cnpg" },
  );
}
