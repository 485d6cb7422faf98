import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../../config/services";
import { Settings } from "../../config/settings";
import { IMGPROXY_HEALTHCHECK, imgproxyEnv } from "../imgproxy";
import { Workload, podSelector, stackLabels } from "./workload";

export interface KubernetesImgproxyArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
}

/**
 * imgproxy for Storage's image transformations, as on Docker: Storage (the S3 backend on
 * kubernetes) hands it a presigned URL of the object, which imgproxy fetches from the S3 service;
 * it reads no volume. Only Storage is let in to it.
 */
export class KubernetesImgproxy extends pulumi.ComponentResource {
  public readonly workload: Workload;

  constructor(
    name: string,
    args: KubernetesImgproxyArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Imgproxy", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    this.workload = new Workload(
      name,
      {
        settings,
        namespace,
        service: "imgproxy",
        image: settings.images.imgproxy,
        replicas: 1,
        env: imgproxyEnv(settings),
        healthcheck: IMGPROXY_HEALTHCHECK,
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-to-imgproxy`,
      {
        metadata: {
          name: "allow-storage-to-imgproxy",
          namespace,
          labels: stackLabels(settings, "network-policy"),
        },
        spec: {
          podSelector: { matchLabels: podSelector(settings, "imgproxy") },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: podSelector(settings, "storage") } }],
              ports: [{ port: ADDRESSES.imgproxy.port, protocol: "TCP" }],
            },
          ],
        },
      },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
