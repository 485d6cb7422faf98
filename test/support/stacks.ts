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

/** Config for the k8s stack that passes validation; tests vary one key at a time. */
export const K8S_CONFIG: Record<string, string> = {
  "ownstack:target": "kubernetes",
  "ownstack:storageBackend": "s3",
  "ownstack:domain": "example.com",
  "ownstack:clusterIssuer": "letsencrypt-prod",
  "ownstack:ingressClass": "nginx",
  "ownstack:s3Endpoint": "https://s3.eu-central-1.amazonaws.com",
  "ownstack:s3Region": "eu-central-1",
  "ownstack:s3AccessKeyId": "AKIAEXAMPLE",
  "ownstack:s3SecretAccessKey": "s3-secret-example",
  "ownstack:smtpHost": "smtp.example.com",
  "ownstack:smtpUser": "postmaster@example.com",
  "ownstack:smtpAdminEmail": "admin@example.com",
  "ownstack:smtpPass": "smtp-secret",
};
