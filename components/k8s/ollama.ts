import * as pulumi from "@pulumi/pulumi";
import { GpuMode, gpuShape } from "../../config/gpu";
import { Settings } from "../../config/settings";
import {
  OLLAMA_HEALTHCHECK,
  OLLAMA_HOME,
  PULL_ENV,
  ollamaEnv,
  pullCommand,
  pulledModels,
} from "../ollama";
import { revisionOf } from "../revision";
import { dataClaim } from "./dataService";
import { RunToCompletion } from "./jobs";
import { Workload } from "./workload";

// A handful of models: an 8B model at Q4 is 4.9 GB (ollama.com/library/llama3.1:8b), a 3B one 2.0
// GB (ollama.com/library/llama3.2:3b), an embedding model under 0.3 GB (nomic-embed-text).
const OLLAMA_VOLUME = "30Gi";

// A model is a few GB from registry.ollama.ai; the pull Job may take an hour before it fails.
const PULL_DEADLINE_SECONDS = 3600;

/**
 * The extended resource each GPU mode asks the device plugin for: NVIDIA's
 * (github.com/NVIDIA/k8s-device-plugin) and AMD's (github.com/ROCm/k8s-device-plugin), which
 * also hand the pod the devices Docker passes by hand (--gpus, /dev/kfd and /dev/dri).
 */
const GPU_RESOURCE: Readonly<Record<GpuMode, string | undefined>> = {
  nvidia: "nvidia.com/gpu",
  amd: "amd.com/gpu",
  cpu: undefined,
};

/** The pull Job's name: a hash of the models, so a changed list is a new Job (Jobs are immutable). */
export const pullJobName = (models: readonly string[]): string =>
  `ollama-pull-${revisionOf({ models })}`;

export interface KubernetesOllamaArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
}

/**
 * Ollama as on Docker: the same image (the ROCm build for AMD), env and `ollama list` check, as a
 * one-pod StatefulSet whose models live on a protected claim. With ollamaGpu nvidia or amd the pod
 * requests ollamaGpuCount GPUs from the device plugin, on the nodes ollamaNodeSelector and
 * ollamaTolerations allow; with cpu it asks for none. `auto` is refused on kubernetes (config).
 */
export class KubernetesOllama extends pulumi.ComponentResource {
  public readonly workload: Workload;
  /** The Job that pulls `ollamaModels`; absent when the list is empty. */
  public readonly pull?: RunToCompletion;

  constructor(
    name: string,
    args: KubernetesOllamaArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Ollama", name, {}, opts);
    const { settings, namespace } = args;
    const child = { parent: this, dependsOn: opts.dependsOn };
    const base = { settings, namespace, service: "ollama" as const };
    // Settings refuse `auto` on kubernetes: the mode is one of the three.
    const mode = settings.ollama.gpu as GpuMode;
    const shape = gpuShape(mode, `set by ownstack:ollamaGpu=${mode}`);
    const placement = settings.kubernetes.ollama;
    const resource = GPU_RESOURCE[mode];
    pulumi.log.info(
      `ollama accelerator: ${resource ? `${placement.gpuCount} × ${resource}` : "cpu"} (${shape.reason})`,
      this,
    );
    const claim = dataClaim(`${name}-data`, base, OLLAMA_VOLUME, child);
    this.workload = new Workload(
      name,
      {
        ...base,
        image: settings.images[shape.image],
        replicas: 1,
        statefulSet: true,
        env: ollamaEnv(settings),
        healthcheck: OLLAMA_HEALTHCHECK,
        data: { claim, mounts: [{ path: OLLAMA_HOME, subPath: "ollama" }] },
        extendedResources: resource ? { [resource]: placement.gpuCount } : undefined,
        nodeSelector: Object.keys(placement.nodeSelector).length
          ? placement.nodeSelector
          : undefined,
        tolerations: placement.tolerations.length
          ? placement.tolerations.map((t) => ({ ...t }))
          : undefined,
      },
      child,
    );

    const models = pulledModels(settings);
    if (models.length > 0) {
      const jobName = pullJobName(models);
      pulumi.log.info(
        `ollama: pulling ${models.join(", ")}; follow with: kubectl logs -n ${settings.kubernetes.namespace} -f job/${jobName}`,
        this,
      );
      this.pull = new RunToCompletion(
        jobName,
        {
          settings,
          namespace,
          job: "ollama-pull",
          jobName,
          // The CLI only: the plain image, also for AMD, so no node pulls the ROCm build for it.
          image: settings.images.ollama,
          command: pullCommand(models),
          env: PULL_ENV,
          deadlineSeconds: PULL_DEADLINE_SECONDS,
        },
        // Created once the StatefulSet is ready, as Docker's job waits for the healthy server.
        { parent: this, dependsOn: [this.workload] },
      );
    }
    this.registerOutputs({ service: this.workload.service.metadata.name });
  }
}
