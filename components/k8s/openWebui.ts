import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, publicHost } from "../../config/services";
import { Settings } from "../../config/settings";
import { DbEndpoint } from "../database";
import { OPEN_WEBUI_DATA, OPEN_WEBUI_HEALTHCHECK, openWebuiEnv } from "../openWebui";
import { dataClaim } from "./dataService";
import { publicIngress } from "./ingress";
import { Workload, stackLabels } from "./workload";

// Uploads and the embedding model Open WebUI downloads at its first start (sentence-transformers'
// all-MiniLM-L6-v2 by default, under 100 MB); documents' vectors live in Qdrant.
const OPEN_WEBUI_VOLUME = "5Gi";

export interface KubernetesOpenWebuiArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly db: DbEndpoint;
  readonly secretKey: pulumi.Input<string>;
  readonly dbPassword: pulumi.Input<string>;
  readonly qdrantApiKey: pulumi.Input<string>;
  readonly adminPassword: pulumi.Input<string>;
}

/**
 * Open WebUI as on Docker: the same image, env (its own openwebui database, Qdrant, Ollama, the
 * admin from secrets) and /health check, its data folder on a protected claim, at
 * https://chat.<domain> through an Ingress with the stack's ClusterIssuer. One pod: a new version
 * migrates its database at start, and two instances would need Redis for their sessions (as the
 * delete-first replacement on vps, config/rollout.ts); the claim makes the Deployment Recreate.
 */
export class KubernetesOpenWebui extends pulumi.ComponentResource {
  public readonly workload: Workload;
  public readonly ingress: k8s.networking.v1.Ingress;

  constructor(
    name: string,
    args: KubernetesOpenWebuiArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:OpenWebui", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const base = { settings, namespace, service: "openWebui" as const };
    const claim = dataClaim(`${name}-data`, base, OPEN_WEBUI_VOLUME, child);
    this.workload = new Workload(
      name,
      {
        ...base,
        image: settings.images.openWebui,
        replicas: 1,
        env: openWebuiEnv(args),
        healthcheck: OPEN_WEBUI_HEALTHCHECK,
        data: { claim, mounts: [{ path: OPEN_WEBUI_DATA, subPath: "data" }] },
      },
      child,
    );
    const host = publicHost(settings, ADDRESSES.openWebui.subdomains[0]);
    // An Ingress of its own, so that the gateway's rules and certificate stay as they are.
    this.ingress = publicIngress(
      settings,
      `${name}-ingress`,
      {
        name: "openwebui",
        namespace,
        component: "openWebui",
        hosts: [host],
        tlsSecret: "openwebui-tls",
      },
      { service: this.workload.service, port: ADDRESSES.openWebui.port },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
