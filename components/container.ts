import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PortBinding, bindingsFor, exposureViolations } from "../config/exposure";
import { JOB_MEMORY_MIB } from "../config/memory";
import { ServiceName } from "../config/services";
import { rollsOut } from "../config/rollout";
import { JOB_STOP, StopPolicy, stopPolicy } from "../config/stopPolicy";
import { Settings } from "../config/settings";
import { OneShotJob, gateLabels, jobGate, withJobs } from "./jobGates";
import { StackNetworks } from "./network";
import { revisionName } from "./revision";

/**
 * The one place for shared container policy: image pinning, restart, memory limit, healthcheck,
 * network alias, labels, sorted env and the published-port rule. Every component builds its
 * containers through `serviceContainer` or `oneShotContainer`.
 */

export type Env = Record<string, pulumi.Input<string | number | boolean>>;

export interface Healthcheck {
  readonly tests: string[];
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly startPeriod?: string;
}

export interface ServiceContainerArgs {
  readonly settings: Settings;
  /** Key into memory limits and the exposure policy. */
  readonly service: ServiceName;
  /** Pinned image reference, normally `settings.images[...]`; an Output when the GPU probe picks it. */
  readonly image: pulumi.Input<string>;
  /** The stack's networks; the container joins its edge pairs' (config/networks.ts). */
  readonly network: StackNetworks;
  readonly env?: Env;
  readonly healthcheck: Healthcheck;
  readonly command?: pulumi.Input<string>[];
  readonly entrypoints?: pulumi.Input<string>[];
  readonly volumes?: docker.types.input.ContainerVolume[];
  readonly uploads?: pulumi.Input<docker.types.input.ContainerUpload[]>;
  readonly labels?: Record<string, pulumi.Input<string>>;
  readonly hostname?: string;
  readonly user?: string;
  readonly devices?: pulumi.Input<pulumi.Input<docker.types.input.ContainerDevice>[]>;
  readonly gpus?: pulumi.Input<string>;
  readonly securityOpts?: string[];
  /** Linux capabilities to add or drop (`drops: ["ALL"]` for a process that needs none). */
  readonly capabilities?: docker.types.input.ContainerCapabilities;
  /** Seconds `pulumi up` waits for the healthcheck at create; default DEFAULT_WAIT_SECONDS. */
  readonly waitTimeout?: number;
  /** One-shot jobs that must have exited 0 before this container is created. */
  readonly after?: readonly OneShotJob[];
}

export const containerName = (settings: Settings, service: string): string =>
  `${settings.prefix}-${service}`;

/** Sorted `K=V` list, so that a reorder is never a diff and never replaces a container. */
export function envList(env: Env): pulumi.Output<string[]> {
  const keys = Object.keys(env).sort();
  return pulumi.all(keys.map((k) => pulumi.interpolate`${k}=${env[k]}`));
}

function labelList(
  settings: Settings,
  service: string,
  extra: Record<string, pulumi.Input<string>> = {},
) {
  const all: Record<string, pulumi.Input<string>> = {
    "ownstack.stack": settings.stack,
    "ownstack.service": service,
    ...extra,
  };
  return Object.keys(all)
    .sort()
    .map((label) => ({ label, value: all[label] }));
}

/** Pulls a pinned image; kept locally on destroy so a re-create needs no download. */
export function pinnedImage(
  name: string,
  image: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): docker.RemoteImage {
  return new docker.RemoteImage(`${name}-image`, { name: image, keepLocally: true }, opts);
}

/** Applies the exposure policy; throws before the container is declared if the plan breaks it. */
export function publishedPorts(
  settings: Settings,
  service: ServiceName,
): docker.types.input.ContainerPort[] {
  const bindings: PortBinding[] = bindingsFor(settings, service);
  const violations = exposureViolations(settings.target, bindings);
  if (violations.length > 0) throw new Error(`Exposure policy violated: ${violations.join("; ")}`);
  return bindings.map((b) => ({
    internal: b.internal,
    external: b.external,
    ip: b.ip,
    protocol: "tcp",
  }));
}

/** Upstream's usual healthcheck timings (supabase/supabase docker/docker-compose.yml). */
export const HEALTHCHECK_DEFAULTS = {
  interval: "5s",
  timeout: "5s",
  retries: 3,
  startPeriod: "10s",
} as const;

/** Seconds `pulumi up` waits for a container's first healthy report unless it says otherwise. */
export const DEFAULT_WAIT_SECONDS = 90;

export function healthcheckInput(h: Healthcheck): docker.types.input.ContainerHealthcheck {
  return {
    tests: h.tests,
    interval: h.interval ?? HEALTHCHECK_DEFAULTS.interval,
    timeout: h.timeout ?? HEALTHCHECK_DEFAULTS.timeout,
    retries: h.retries ?? HEALTHCHECK_DEFAULTS.retries,
    startPeriod: h.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod,
  };
}

/**
 * The stop signal and grace for `docker stop`, a daemon shutdown and the provider's delete on
 * replace or destroy (config/stopPolicy.ts). The provider stops a container before removing it
 * only with destroyGraceSeconds set, and never an attached one (jobs).
 */
export function stopInputs(policy: StopPolicy) {
  return {
    stopSignal: policy.signal,
    stopTimeout: policy.graceSeconds,
    destroyGraceSeconds: policy.graceSeconds,
  };
}

