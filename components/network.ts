import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTls } from "../config";
import { Settings } from "../config/settings";

/** The stack's one private bridge network; services find each other by upstream DNS names. */
export function privateNetwork(
  settings: Settings,
  opts: pulumi.CustomResourceOptions,
): docker.Network {
  return new docker.Network(
    `${settings.prefix}-network`,
    {
      name: settings.prefix,
      driver: "bridge",
      labels: [{ label: "ownstack.stack", value: settings.stack }],
    },
    opts,
  );
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
