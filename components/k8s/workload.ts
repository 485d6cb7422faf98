import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, ServiceName } from "../../config/services";
import { Settings } from "../../config/settings";
import { stopPolicy } from "../../config/stopPolicy";
import { Env, Healthcheck } from "../container";
import { PodVolumes, podVolumes } from "./podVolumes";

export type { WorkloadFile } from "./podVolumes";
import { probesFrom } from "./probes";

/**
 * The Kubernetes twin of `container.ts`: the one place for workload policy. Every service runs as
 * a Deployment (a StatefulSet where it owns its data) with its env in a Secret, memory requests
 * equal to limits from `config/memory.ts`, probes from the Docker healthcheck, a ClusterIP Service
 * named as the Docker alias and serving its port from `config/services.ts`, and a
 * PodDisruptionBudget when it has more than one pod.
 */

/** Labels every object of the stack carries; `app.kubernetes.io/*` as Kubernetes recommends. */
export function stackLabels(settings: Settings, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/instance": settings.stack,
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "ownstack",
  };
}

/** What selects a service's pods; also what NetworkPolicies match on. */
export const podSelector = (settings: Settings, service: string) => ({
  "app.kubernetes.io/instance": settings.stack,
  "app.kubernetes.io/name": service,
});

/**
 * The ports a service's pods serve, by name: `http` (what the others call) and, with Prometheus on,
 * `metrics` where config/services.ts puts its metrics on a port of their own (auth 9100, rest 3001,
 * kong 8100). ServiceMonitors name these.
 */
export function servicePorts(
  settings: Settings,
  service: ServiceName,
): { name: string; port: number }[] {
  const address: { port: number; metrics?: { port: number } } = ADDRESSES[service];
  const metrics = address.metrics?.port;
  return [
    { name: "http", port: address.port },
    ...(settings.features.prometheus && metrics !== undefined && metrics !== address.port
      ? [{ name: "metrics", port: metrics }]
      : []),
  ];
}

/** The Service port Prometheus scrapes a service on. */
export const metricsPortName = (settings: Settings, service: ServiceName): string =>
  servicePorts(settings, service).some((p) => p.name === "metrics") ? "metrics" : "http";

