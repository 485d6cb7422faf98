import { ALL_LOGIN_ROLES } from "./roles";
import { DEFAULT_DOCKER_SOCKET, type RawSettings } from "./schema";
import { DEFAULT_NETWORK_POOL } from "./networkPool";
import { notOnKubernetes } from "./notOnKubernetes";
import {
  KubernetesMonitoring,
  kubernetesMonitoring,
  monitoringProblems,
} from "./kubernetesMonitoring";
import { KubernetesOllama, kubernetesOllama, ollamaPlacementProblems } from "./kubernetesOllama";

/**
 * The `target: kubernetes` part of the settings: cluster, database engine, ingress, object storage
 * and replica counts. Pure, like the rest of config/: the program and the tests call it directly.
 */

/** Tiers whose replica count `ownstack:replicas` may set: the stateless tiers run two pods by default. */
const TWO_PODS = ["auth", "kong", "rest", "storage"] as const;
// Realtime: more than one needs Erlang clustering (DNS_NODES on a headless Service), which the
// Docker stacks leave off; one pod keeps presence and broadcast on one node. Studio and
// postgres-meta are operator tools; one pod each, as upstream's chart.
const ONE_POD = ["realtime", "studio", "meta"] as const;
export type ReplicaTier = (typeof TWO_PODS)[number] | (typeof ONE_POD)[number];
/** The default replica count of each tier. */
export const REPLICA_DEFAULTS = Object.fromEntries([
  ...TWO_PODS.map((tier) => [tier, 2]),
  ...ONE_POD.map((tier) => [tier, 1]),
]) as Readonly<Record<ReplicaTier, number>>;
const TIERS = Object.keys(REPLICA_DEFAULTS) as ReplicaTier[];

/** Tiers that stay at one pod whatever the config says, and why. */
const SINGLE_POD: Partial<Record<ReplicaTier, string>> = {
  realtime:
    "Realtime needs Erlang clustering for more than one pod, which ownstack does not set up yet",
};

export interface KubernetesSettings {
  /** kubeconfig context; empty means the current one. */
  readonly context: string;
  readonly namespace: string;
  readonly replicas: Readonly<Record<ReplicaTier, number>>;
  /** IngressClass name; empty means the cluster's default class. */
  readonly ingressClass: string;
  /** Namespace of the ingress controller: the only one whose pods may reach the gateway. */
  readonly ingressNamespace: string;
  readonly clusterIssuer: string;
  readonly database: "cnpg" | "external";
  readonly cnpg: Readonly<{
    instances: number;
    storageSize: string;
    operatorNamespace: string;
    backupPath: string;
    backupRetention: string;
  }>;
  readonly s3: Readonly<{ endpoint: string; region: string; forcePathStyle: boolean }>;
  readonly monitoring: KubernetesMonitoring;
  /** Ollama's GPUs and the nodes it may run on. */
  readonly ollama: KubernetesOllama;
}

const key = (k: string) => `ownstack:${k}`;

/** Services ownstack does not run on kubernetes yet; a true toggle names the key. */
const NOT_ON_KUBERNETES = ["mailpit", "supavisor"] as const;

/** Reads the kubernetes keys; pushes one problem per bad or missing key. */
export function kubernetesSettings(
  c: RawSettings,
  rawConfig: Readonly<Record<string, string>>,
  stack: string,
  problems: string[],
): KubernetesSettings {
  const replicas: Record<ReplicaTier, number> = { ...REPLICA_DEFAULTS };
  c.replicas.forEach((entry, i) => {
    const [tier, count] = entry.split("=", 2);
    const n = Number(count);
    if (!(TIERS as string[]).includes(tier))
      problems.push(
        `${key(`replicas[${i}]`)}: unknown tier "${tier}", expected one of: ${TIERS.join(", ")}`,
      );
    else if (!(n >= 1 && n <= 20))
      problems.push(`${key(`replicas[${i}]`)}: expected a count between 1 and 20, got "${count}"`);
    else if (SINGLE_POD[tier as ReplicaTier] && n !== 1)
      problems.push(
        `${key(`replicas[${i}]`)}: ${SINGLE_POD[tier as ReplicaTier]}; expected ${tier}=1`,
      );
    else replicas[tier as ReplicaTier] = n;
  });
  if (c.target === "kubernetes") problems.push(...kubernetesProblems(c, rawConfig));
  else problems.push(...dockerOnlyProblems(c, rawConfig));
  // `auto` is off on kubernetes (settings.ts resolveToggle): only an explicit true turns it on.
  problems.push(...monitoringProblems(c, c.prometheus === true));
  problems.push(...ollamaPlacementProblems(c));
  return {
    context: c.kubeContext,
    namespace: c.namespace !== "" ? c.namespace : `ownstack-${stack}`,
    replicas,
    ingressClass: c.ingressClass,
    ingressNamespace: c.ingressNamespace,
    clusterIssuer: c.clusterIssuer,
    database: c.database,
    cnpg: {
      instances: c.cnpgInstances,
      storageSize: c.cnpgStorageSize,
      operatorNamespace: c.cnpgOperatorNamespace,
      backupPath: c.cnpgBackupPath,
      backupRetention: c.cnpgBackupRetention,
    },
    s3: { endpoint: c.s3Endpoint, region: c.s3Region, forcePathStyle: c.s3ForcePathStyle },
    monitoring: kubernetesMonitoring(c),
    ollama: kubernetesOllama(c),
  };
}

