import * as pulumi from "@pulumi/pulumi";
import { GpuDecision } from "../config/gpu";
import { internalUrl, reachableUrl } from "../config/services";
import { Settings } from "../config/settings";
import { Env, Healthcheck, ServiceArgs, containerName, oneShotContainer } from "./container";
import { OneShotJob } from "./jobGates";
import { ServiceComponent } from "./serviceComponent";

export interface OllamaArgs extends ServiceArgs {
  /** From `detectOllamaGpu`: the mode, why, and the container shape it needs. */
  readonly gpu: pulumi.Input<GpuDecision>;
}

const OLLAMA_URL = internalUrl("ollama");

/**
 * Pulls each model in turn against the running server. `ollama pull` skips layers it already has,
 * so a re-run costs a manifest check per model; its progress lines go to the job's log.
 */
export const PULL_SCRIPT =
  'for model in "$@"; do echo "pulling $model"; ollama pull "$model"; done';

/** The models the pull job fetches, sorted so that a reorder is never a new job. */
export const pulledModels = (settings: Settings): string[] => [...settings.ollama.models].sort();

/**
 * The pull job's command: model names are validated (no shell syntax) and passed as arguments,
 * never spliced in. Its env is PULL_ENV: the CLI asks the server at OLLAMA_HOST.
 */
export const pullCommand = (models: readonly string[]): string[] => [
  "/bin/sh",
  "-ec",
  PULL_SCRIPT,
  "ollama-pull",
  ...models,
];
export const PULL_ENV: Env = { OLLAMA_HOST: OLLAMA_URL };

/** The server's env on every target. */
export const ollamaEnv = (settings: Settings): Env => ({
  OLLAMA_KEEP_ALIVE: settings.ollama.keepAlive,
});

/** The server's home: its models (models/) and key pair (ollama docs/faq.md, "Where are models stored?"). */
export const OLLAMA_HOME = "/root/.ollama";

// The image has no curl; the CLI asks the server it runs beside (OLLAMA_HOST=0.0.0.0:11434).
export const OLLAMA_HEALTHCHECK: Healthcheck = {
  tests: ["CMD", "ollama", "list"],
  interval: "10s",
  startPeriod: "10s",
};

/**
 * Ollama with the accelerator the GPU decision picked: `--gpus all` for NVIDIA, the ROCm image with
 * /dev/kfd and /dev/dri for AMD, plain CPU otherwise. The API has no authentication, so it is
 * published on 127.0.0.1 locally and never on vps.
 */
export class Ollama extends ServiceComponent {
  public readonly modelsVolume = this.volume("ollama-models");
  /** The one-shot job that pulls `ollamaModels`; absent when the list is empty. */
  public readonly pullModels?: OneShotJob;
  public readonly url: string;

  constructor(name: string, args: OllamaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:ai:Ollama", name, args, opts);
    const { settings } = args;
    const gpu = pulumi.output(args.gpu);
    // Logged on every preview and update, so a user sees why the GPU was (not) used.
    gpu.apply((d) => pulumi.log.info(`ollama accelerator: ${d.mode} (${d.reason})`, this));
    const image = gpu.apply((d) => settings.images[d.image]);

    this.url = reachableUrl(settings, "ollama");
    this.serve({
      service: "ollama",
      image,
      env: ollamaEnv(settings),
      volumes: [{ volumeName: this.modelsVolume.name, containerPath: OLLAMA_HOME }],
      gpus: gpu.apply((d) => d.gpus as string),
      devices: gpu.apply((d) => d.devices.map((dev) => ({ ...dev }))),
      healthcheck: OLLAMA_HEALTHCHECK,
    });

    const models = pulledModels(settings);
    if (models.length > 0) {
      pulumi.log.info(
        `ollama: pulling ${models.join(", ")}; follow with: docker logs -f ${containerName(settings, "ollama-pull")}`,
        this,
      );
      this.pullModels = oneShotContainer(
        `${name}-pull-models`,
        {
          settings,
          job: "ollama-pull",
          image,
          network: args.network,
          entrypoints: pullCommand(models),
          env: PULL_ENV,
        },
        // Created only once the server is healthy (serviceContainer waits for it).
        { parent: this, dependsOn: [this.container] },
      );
      this.pullModels.container.containerLogs.apply(
        (logs) => logs && pulumi.log.info(`ollama-pull: ${pullSummary(logs)}`, this),
      );
    }
    this.registerOutputs({ container: this.container.id, url: this.url });
  }
}

/** The pull job's log without its progress bars: one "pulling <model>" / "success" line each. */
export function pullSummary(logs: string): string {
  const plain = logs.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/[\r\n]+/);
  return plain
    .map((l) => l.trim())
    .filter((l) => /^pulling [^\s]+$|^success$|^Error/.test(l) && !/^pulling manifest$/.test(l))
    .join("; ");
}
