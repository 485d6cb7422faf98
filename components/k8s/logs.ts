import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../../config/services";
import { Settings } from "../../config/settings";
import { stopPolicy } from "../../config/stopPolicy";
import { ANALYTICS_HEALTHCHECK, ANALYTICS_URL, analyticsEnv } from "../analytics";
import { Secrets } from "../secrets";
import { TOKEN_ENV, VECTOR_CONFIG_PATH, renderKubernetesVectorYaml } from "../render/vector";
import { VECTOR_HEALTHCHECK } from "../vector";
import { probesFrom } from "./probes";
import { KubernetesDatabase } from "./database";
import { Workload, podSelector, stackLabels } from "./workload";

/** Where the kubelet writes every container's stdout and stderr (kubernetes_logs reads it). */
export const POD_LOGS = "/var/log/pods";
/** The agent's read positions, one folder per stack namespace on each node (the chart's /var/lib/vector). */
export const vectorDataDir = (namespace: string): string => `/var/lib/vector/${namespace}`;

export interface KubernetesLogsArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly secrets: Secrets;
  /** Where Logflare stores its sources and the logs (`_supabase`); CNPG's pods when in the cluster. */
  readonly db: KubernetesDatabase;
}

/**
 * The log stack behind Studio's Logs Explorer on kubernetes, as `logs: true` gives it on Docker:
 * Logflare with the Docker env (a Deployment), and Vector as a DaemonSet, the Vector Helm chart's
 * Agent role (vectordotdev/helm-charts charts/vector/templates/_pod.tpl, rbac.yaml): on each node it
 * reads this namespace's pod logs from /var/log/pods (hostPath, read-only), shapes them with the
 * Docker pipeline (components/render/vector.ts) and posts them to Logflare. Listing the pods it
 * tails needs a ClusterRole (the source watches pods by node, across the API's cluster scope).
 */
export class KubernetesLogs extends pulumi.ComponentResource {
  public readonly analytics: Workload;
  public readonly agent: k8s.apps.v1.DaemonSet;
  /** The agent pods' name label, which NetworkPolicies select (components/k8s/edges.ts). */
  public readonly agentPod = "vector";
  /** The rendered vector.yml; it holds no secret (the token is an env reference). */
  public readonly vectorConfig: string;

  constructor(name: string, args: KubernetesLogsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:Logs", name, {}, opts);
    const { settings, namespace, secrets } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    this.analytics = new Workload(
      "analytics",
      {
        settings,
        namespace,
        service: "analytics",
        image: settings.images.analytics,
        // One Logflare per stack, as on Docker: it migrates its schema when it starts.
        replicas: 1,
        env: analyticsEnv({
          postgresPassword: secrets.postgresPassword,
          publicToken: secrets.logflarePublicToken,
          privateToken: secrets.logflarePrivateToken,
          db: args.db.endpoint,
        }),
        healthcheck: ANALYTICS_HEALTHCHECK,
      },
      child,
    );

    const labels = stackLabels(settings, this.agentPod);
    const objectName = ADDRESSES.vector.aliases[0];
    // Cluster-scoped objects share one name space across stacks: the namespace tells them apart.
    const clusterName = `${settings.kubernetes.namespace}-vector`;
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-vector-account`,
      { metadata: { name: objectName, namespace, labels } },
      child,
    );
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-vector-role`,
      {
        metadata: { name: clusterName, labels },
        // What the kubernetes_logs source reads, and no more (the chart's rbac.yaml).
        rules: [
          { apiGroups: [""], resources: ["namespaces", "nodes", "pods"], verbs: ["list", "watch"] },
        ],
      },
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-vector-binding`,
      {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterName },
        subjects: [{ kind: "ServiceAccount", name: objectName, namespace }],
      },
      { ...child, dependsOn: [role, account] },
    );
    const dataDir = vectorDataDir(settings.kubernetes.namespace);
    this.vectorConfig = renderKubernetesVectorYaml({
      namespace: settings.kubernetes.namespace,
      dataDir,
      analyticsUrl: ANALYTICS_URL,
    });
    // Auto-named, as the Workload's env Secret: a changed file is a new object and a rollout.
    const config = new k8s.core.v1.ConfigMap(
      `${name}-vector-config`,
      { metadata: { namespace, labels }, data: { "vector.yml": this.vectorConfig } },
      child,
    );
    const token = new k8s.core.v1.Secret(
      `${name}-vector-env`,
      {
        metadata: { namespace, labels },
        type: "Opaque",
        stringData: { [TOKEN_ENV]: secrets.logflarePublicToken },
      },
      child,
    );
    const memory = `${settings.memoryMiB.vector}Mi`;
    this.agent = new k8s.apps.v1.DaemonSet(
      `${name}-vector`,
      {
        metadata: { name: objectName, namespace, labels },
        spec: {
          selector: { matchLabels: podSelector(settings, this.agentPod) },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: account.metadata.name,
              // The one pod of the stack that talks to the API server (its pod watch).
              automountServiceAccountToken: true,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: stopPolicy("vector").graceSeconds,
              containers: [
                {
                  name: objectName,
                  image: settings.images.vector,
                  args: ["--config", VECTOR_CONFIG_PATH],
                  env: [
                    // The source's default field selector: only the pods on this agent's node.
                    {
                      name: "VECTOR_SELF_NODE_NAME",
                      valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } },
                    },
                    {
                      name: TOKEN_ENV,
                      valueFrom: { secretKeyRef: { name: token.metadata.name, key: TOKEN_ENV } },
                    },
                  ],
                  resources: { requests: { memory }, limits: { memory } },
                  ...probesFrom(VECTOR_HEALTHCHECK),
                  securityContext: { allowPrivilegeEscalation: false },
                  volumeMounts: [
                    {
                      name: "config",
                      mountPath: VECTOR_CONFIG_PATH,
                      subPath: "vector.yml",
                      readOnly: true,
                    },
                    { name: "pod-logs", mountPath: POD_LOGS, readOnly: true },
                    { name: "data", mountPath: dataDir },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "pod-logs", hostPath: { path: POD_LOGS, type: "Directory" } },
                { name: "data", hostPath: { path: dataDir, type: "DirectoryOrCreate" } },
              ],
            },
          },
        },
      },
      { ...child, dependsOn: [this.analytics] },
    );

    this.registerOutputs({ analytics: this.analytics.service.metadata.name });
  }
}
