import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalAddress } from "../config/services";
import { ServiceArgs } from "./container";
import {
  DOCKER_PROXY_CFG_PATH,
  DOCKER_PROXY_SOCKET,
  renderDockerProxyCfg,
} from "./render/dockerProxy";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

/**
 * Where Vector and Traefik read the Docker API: the proxy on the private network. Both accept
 * `tcp://` for plain HTTP (Vector src/docker.rs, Traefik's providers.docker.endpoint).
 */
export const DOCKER_API_URL = `tcp://${internalAddress("dockerProxy")}`;

/** `_ping` through the proxy to the daemon: healthy only when the socket answers. */
export const DOCKER_PROXY_HEALTHCHECK = {
  tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.dockerProxy.port}/_ping`, "download"),
};

/**
 * The read-only Docker API proxy: HAProxy with the rendered haproxy.cfg (render/dockerProxy.ts),
 * the only container that mounts the daemon's socket (`settings.dockerSocket`, the server's own on
 * vps: with a remote Docker host the provider creates the container there). It publishes no port;
 * its edges (config/edges.ts) say who may reach it.
 */
export class DockerProxy extends ServiceComponent {
  /** The rendered haproxy.cfg. */
  public readonly config: string;

  constructor(name: string, args: ServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const config = renderDockerProxyCfg({
      bind: `:${ADDRESSES.dockerProxy.port}`,
      socket: DOCKER_PROXY_SOCKET,
    });
    super("ownstack:edge:DockerProxy", name, args, opts, {
      service: "dockerProxy",
      uploads: [{ file: DOCKER_PROXY_CFG_PATH, content: config, permissions: "0644" }],
      volumes: [
        {
          hostPath: args.settings.dockerSocket,
          containerPath: DOCKER_PROXY_SOCKET,
          readOnly: true,
        },
      ],
      // The socket is root:docker 0660 (root:root with Podman) and the image runs as haproxy
      // (uid 99): root opens it as its owner, so no capability is needed and all are dropped.
      user: "root",
      capabilities: { drops: ["ALL"] },
      // label=disable lets the container open the socket on SELinux hosts (upstream's Vector has
      // it for the same reason).
      securityOpts: ["label=disable", "no-new-privileges:true"],
      healthcheck: DOCKER_PROXY_HEALTHCHECK,
    });
    this.config = config;
  }
}
