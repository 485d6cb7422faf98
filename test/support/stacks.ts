import { Settings, parseSettings } from "../../config/settings";

/** The fewest keys a vps stack accepts: what Pulumi.vps.yaml marks REQUIRED, with logs off. */
export const VPS_REQUIRED: Readonly<Record<string, string>> = {
  "ownstack:target": "vps",
  "ownstack:domain": "example.com",
  "ownstack:acmeEmail": "a@example.com",
  "ownstack:smtpHost": "smtp.example.com",
  "ownstack:smtpAdminEmail": "no-reply@example.com",
  "ownstack:logs": "false",
};

/** Settings of a vps stack with the required keys and `extra` on top. */
export const vpsSettings = (extra: Record<string, string> = {}): Settings =>
  parseSettings({ ...VPS_REQUIRED, ...extra }, "vps");
