import * as pulumi from "@pulumi/pulumi";
import { ANALYTICS_URL } from "./analytics";
import { Healthcheck, ServiceArgs, containerName } from "./container";
import {
  LOG_SOURCES,
  LogSource,
  TOKEN_ENV,
  VECTOR_API_ADDRESS,
  VECTOR_CONFIG_PATH,
  renderVectorYaml,
} from "./render/vector";
import { DOCKER_API_URL, DockerProxy } from "./dockerProxy";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

export interface VectorArgs extends ServiceArgs {
  /** Logflare's ingest token, read by Vector from its environment. */
  readonly publicToken: pulumi.Input<string>;
  /** analytics: Vector ships to it, so it starts once Logflare is healthy (upstream's order). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** Where Vector lists and follows the containers; it starts once the proxy is healthy. */
  readonly dockerProxy: DockerProxy;
}

/** The container names Docker reports for the services whose logs Studio shows. */
export function logSourceContainers(settings: ServiceArgs["settings"]): Record<LogSource, string> {
  return Object.fromEntries(
    (Object.keys(LOG_SOURCES) as LogSource[]).map((s) => [s, containerName(settings, s)]),
  ) as Record<LogSource, string>;
}

/** Vector's API answers on loopback only (render/vector.ts): the check runs inside the container. */
export const VECTOR_HEALTHCHECK: Healthcheck = {
  tests: wgetCheck(`http://${VECTOR_API_ADDRESS}/health`),
};

/**
 * Vector: collects this stack's container logs through the read-only Docker API proxy into
 * analytics. On vps the proxy runs on the server, so logs never cross the network.
 */
export class Vector extends ServiceComponent {
  /** The rendered vector.yml; it holds no secret (the token is an env reference). */
  public readonly config: string;

  constructor(name: string, args: VectorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { settings } = args;
    const config = renderVectorYaml({
      stack: settings.stack,
      containers: logSourceContainers(settings),
      self: containerName(settings, "vector"),
      analyticsUrl: ANALYTICS_URL,
      dockerHost: DOCKER_API_URL,
    });
    const dependsOn = [...args.dependsOn, args.dockerProxy.container];
    super("ownstack:logs:Vector", name, { ...args, dependsOn }, opts, {
      service: "vector",
      env: { [TOKEN_ENV]: args.publicToken },
      command: ["--config", VECTOR_CONFIG_PATH],
      uploads: [{ file: VECTOR_CONFIG_PATH, content: config, permissions: "0644" }],
      healthcheck: VECTOR_HEALTHCHECK,
    });
    this.config = config;
  }
}
