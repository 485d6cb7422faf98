import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, ServiceAddress, ServiceName, publicHost } from "../config/services";
import { ServiceArgs, dataVolume, serviceContainer } from "./container";
import { ACME_STORAGE, routeLabels, traefikFlags } from "./render/traefik";

export interface TraefikArgs extends ServiceArgs {
  /** Open the :8082 metrics entrypoint on the private network for Prometheus. */
  readonly metrics?: boolean;
}

/**
 * The vps edge: the only container that publishes host ports (80 and 443). It routes by Docker
 * labels on our network only and keeps Let's Encrypt state in a volume; its dashboard is off.
 */
export class Traefik extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly acmeVolume: docker.Volume;

  constructor(name: string, args: TraefikArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:edge:Traefik", name, {}, opts);
    const { settings } = args;
    // Traefik creates acme.json itself with mode 0600 and refuses a looser one; a volume keeps
    // certificates across re-creates, so renewals do not hit Let's Encrypt rate limits.
    this.acmeVolume = dataVolume(settings, "traefik-acme", { parent: this });
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "traefik",
        image: settings.images.traefik,
        network: args.network,
        command: traefikFlags({
          network: settings.prefix,
          stack: settings.stack,
          acmeEmail: settings.vps.acmeEmail,
          acmeChallenge: settings.vps.acmeChallenge,
          acmeStaging: settings.vps.acmeStaging,
          metrics: args.metrics ?? false,
        }),
        volumes: [
          {
            volumeName: this.acmeVolume.name,
            containerPath: ACME_STORAGE.slice(0, ACME_STORAGE.lastIndexOf("/")),
          },
          // The server's socket (the provider's host), read-only; it still grants root, so
          // no-new-privileges limits what a compromised Traefik can escalate to.
          {
            hostPath: "/var/run/docker.sock",
            containerPath: "/var/run/docker.sock",
            readOnly: true,
          },
        ],
        securityOpts: ["no-new-privileges:true"],
        healthcheck: { tests: ["CMD", "traefik", "healthcheck", "--ping"] },
      },
      { parent: this },
    );
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
    settings.prefix,
    hosts.map((h) => ({ ...h, basicAuthUser: basicAuthUser ? "__auth__" : undefined })),
  );
  for (const h of hosts)
    if (basicAuthUser)
      labels[`traefik.http.middlewares.${h.name}-auth.basicauth.users`] = basicAuthUser;
  return labels;
}
