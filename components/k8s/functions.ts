import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import {
  FUNCTIONS_COMMAND,
  FUNCTIONS_HEALTHCHECK,
  FUNCTIONS_ROOT,
  FunctionsEnvArgs,
  functionFiles,
  functionNames,
  functionsEnv,
} from "../functions";
import { Secrets } from "../secrets";
import { SigningKeys } from "../signingKeys";
import { SourceFile } from "../../config/sourceFiles";
import { Workload, stackLabels } from "./workload";

/**
 * A ConfigMap key per file: keys may hold only `-._a-zA-Z0-9`, so the path is flattened and
 * numbered; the volume item puts each key back at its path below the functions root.
 */
export function functionItems(files: readonly SourceFile[]): { key: string; path: string }[] {
  return files.map((f, i) => ({
    key: `${String(i).padStart(4, "0")}.${f.path.replace(/[^-._a-zA-Z0-9]/g, "_")}`.slice(0, 253),
    path: f.path,
  }));
}

export interface KubernetesFunctionsArgs extends Omit<
  FunctionsEnvArgs,
  "settings" | "anonKey" | "serviceRoleKey"
> {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly secrets: Secrets;
  readonly signing?: SigningKeys;
}

/**
 * Edge Functions on kubernetes: the same edge-runtime, command, env and router as on Docker, with
 * the project's functions folder (ownstack's router added when it has none) in a ConfigMap mounted
 * read-only at the functions root. A changed file is a new ConfigMap and a rollout. Unlike Docker,
 * where Studio and the runtime share one volume, Studio's Edge Functions editor writes to its own
 * claim: functions deploy from the project folder with `pulumi up`.
 */
export class KubernetesFunctions extends pulumi.ComponentResource {
  public readonly workload: Workload;
  public readonly names: readonly string[];

  constructor(
    name: string,
    args: KubernetesFunctionsArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Functions", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const files = functionFiles(settings);
    this.names = functionNames(files);
    const items = functionItems(files);
    const code = new k8s.core.v1.ConfigMap(
      `${name}-code`,
      {
        metadata: { namespace, labels: stackLabels(settings, "functions") },
        // binaryData: a function folder may hold more than UTF-8 text (wasm, images).
        binaryData: Object.fromEntries(
          files.map((f, i) => [items[i].key, f.content.toString("base64")]),
        ),
      },
      child,
    );
    this.workload = new Workload(
      name,
      {
        settings,
        namespace,
        service: "functions",
        image: settings.images.functions,
        replicas: 1,
        args: FUNCTIONS_COMMAND,
        env: functionsEnv({
          ...args,
          anonKey: args.secrets.anonKey,
          serviceRoleKey: args.secrets.serviceRoleKey,
          jwks: args.signing?.jwks,
          publishableKey: args.signing?.publishableKey,
          secretKey: args.signing?.secretKey,
        }),
        healthcheck: FUNCTIONS_HEALTHCHECK,
        folder: { path: FUNCTIONS_ROOT, configMap: code, items },
      },
      child,
    );
    this.registerOutputs({ names: this.names });
  }
}