/** Cross-key checks of a kubernetes stack, every problem at once. */
export function kubernetesProblems(
  c: RawSettings,
  rawConfig: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  const set = (k: string) => (rawConfig[key(k)] ?? "") !== "";
  if (c.domain === "")
    out.push(
      `${key("domain")}: required on kubernetes, expected a bare domain such as example.com (api.<domain> and studio.<domain> go to the Ingress)`,
    );
  if (c.clusterIssuer === "")
    out.push(
      `${key("clusterIssuer")}: required on kubernetes, expected the name of a cert-manager ClusterIssuer such as letsencrypt-prod`,
    );
  if (c.dockerHost !== "")
    out.push(
      `${key("dockerHost")}: there is no Docker host on kubernetes; remove it (the cluster is chosen by ${key("kubeContext")})`,
    );
  // The CLI passes Pulumi.yaml's default as config, so only another value is the user's.
  const setOtherThan = (k: string, fallback: string) => set(k) && rawConfig[key(k)] !== fallback;
  if (setOtherThan("dockerSocket", DEFAULT_DOCKER_SOCKET))
    out.push(
      `${key("dockerSocket")}: there is no Docker socket on kubernetes; remove it (Vector reads pod logs from the nodes there)`,
    );
  if (setOtherThan("networkPool", DEFAULT_NETWORK_POOL))
    out.push(
      `${key("networkPool")}: there are no Docker networks on kubernetes; remove it (the NetworkPolicies come from the same edge table)`,
    );
  if (c.insecureHttp)
    out.push(
      `${key("insecureHttp")}: plain-HTTP exposure is refused on kubernetes; remove it so the Ingress serves HTTPS only`,
    );
  if (c.storageBackend !== "s3")
    out.push(
      `${key("storageBackend")}: MinIO and the file backend do not carry over to kubernetes, expected s3 with ${key("s3Endpoint")} and the S3 credentials set`,
    );
  if (c.s3Endpoint === "")
    out.push(
      `${key("s3Endpoint")}: required on kubernetes, expected the S3 service's URL such as https://s3.eu-central-1.amazonaws.com`,
    );
  for (const k of ["s3AccessKeyId", "s3SecretAccessKey"])
    if (!set(k))
      out.push(
        `${key(k)}: required on kubernetes, expected a secret: pulumi config set --secret ${k} <value>`,
      );
  if (c.database === "external" && !set("databaseUrl"))
    out.push(
      `${key("databaseUrl")}: required with ${key("database")}: external, expected a secret postgres://user:password@host:5432/postgres`,
    );
  if (
    c.database === "external" &&
    set("databaseUrl") &&
    !/^postgres(ql)?:\/\/[^\s@/]+@[^\s/:]+(:\d+)?\/[^\s?/]+(\?\S*)?$/.test(
      rawConfig[key("databaseUrl")],
    )
  )
    // The value is a secret: the message describes the form, never echoes it.
    out.push(
      `${key("databaseUrl")}: expected postgres://user:password@host:5432/database (the value is not shown: it is a secret)`,
    );
  const adminUser = /^postgres(?:ql)?:\/\/([^:@/]+)/.exec(rawConfig[key("databaseUrl")] ?? "")?.[1];
  if (
    c.database === "external" &&
    adminUser !== undefined &&
    (ALL_LOGIN_ROLES as readonly string[]).includes(adminUser)
  )
    out.push(
      `${key("databaseUrl")}: the admin role must not be one of Supabase's login roles (${adminUser}): ownstack sets their passwords; expected another admin such as the provider's master user`,
    );
  if (c.database === "cnpg" && set("databaseUrl"))
    out.push(
      `${key("databaseUrl")}: only read with ${key("database")}: external; remove it or set database to external`,
    );
  if (c.database === "external" && c.cnpgBackupPath !== "")
    out.push(
      `${key("cnpgBackupPath")}: backups of an external database are its provider's job; remove it or set ${key("database")}: cnpg`,
    );
  if (c.mailpit !== true && c.smtpHost === "")
    out.push(
      `${key("smtpHost")}: required on kubernetes so sign-up mails reach users, expected a host such as smtp.example.com`,
    );
  if (c.smtpHost !== "" && c.smtpAdminEmail === "")
    out.push(
      `${key("smtpAdminEmail")}: required on kubernetes as the sender of auth mails, expected an e-mail address such as no-reply@example.com`,
    );
  for (const k of NOT_ON_KUBERNETES) if (c[k] === true) out.push(notOnKubernetes(key(k), k));
  return out;
}

/** Keys that only mean something on kubernetes, refused elsewhere so a typo of target is caught. */
function dockerOnlyProblems(c: RawSettings, rawConfig: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  if (c.storageBackend === "s3")
    out.push(
      `${key("storageBackend")}: s3 is for target kubernetes; on ${c.target} expected minio or file`,
    );
  for (const k of ["databaseUrl", "s3AccessKeyId", "s3SecretAccessKey"])
    if ((rawConfig[key(k)] ?? "") !== "")
      out.push(`${key(k)}: only read on target kubernetes; remove it from the ${c.target} stack`);
  return out;
}
