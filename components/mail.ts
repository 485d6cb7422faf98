import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { ServiceArgs } from "./container";
import { ServiceComponent } from "./serviceComponent";

/** Where GoTrue sends mail when Mailpit is on. */
export const MAILPIT_SMTP = {
  host: ADDRESSES.mail.aliases[1],
  port: ADDRESSES.mail.ports.smtp,
} as const;

export interface MailArgs extends ServiceArgs {
  /** Traefik labels when the UI is exposed on vps (behind basic auth). */
  readonly labels?: Record<string, pulumi.Input<string>>;
}

/** Mailpit catches every mail GoTrue sends, so sign-up links can be read in its web UI. */
export class Mail extends ServiceComponent {
  constructor(name: string, args: MailArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Mail", name, args, opts, {
      service: "mail",
      env: {
        // GoTrue sends credentials over plain SMTP on the private network.
        MP_SMTP_AUTH_ACCEPT_ANY: 1,
        MP_SMTP_AUTH_ALLOW_INSECURE: 1,
        MP_MAX_MESSAGES: 500,
      },
      labels: args.labels,
      healthcheck: { tests: ["CMD", "/mailpit", "readyz"] },
    });
  }
}
