import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, ServiceName } from "../../config/services";
import { DB_PORT } from "../database";
import { Settings } from "../../config/settings";
import { podSelector, stackLabels } from "./workload";

/**
 * Who may open a connection to whom, as data. Docker's private network lets every container reach
 * every other; here a default-deny policy closes the namespace and these rules open only the paths
 * the services use (the URLs in their env and in kong.yml). `ingress` is the ingress controller.
 */
export const ALLOWED_CALLERS: Readonly<Partial<Record<ServiceName, readonly string[]>>> = {
  // The only way in from outside the namespace, as Traefik is on vps; Studio calls the API too.
  kong: ["ingress", "studio"],
  auth: ["kong"],
  // Storage calls PostgREST for RLS checks (POSTGREST_URL).
  rest: ["kong", "storage"],
  realtime: ["kong"],
  storage: ["kong"],
  studio: ["kong"],
  meta: ["kong", "studio"],
};

/** The services with a DSN: every one here but the gateway. */
const DSN_SERVICES = ["auth", "meta", "realtime", "rest", "storage", "studio"];
/** Every pod that logs in to Postgres: the services with a DSN, and the Jobs. */
export const DATABASE_CLIENTS: readonly string[] = [
  ...DSN_SERVICES,
  "db-bootstrap",
  "migrations",
].sort();

export interface NetworkPoliciesArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  /** CNPG's instance pods; absent with a managed database outside the cluster. */
  readonly databasePods?: Record<string, string>;
}

/** The namespace's NetworkPolicies: deny by default, then one allow per row of the table. */
export class NetworkPolicies extends pulumi.ComponentResource {
  public readonly policies: k8s.networking.v1.NetworkPolicy[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:NetworkPolicies", name, {}, opts);
    const { settings, namespace } = args;
    const labels = stackLabels(settings, "network-policy");
    const policy = (id: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      this.policies.push(
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${id}`,
          { metadata: { name: id, namespace, labels }, spec },
          { parent: this, dependsOn: opts.dependsOn },
        ),
      );
    const peer = (caller: string): k8s.types.input.networking.v1.NetworkPolicyPeer =>
      caller === "ingress"
        ? {
            namespaceSelector: {
              matchLabels: { "kubernetes.io/metadata.name": settings.kubernetes.ingressNamespace },
            },
          }
        : { podSelector: { matchLabels: podSelector(settings, caller) } };

    policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
    for (const service of (Object.keys(ALLOWED_CALLERS) as ServiceName[]).sort()) {
      const from = ALLOWED_CALLERS[service] ?? [];
      const { port } = ADDRESSES[service];
      policy(`allow-to-${service}`, {
        podSelector: { matchLabels: podSelector(settings, service) },
        policyTypes: ["Ingress"],
        ingress: [{ from: [...from].sort().map(peer), ports: [{ port, protocol: "TCP" }] }],
      });
    }
    if (args.databasePods) {
      // CloudNativePG: the clients, the other instances (replication) and the operator (status, 8000).
      // https://cloudnative-pg.io/documentation/current/samples/networkpolicy-example.yaml
      policy("allow-to-db", {
        podSelector: { matchLabels: args.databasePods },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              ...DATABASE_CLIENTS.map(peer),
              { podSelector: { matchLabels: args.databasePods } },
            ],
            ports: [{ port: DB_PORT, protocol: "TCP" }],
          },
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: {
                    "kubernetes.io/metadata.name": settings.kubernetes.cnpg.operatorNamespace,
                  },
                },
              },
            ],
            ports: [
              { port: 8000, protocol: "TCP" },
              { port: DB_PORT, protocol: "TCP" },
            ],
          },
        ],
      });
    }
    this.registerOutputs({});
  }
}