export function serviceContainer(
  name: string,
  args: ServiceContainerArgs,
  opts: pulumi.CustomResourceOptions,
): docker.Container {
  const { settings, service } = args;
  const image = pinnedImage(name, args.image, { parent: opts.parent, provider: opts.provider });
  const rolling = rollsOut(settings, service);
  const inputs: Omit<docker.ContainerArgs, "name"> = {
    image: image.imageId,
    hostname: args.hostname,
    envs: args.env ? envList(args.env) : undefined,
    command: args.command,
    entrypoints: args.entrypoints,
    user: args.user,
    restart: "unless-stopped",
    memory: settings.memoryMiB[service],
    // Swap equal to memory means no swap: the limit is the most the container can hold, as
    // the README budget says, not twice that with the excess paged to disk.
    memorySwap: settings.memoryMiB[service],
    healthcheck: healthcheckInput(args.healthcheck),
    // Ordered start: dependents are created only once this container reports healthy.
    wait: true,
    waitTimeout: args.waitTimeout ?? DEFAULT_WAIT_SECONDS,
    networksAdvanced: args.network.joins(service),
    ports: publishedPorts(settings, service),
    volumes: args.volumes,
    uploads: args.uploads,
    devices: args.devices,
    gpus: args.gpus,
    securityOpts: args.securityOpts,
    capabilities: args.capabilities,
    labels: labelList(settings, service, { ...args.labels, ...gateLabels(args.after ?? []) }),
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    ...stopInputs(stopPolicy(service)),
  };
  const fixedName = containerName(settings, service);
  return new docker.Container(
    name,
    { ...inputs, name: rolling ? revisionName(fixedName, inputs) : fixedName },
    {
      ...opts,
      // Fixed names and host ports: the old container must go before its replacement starts
      // (pulumi-docker#1356). A rolling service (config/rollout.ts) has neither on vps: its new
      // revision starts, turns healthy and shares the aliases and routes before the old one is
      // stopped with its grace. Healthcheck edits are never applied in place, so they replace.
      deleteBeforeReplace: !rolling,
      replaceOnChanges: ["healthcheck"],
      // The provider reads back networkMode "bridge" and would replace every container on every
      // up (pulumi-docker#1272); we never set it.
      ignoreChanges: ["networkMode"],
      dependsOn: withJobs(opts.dependsOn, args.after ?? []),
    },
  );
}

export interface OneShotArgs {
  readonly settings: Settings;
  readonly job: string;
  readonly image: pulumi.Input<string>;
  readonly network: StackNetworks;
  readonly entrypoints?: pulumi.Input<string>[];
  readonly command?: pulumi.Input<string>[];
  readonly env?: Env;
  /** Files copied in before the start; a content change replaces the job, so it runs again. */
  readonly uploads?: pulumi.Input<docker.types.input.ContainerUpload[]>;
  readonly volumes?: docker.types.input.ContainerVolume[];
}

/** A job in no edge (a copy into a volume) gets no network, not Docker's default bridge. */
const jobNetworks = (joins: docker.types.input.ContainerNetworksAdvanced[]) =>
  joins.length > 0 ? { networksAdvanced: joins } : { networkMode: "none" };

/**
 * A run-to-completion step (compose's `service_completed_successfully`): `attach` makes
 * `pulumi up` wait for the exit, and a non-zero exit fails the update.
 */
export function oneShotContainer(
  name: string,
  args: OneShotArgs,
  opts: pulumi.CustomResourceOptions,
): OneShotJob {
  const image = pinnedImage(name, args.image, { parent: opts.parent, provider: opts.provider });
  const container = new docker.Container(
    name,
    {
      name: containerName(args.settings, args.job),
      image: image.imageId,
      entrypoints: args.entrypoints,
      command: args.command,
      envs: args.env ? envList(args.env) : undefined,
      uploads: args.uploads,
      volumes: args.volumes,
      attach: true,
      logs: true,
      mustRun: false,
      restart: "no",
      memory: JOB_MEMORY_MIB,
      memorySwap: JOB_MEMORY_MIB,
      ...jobNetworks(args.network.joins(args.job)),
      labels: labelList(args.settings, args.job, { "ownstack.job": "true" }),
      ...stopInputs(JOB_STOP),
    },
    { ...opts, deleteBeforeReplace: true, ignoreChanges: ["networkMode"] },
  );
  return {
    name: args.job,
    container,
    gate: jobGate(container, containerName(args.settings, args.job)),
  };
}

/** A named volume that survives `pulumi destroy` and refuses deletion while protected. */
export function dataVolume(
  settings: Settings,
  purpose: string,
  opts: pulumi.CustomResourceOptions,
): docker.Volume {
  return new docker.Volume(
    `${settings.prefix}-${purpose}`,
    {
      name: `${settings.prefix}-${purpose}`,
      labels: [
        { label: "ownstack.stack", value: settings.stack },
        { label: "ownstack.data", value: "true" },
      ],
    },
    { ...opts, protect: true, retainOnDelete: true },
  );
}

/** A volume that holds only what can be rebuilt (a cache, a copied runtime): neither protected nor kept. */
export function scratchVolume(
  settings: Settings,
  name: string,
  purpose: string,
  opts: pulumi.CustomResourceOptions,
): docker.Volume {
  return new docker.Volume(
    name,
    {
      name: `${settings.prefix}-${purpose}`,
      labels: [{ label: "ownstack.stack", value: settings.stack }],
    },
    opts,
  );
}

/** What every service component receives besides its own inputs. */
export interface ServiceArgs {
  readonly settings: Settings;
  readonly network: StackNetworks;
}
