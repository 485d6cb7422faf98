import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MailTemplateFile, readMailTemplate } from "../config/mailTemplates";
import { ADDRESSES, internalUrl } from "../config/services";
import type { Settings } from "../config/settings";
import { Healthcheck, ServiceArgs } from "./container";
import {
  MAIL_TEMPLATES_CFG_PATH,
  MAIL_TEMPLATES_DIR,
  MAIL_TEMPLATES_HEALTH_PATH,
  renderMailTemplatesCfg,
  templatePath,
} from "./render/mailTemplates";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

/** A template body as shipped: its type, the project file's bytes and their digest. */
export interface MailTemplateContent {
  readonly type: string;
  readonly content: Buffer;
  readonly sha256: string;
}

/** The bodies ownstack:authEmail names, read from the project (checked with the config before). */
export function mailTemplateContents(settings: Settings): MailTemplateContent[] {
  return settings.authOptions.mailTemplates.map((f: MailTemplateFile) => {
    const content = readMailTemplate(f);
    return {
      type: f.type,
      content,
      sha256: createHash("sha256").update(content).digest("hex"),
    };
  });
}

/**
 * GOTRUE_MAILER_TEMPLATES_<TYPE> for each body. The digest rides in the query (the server matches
 * the path only): a changed file is a changed env, so GoTrue restarts with an empty template cache
 * instead of serving the old body for GOTRUE_MAILER_TEMPLATE_MAX_AGE (10m).
 */
export function mailTemplateUrlEnv(settings: Settings): Record<string, string> {
  return Object.fromEntries(
    mailTemplateContents(settings).map((t) => [
      `GOTRUE_MAILER_TEMPLATES_${t.type.toUpperCase()}`,
      `${internalUrl("mailTemplates")}${templatePath(t.type)}?v=${t.sha256.slice(0, 16)}`,
    ]),
  );
}

/** The rendered haproxy.cfg for these bodies, listening on the service's port. */
export function mailTemplatesConfig(templates: readonly MailTemplateContent[]): string {
  return renderMailTemplatesCfg({
    bind: `:${ADDRESSES.mailTemplates.port}`,
    dir: MAIL_TEMPLATES_DIR,
    templates: templates.map((t) => ({ type: t.type, bytes: t.content.length })),
  });
}

/** Where each body sits in the container (or the pod). */
export const mailTemplateFile = (type: string): string => `${MAIL_TEMPLATES_DIR}/${type}.html`;

export const MAIL_TEMPLATES_HEALTHCHECK: Healthcheck = {
  tests: wgetCheck(`http://127.0.0.1:${ADDRESSES.mailTemplates.port}${MAIL_TEMPLATES_HEALTH_PATH}`),
};

/**
 * The mail template server: HAProxy with the rendered haproxy.cfg (render/mailTemplates.ts) and
 * the project's template files as uploads, so a changed file replaces the container. It publishes
 * no port; only auth may reach it (config/edges.ts).
 */
export class MailTemplates extends ServiceComponent {
  /** The rendered haproxy.cfg. */
  public readonly config: string;

  constructor(name: string, args: ServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const templates = mailTemplateContents(args.settings);
    const config = mailTemplatesConfig(templates);
    super("ownstack:supabase:MailTemplates", name, args, opts, {
      service: "mailTemplates",
      uploads: [
        { file: MAIL_TEMPLATES_CFG_PATH, content: config, permissions: "0644" },
        ...templates.map((t) => ({
          file: mailTemplateFile(t.type),
          contentBase64: t.content.toString("base64"),
          permissions: "0644",
        })),
      ],
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
      healthcheck: MAIL_TEMPLATES_HEALTHCHECK,
    });
    this.config = config;
  }
}
