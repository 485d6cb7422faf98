import * as pulumi from "@pulumi/pulumi";
import type { BackupCredentials, UserSecrets } from "../../config";
import { Settings } from "../../config/settings";
import { Secrets } from "../secrets";
import { StackNetworks } from "../network";
import { SigningKeys } from "../signingKeys";

/** What every layer of the stack shares: settings, secrets, the network and the Docker provider. */
export interface StackContext {
  readonly settings: Settings;
  readonly secrets: Secrets;
  /** Present with `authSigning: es256`. */
  readonly signing?: SigningKeys;
  readonly network: StackNetworks;
  /** Resource options every component gets: the one explicit Docker provider. */
  readonly opts: pulumi.ComponentResourceOptions;
  /** `user:bcrypt` of the dashboard login, for Traefik basic auth on vps-only UIs. */
  readonly dashboardAuth: pulumi.Output<string>;
  /** Secret credentials of the backups' off-site copy, from the stack config. */
  readonly backupOffsite?: BackupCredentials;
  /** Secrets the user brings (Studio's OpenAI key, sign-in providers), from the stack config. */
  readonly userSecrets?: UserSecrets;
}

export const baseArgs = (ctx: StackContext) => ({ settings: ctx.settings, network: ctx.network });

/** The Postgres password and JWT secret most Supabase services take. */
export const dbAndJwt = (ctx: StackContext) => ({
  postgresPassword: ctx.secrets.postgresPassword,
  jwtSecret: ctx.secrets.jwtSecret,
});
