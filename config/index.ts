import * as pulumi from "@pulumi/pulumi";
import { PROJECT, Settings, parseSettings } from "./settings";

export * from "./settings";
export { IMAGES } from "./images";
export { SERVICES, ServiceName } from "./memory";

/**
 * TLS material for a `tcp://` Docker host. An explicit provider does not read `docker:*` stack
 * config by itself, so the program passes it on (the key as a secret).
 */
export interface DockerTls {
  readonly certPath?: string;
  readonly caMaterial?: string;
  readonly certMaterial?: string;
  readonly keyMaterial?: pulumi.Output<string>;
}

/** Reads the whole stack config once; the only place in the program that touches pulumi.Config. */
export function loadSettings(): { settings: Settings; smtpPassword: pulumi.Output<string>; dockerTls: DockerTls } {
  const settings = parseSettings(pulumi.runtime.allConfig(), pulumi.getStack());
  const smtpPassword = new pulumi.Config(PROJECT).getSecret("smtpPass") ?? pulumi.secret("");
  const docker = new pulumi.Config("docker");
  const dockerTls: DockerTls = {
    certPath: docker.get("certPath"),
    caMaterial: docker.get("caMaterial"),
    certMaterial: docker.get("certMaterial"),
    keyMaterial: docker.getSecret("keyMaterial"),
  };
  return { settings, smtpPassword, dockerTls };
}
