import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ANALYTICS_URL } from "./analytics";
import { ServiceArgs, containerName, serviceContainer } from "./container";
import {
  LOG_SOURCES,
  LogSource,
  TOKEN_ENV,
  VECTOR_API_ADDRESS,
  VECTOR_CONFIG_PATH,
  renderVectorYaml,
} from "./render/vector";

/**
 * Where Vector reads container logs: the Docker daemon's socket, read-only. With a remote Docker
 * host (vps, ssh://) the provider creates this container on the server, so the path is the
 * server's own socket: logs never cross the network and no Docker API port is opened.
 */
export const DOCKER_SOCKET = "/var/run/docker.sock";

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

/** Vector: collects this stack's container logs through the Docker API into analytics. */
export class Vector extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** The rendered vector.yml; it holds no secret (the token is an env reference). */
  public readonly config: string;

  constructor(name: string, args: VectorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:logs:Vector", name, {}, opts);
    const { settings } = args;
    this.config = renderVectorYaml({
      stack: settings.stack,
      containers: logSourceContainers(settings),
      self: containerName(settings, "vector"),
      analyticsUrl: ANALYTICS_URL,
    });
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "vector",
        image: settings.images.vector,
        network: args.network,
        env: { [TOKEN_ENV]: args.publicToken },
        command: ["--config", VECTOR_CONFIG_PATH],
        uploads: [{ file: VECTOR_CONFIG_PATH, content: this.config, permissions: "0644" }],
        volumes: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }],
        // Upstream sets this so SELinux hosts let the container open the socket.
        securityOpts: ["label=disable"],
        healthcheck: {
          tests: [
            "CMD",
            "wget",
            "--no-verbose",
            "--tries=1",
            "--spider",
            `http://${VECTOR_API_ADDRESS}/health`,
          ],
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}
