import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, ServiceAddress, ServiceName, publicHost } from "../config/services";
import { pairNetworkName } from "../config/networks";
import { ServiceArgs } from "./container";
import { DOCKER_API_URL, DockerProxy } from "./dockerProxy";
import { ACME_STORAGE, routeLabels, traefikFlags } from "./render/traefik";
import { ServiceComponent } from "./serviceComponent";

export interface TraefikArgs extends ServiceArgs {
  /** Open the :8082 metrics entrypoint on the private network for Prometheus. */
  readonly metrics?: boolean;
  /** Where the Docker provider reads the containers' labels; Traefik starts once it is healthy. */
  readonly dockerProxy: DockerProxy;
}

/**
 * The vps edge: the only container that publishes host ports (80 and 443). It routes by Docker
 * labels on our network only, read through the read-only Docker API proxy, and keeps Let's Encrypt
 * state in a volume; its dashboard is off.
 */
export class Traefik extends ServiceComponent {
  /**
   * Traefik creates acme.json itself with mode 0600 and refuses a looser one; a volume keeps
   * certificates across re-creates, so renewals do not hit Let's Encrypt rate limits.
   */
  public readonly acmeVolume = this.volume("traefik-acme");

  constructor(name: string, args: TraefikArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(
      "ownstack:edge:Traefik",
      name,
      { ...args, dependsOn: [args.dockerProxy.container] },
      opts,
    );
    const { stack, vps } = args.settings;
    this.serve({
      service: "traefik",
      command: traefikFlags({
        stack,
        acmeEmail: vps.acmeEmail,
        acmeChallenge: vps.acmeChallenge,
        acmeStaging: vps.acmeStaging,
        metrics: args.metrics ?? false,
        dockerEndpoint: DOCKER_API_URL,
      }),
      volumes: [
        {
          volumeName: this.acmeVolume.name,
          containerPath: ACME_STORAGE.slice(0, ACME_STORAGE.lastIndexOf("/")),
        },
      ],
      securityOpts: ["no-new-privileges:true"],
      healthcheck: { tests: ["CMD", "traefik", "healthcheck", "--ping"] },
    });
    this.registerOutputs({ container: this.container.id });
  }
}

/**
 * Traefik labels that route a service's public hosts (its subdomains in config/services.ts) to its
 * port on vps; none on local, where nothing is routed. `basicAuthUser` puts the hosts behind basic
 * auth: a bcrypt line of the dashboard password, a secret, so the labels become one too.
 */
export function publicHostLabels(
  settings: ServiceArgs["settings"],
  service: ServiceName,
  basicAuthUser?: pulumi.Input<string>,
): Record<string, pulumi.Input<string>> | undefined {
  if (settings.target !== "vps") return undefined;
  const { port, subdomains } = ADDRESSES[service] as ServiceAddress;
  const hosts = (subdomains ?? []).map((sub) => ({
    name: `${settings.prefix}-${sub}`,
    host: publicHost(settings, sub),
    port,
  }));
  const labels: Record<string, pulumi.Input<string>> = routeLabels(
    // Traefik reaches each routed service on their pair network (config/networks.ts).
    pairNetworkName(settings.prefix, "traefik", service),
    hosts.map((h) => ({ ...h, basicAuthUser: basicAuthUser ? "__auth__" : undefined })),
  );
  for (const h of hosts)
    if (basicAuthUser)
      labels[`traefik.http.middlewares.${h.name}-auth.basicauth.users`] = basicAuthUser;
  return labels;
}
