import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import {
  MAIL_TEMPLATES_HEALTHCHECK,
  mailTemplateContents,
  mailTemplateFile,
  mailTemplatesConfig,
} from "../mailTemplates";
import { MAIL_TEMPLATES_CFG_PATH } from "../render/mailTemplates";
import { Workload, stackLabels } from "./workload";

export interface KubernetesMailTemplatesArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
}

/**
 * The mail template server on kubernetes: the same HAProxy and haproxy.cfg as on Docker, with the
 * config and the project's template files in one ConfigMap mounted read-only. A changed file is a
 * new ConfigMap and a rollout; GoTrue's env names each body's digest, so it rolls too.
 */
export class KubernetesMailTemplates extends pulumi.ComponentResource {
  public readonly workload: Workload;

  constructor(
    name: string,
    args: KubernetesMailTemplatesArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:MailTemplates", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const templates = mailTemplateContents(settings);
    const files = new k8s.core.v1.ConfigMap(
      `${name}-files`,
      {
        metadata: { namespace, labels: stackLabels(settings, "mailTemplates") },
        data: { "haproxy.cfg": mailTemplatesConfig(templates) },
        // binaryData: the bytes as they are in the project, whatever their encoding.
        binaryData: Object.fromEntries(
          templates.map((t) => [`${t.type}.html`, t.content.toString("base64")]),
        ),
      },
      child,
    );
    this.workload = new Workload(
      name,
      {
        settings,
        namespace,
        service: "mailTemplates",
        image: settings.images.mailTemplates,
        replicas: 1,
        env: {},
        healthcheck: MAIL_TEMPLATES_HEALTHCHECK,
        files: [
          { path: MAIL_TEMPLATES_CFG_PATH, configMap: files, key: "haproxy.cfg" },
          ...templates.map((t) => ({
            path: mailTemplateFile(t.type),
            configMap: files,
            key: `${t.type}.html`,
          })),
        ],
      },
      child,
    );
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
