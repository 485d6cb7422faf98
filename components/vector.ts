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
import { DOCKER_SOCKET_MOUNT, ServiceComponent, wgetCheck } from "./serviceComponent";

/** Where Vector reads container logs: on vps the server's own, so logs never cross the network. */

export interface VectorArgs extends ServiceArgs {
  /** Logflare's ingest token, read by Vector from its environment. */
  readonly publicToken: pulumi.Input<string>;
  /** analytics: Vector ships to it, so it starts once Logflare is healthy (upstream's order). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
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

/** Vector: collects this stack's container logs through the Docker API into analytics. */
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
    });
    super("ownstack:logs:Vector", name, args, opts, {
      service: "vector",
      env: { [TOKEN_ENV]: args.publicToken },
      command: ["--config", VECTOR_CONFIG_PATH],
      uploads: [{ file: VECTOR_CONFIG_PATH, content: config, permissions: "0644" }],
      volumes: [DOCKER_SOCKET_MOUNT],
      // Upstream sets this so SELinux hosts let the container open the socket.
      securityOpts: ["label=disable"],
      healthcheck: VECTOR_HEALTHCHECK,
    });
    this.config = config;
  }
}
