import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTls } from "../config";
import { plannedNetworks, stackMembers } from "../config/networks";
import { Settings } from "../config/settings";

/**
 * The stack's Docker networks (config/networks.ts): one internal bridge per pair of containers in
 * the edge table, with its subnet from `ownstack:networkPool`, and the egress network for the
 * containers that need the outside. A container joins through `joins`, never by a network's name.
 */
export class StackNetworks {
  private readonly byMember = new Map<string, docker.types.input.ContainerNetworksAdvanced[]>();

  constructor(settings: Settings, opts: pulumi.CustomResourceOptions) {
    for (const member of stackMembers(settings)) this.byMember.set(member, []);
    for (const planned of plannedNetworks(settings)) {
      const network = new docker.Network(
        planned.name,
        {
          name: planned.name,
          driver: "bridge",
          internal: planned.internal,
          ipamConfigs: [{ subnet: planned.subnet }],
          options: planned.icc ? undefined : { "com.docker.network.bridge.enable_icc": "false" },
          labels: [{ label: "ownstack.stack", value: settings.stack }],
        },
        opts,
      );
      for (const { member, aliases } of planned.joins)
        this.byMember.get(member)!.push({
          name: network.name,
          aliases: aliases.length > 0 ? [...aliases] : undefined,
        });
    }
  }

  /** The networks a container joins, by its `ownstack.service` label; each network's name is its resource's output. */
  joins(member: string): docker.types.input.ContainerNetworksAdvanced[] {
    const joins = this.byMember.get(member);
    if (!joins)
      throw new Error(
        `networks: ${member} is not a container of this stack (config/networks.ts stackMembers), so it has no network`,
      );
    return joins;
  }
}

/** The Docker daemon every resource targets: the local socket, or the server over SSH / TLS. */
export function dockerProvider(settings: Settings, tls: DockerTls = {}): docker.Provider {
  const host = settings.vps.dockerHost;
  const tcp = host.startsWith("tcp://");
  return new docker.Provider(`${settings.prefix}-docker`, {
    host: host === "" ? undefined : host,
    ...(tcp
      ? {
          certPath: tls.certPath,
          caMaterial: tls.caMaterial,
          certMaterial: tls.certMaterial,
          keyMaterial: tls.keyMaterial,
        }
      : {}),
    // Non-interactive runs (CI, `npm run up`) cannot answer a host-key prompt.
    sshOpts: host.startsWith("ssh://") ? ["-o", "BatchMode=yes"] : undefined,
  });
}
