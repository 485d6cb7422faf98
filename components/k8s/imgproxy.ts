import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { IMGPROXY_HEALTHCHECK, imgproxyEnv } from "../imgproxy";
import { Workload } from "./workload";

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
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