/** Docker's `K=V` env as Secret data: sorted, every value a string, the whole map secret. */
export function envSecretData(env: Env): pulumi.Output<Record<string, string>> {
  const keys = Object.keys(env).sort();
  return pulumi.secret(
    pulumi
      .all(keys.map((k) => pulumi.output(env[k]).apply(String)))
      .apply((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
  );
}

export interface WorkloadArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  /** Key into memory limits; also the Deployment's and the Service's name (the Docker alias). */
  readonly service: ServiceName;
  readonly image: pulumi.Input<string>;
  readonly replicas: number;
  readonly env: Env;
  readonly healthcheck: Healthcheck;
  /** Docker's `entrypoints` (Kubernetes `command`) and `command` (Kubernetes `args`). */
  readonly command?: pulumi.Input<string>[];
  readonly args?: pulumi.Input<string>[];
  readonly files?: PodVolumes["files"];
  readonly folder?: PodVolumes["folder"];
  /** The pod's security context, e.g. the fsGroup that lets a non-root server write its claim. */
  readonly podSecurityContext?: k8s.types.input.core.v1.PodSecurityContext;
  readonly hostAliases?: pulumi.Input<k8s.types.input.core.v1.HostAlias>[];
  /** Run before Kubernetes sends SIGTERM: a graceful stop the process takes on another signal. */
  readonly preStop?: string[];
  readonly data?: PodVolumes["data"];
  /**
   * A StatefulSet instead of a Deployment: a server that owns its data (Qdrant, Valkey, Ollama's
   * models), stopped before its successor starts, under the stable name of its Service.
   */
  readonly statefulSet?: boolean;
  /** Extended resources such as `nvidia.com/gpu`, requested and limited alike (the device plugin's). */
  readonly extendedResources?: Readonly<Record<string, number>>;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: k8s.types.input.core.v1.Toleration[];
}

/** A Supabase service: env Secret, Deployment (or StatefulSet), Service and (replicated) a PDB. */
export class Workload extends pulumi.ComponentResource {
  public readonly deployment?: k8s.apps.v1.Deployment;
  public readonly statefulSet?: k8s.apps.v1.StatefulSet;
  public readonly service: k8s.core.v1.Service;
  public readonly envSecret: k8s.core.v1.Secret;
  public readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
  /** The pods' name label, which NetworkPolicies select (components/k8s/edges.ts). */
  public readonly pod: ServiceName;

  constructor(name: string, args: WorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:Workload", name, {}, opts);
    const { settings, service, namespace } = args;
    this.pod = service;
    if (!(args.replicas >= 1))
      throw new Error(`${service}: replicas must be at least 1, got ${args.replicas}`);
    if (args.data && args.replicas !== 1)
      throw new Error(
        `${service}: a ReadWriteOnce claim holds one pod, got replicas ${args.replicas}`,
      );
    const labels = stackLabels(settings, service);
    // Objects are named as the Docker alias (postgres-exporter), which is a DNS label.
    const objectName = ADDRESSES[service].aliases[0];
    const selector = podSelector(settings, service);
    const memory = `${settings.memoryMiB[service]}Mi`;
    // Auto-named: a changed value makes a new Secret, the pod template points at it, and the
    // Deployment rolls (new pods ready before old ones stop) instead of keeping stale env.
    this.envSecret = new k8s.core.v1.Secret(
      `${name}-env`,
      { metadata: { namespace, labels }, type: "Opaque", stringData: envSecretData(args.env) },
      { parent: this, dependsOn: opts.dependsOn },
    );
    // The port the others call it on, from the address table (config/services.ts).
    const ports = servicePorts(settings, service);
    const extended = Object.fromEntries(
      Object.entries(args.extendedResources ?? {}).map(([k, n]) => [k, String(n)]),
    );
    const mounts = podVolumes(args);
    const template: k8s.types.input.core.v1.PodTemplateSpec = {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        // Service links would inject KONG_PORT=tcp://… and similar into every pod, which Kong
        // and others read as their own settings.
        enableServiceLinks: false,
        securityContext: args.podSecurityContext,
        hostAliases: args.hostAliases,
        nodeSelector: args.nodeSelector,
        tolerations: args.tolerations,
        // Kubernetes sends SIGTERM (after the preStop hook, if any), then SIGKILL after this
        // grace: the one the Docker stacks give (config/stopPolicy.ts).
        terminationGracePeriodSeconds: stopPolicy(service).graceSeconds,
        containers: [
          {
            name: objectName,
            image: args.image,
            command: args.command,
            args: args.args,
            envFrom: [{ secretRef: { name: this.envSecret.metadata.name } }],
            ports: ports.map((p) => ({
              name: p.name,
              containerPort: p.port,
              protocol: "TCP",
            })),
            resources: {
              requests: { memory, ...extended },
              limits: { memory, ...extended },
            },
            ...probesFrom(args.healthcheck),
            securityContext: { allowPrivilegeEscalation: false },
            lifecycle: args.preStop && { preStop: { exec: { command: args.preStop } } },
            volumeMounts: mounts.volumeMounts,
          },
        ],
        volumes: mounts.volumes,
      },
    };
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: objectName, namespace, labels },
        spec: {
          type: "ClusterIP",
          selector,
          ports: ports.map((p) => ({
            name: p.name,
            port: p.port,
            targetPort: p.name,
            protocol: "TCP",
          })),
        },
      },
      { parent: this, dependsOn: opts.dependsOn },
    );
    const metadata = { name: objectName, namespace, labels };
    if (args.statefulSet)
      this.statefulSet = new k8s.apps.v1.StatefulSet(
        name,
        {
          metadata,
          spec: {
            // The Service that names its pods; it must exist first.
            serviceName: this.service.metadata.name,
            replicas: args.replicas,
            selector: { matchLabels: selector },
            // One pod at a time, the old one gone before its successor mounts the claim.
            podManagementPolicy: "OrderedReady",
            updateStrategy: { type: "RollingUpdate" },
            template,
          },
        },
        { parent: this, dependsOn: opts.dependsOn },
      );
    else
      this.deployment = new k8s.apps.v1.Deployment(
        name,
        {
          metadata,
          spec: {
            replicas: args.replicas,
            selector: { matchLabels: selector },
            // A ReadWriteOnce claim attaches to one node: the old pod must go before the new one starts.
            strategy: args.data
              ? { type: "Recreate" }
              : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template,
          },
        },
        { parent: this, dependsOn: opts.dependsOn },
      );
    if (args.replicas > 1)
      this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: objectName, namespace, labels },
          spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
        { parent: this, dependsOn: opts.dependsOn },
      );
    this.registerOutputs({
      deployment: this.deployment?.metadata.name,
      statefulSet: this.statefulSet?.metadata.name,
      service: this.service.metadata.name,
    });
  }
}
