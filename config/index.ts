import * as pulumi from "@pulumi/pulumi";
import { PROJECT, Settings, parseSettings } from "./settings";

export * from "./settings";
export { IMAGES } from "./images";
export { SERVICES, ServiceName } from "./memory";

/** Reads the whole stack config once; the only place in the program that touches pulumi.Config. */
export function loadSettings(): { settings: Settings; smtpPassword: pulumi.Output<string> } {
  const settings = parseSettings(pulumi.runtime.allConfig(), pulumi.getStack());
  const smtpPassword = new pulumi.Config(PROJECT).getSecret("smtpPass") ?? pulumi.secret("");
  return { settings, smtpPassword };
}
