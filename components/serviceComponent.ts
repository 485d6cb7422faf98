import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageKey } from "../config/images";
import type { ServiceName } from "../config/serviceNames";
import { ServiceArgs, ServiceContainerArgs, dataVolume, serviceContainer } from "./container";
import { OneShotJob } from "./jobGates";

/** What every service component takes: settings, the network, and what its container waits for. */
export interface ServiceComponentArgs extends ServiceArgs {
  /** Resources the container is created after (for most, the database). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** One-shot jobs that must have exited 0 before the container is created. */
  readonly after?: readonly OneShotJob[];
}

/** A service's image is its pin in settings.images, unless the spec names another. */
type PinnedImage =
  | { readonly service: ServiceName & ImageKey; readonly image?: pulumi.Input<string> }
  | { readonly service: ServiceName; readonly image: pulumi.Input<string> };

/** The container's own inputs: the component's args supply the settings and the network. */
export type ServiceSpec = Omit<ServiceContainerArgs, "settings" | "network" | "service" | "image"> &
  PinnedImage;

/**
 * The shape every Docker service component shares. Its container is `<name>-container`, a child
 * of the component on `args.network`, created after `args.dependsOn` and `args.after`, from the
 * image pinned for its service. A component that runs nothing else hands its spec to the
 * constructor, which also registers the container as its output; one that owns volumes or jobs
 * declares them as children first, then calls `serve` and registers its outputs itself.
 */
export class ServiceComponent extends pulumi.ComponentResource {
  private served?: { readonly container: docker.Container };

  constructor(
    type: string,
    private readonly componentName: string,
    private readonly serviceArgs: ServiceComponentArgs,
    opts: pulumi.ComponentResourceOptions = {},
    spec?: ServiceSpec,
  ) {
    super(type, componentName, {}, opts);
    if (spec) {
      this.serve(spec);
      this.registerOutputs({ container: this.container.id });
    }
  }

  /** The service's container (declared by the constructor's spec or by `serve`). */
  get container(): docker.Container {
    return this.servedOrThrow().container;
  }

  /**
   * The container's name on the Docker host, for `docker exec` by scripts (backup, rotation); a
   * rolling service's carries its revision (config/rollout.ts).
   */
  get containerName(): pulumi.Output<string> {
    return this.servedOrThrow().container.name;
  }

  /** Declares the service's container; `dependsOn` replaces the one in the component's args. */
  protected serve(spec: ServiceSpec, dependsOn = this.serviceArgs.dependsOn): docker.Container {
    const { settings, network, after } = this.serviceArgs;
    const container = serviceContainer(
      `${this.componentName}-container`,
      {
        settings,
        network,
        after,
        ...spec,
        image: spec.image ?? settings.images[spec.service as ImageKey],
      },
      { parent: this, dependsOn },
    );
    this.served = { container };
    return container;
  }

  private servedOrThrow(): NonNullable<ServiceComponent["served"]> {
    if (!this.served) throw new Error(`${this.componentName}: container read before serve()`);
    return this.served;
  }

  /** A data volume of this component: protected, and kept on `pulumi destroy`. */
  protected volume(purpose: string): docker.Volume {
    return dataVolume(this.serviceArgs.settings, purpose, { parent: this });
  }
}

/**
 * wget forms of an HTTP healthcheck: `spider` is upstream's (supabase/supabase
 * docker/docker-compose.yml, `wget --no-verbose --tries=1 --spider`); `download` fetches the body
 * into /dev/null.
 */
const WGET_FLAGS = {
  spider: ["--no-verbose", "--tries=1", "--spider"],
  download: ["-q", "-O", "/dev/null"],
} as const;

/** A healthcheck test that passes when `url` answers without an error status, asked with wget. */
export function wgetCheck(url: string, form: keyof typeof WGET_FLAGS = "spider"): string[] {
  return ["CMD", "wget", ...WGET_FLAGS[form], url];
}
