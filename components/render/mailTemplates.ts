import { haproxyPreamble } from "./haproxy";

/**
 * haproxy.cfg of the mail template server (components/mailTemplates.ts). GoTrue reads a template
 * body only by HTTP GET (internal/mailer/templatemailer/template.go at v2.196.0: loadEntryBody
 * fetches GOTRUE_MAILER_TEMPLATES_<TYPE> with http.DefaultClient, so no file:// path), and the
 * official compose file leaves these unset; the Supabase CLI serves the files itself. HAProxy
 * answers each template from its file (`http-request return ... file`, sent as raw bytes, never
 * evaluated), 404 to any other path and 405 to anything but GET and HEAD. Pure: no Pulumi.
 */

/** Where the image reads its config (docker-library/haproxy Dockerfile CMD). */
export const MAIL_TEMPLATES_CFG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";

/** Where the template files are put inside the container. */
export const MAIL_TEMPLATES_DIR = "/usr/local/etc/haproxy/templates";

/** The healthcheck's path; no template is served there. */
export const MAIL_TEMPLATES_HEALTH_PATH = "/healthz";

/**
 * GoTrue fetches a template once per type and caches it for GOTRUE_MAILER_TEMPLATE_MAX_AGE (10m):
 * a handful of requests at once at most. Set explicitly because HAProxy sizes its tables from the
 * file limit otherwise, which Docker leaves at 1048576 (docker-library/haproxy#194).
 */
export const MAIL_TEMPLATES_MAXCONN = 16;

/**
 * HAProxy's default buffer. A `return` response must fit in one buffer with the header rewrite
 * reserve (tune.maxrewrite, 1024) still free (configuration.txt, "http-request return"), so the
 * buffer grows with the largest template.
 */
const DEFAULT_BUFSIZE = 16384;
const HEADROOM = 4096;

export interface MailTemplateBody {
  /** GoTrue's template type, e.g. `invite`; served at `/<type>.html`. */
  readonly type: string;
  /** The file's size in bytes, for the buffer size. */
  readonly bytes: number;
}

export interface MailTemplatesConfigInput {
  /** HAProxy `bind` address, e.g. `:8088` in the container. */
  readonly bind: string;
  /** Folder holding `<type>.html` for each template. */
  readonly dir: string;
  readonly templates: readonly MailTemplateBody[];
}

/** The path a template is served at. */
export const templatePath = (type: string): string => `/${type}.html`;

/** tune.bufsize for the largest template: the default, or the next 4 KiB step that holds it. */
export function bufferSize(templates: readonly MailTemplateBody[]): number {
  const largest = Math.max(0, ...templates.map((t) => t.bytes));
  const needed = largest + HEADROOM;
  return Math.max(DEFAULT_BUFSIZE, Math.ceil(needed / 4096) * 4096);
}

/** haproxy.cfg as uploaded into the container; templates in the order given (sorted by type). */
export function renderMailTemplatesCfg(input: MailTemplatesConfigInput): string {
  for (const t of input.templates)
    if (!/^[a-z_]+$/.test(t.type)) throw new Error(`mail templates: bad template type ${t.type}`);
  return [
    ...haproxyPreamble({
      renderedBy: "components/render/mailTemplates.ts",
      maxconn: MAIL_TEMPLATES_MAXCONN,
      bufsize: bufferSize(input.templates),
      idleTimeout: "30s",
    }),
    "frontend templates",
    `  bind ${input.bind}`,
    "  http-request deny deny_status 405 unless METH_GET || METH_HEAD",
    `  http-request return status 200 content-type text/plain string ok if { path ${MAIL_TEMPLATES_HEALTH_PATH} }`,
    // `file`, not `lf-file`: the bytes go out as they are (a template's `%` is not log-format).
    ...input.templates.map(
      (t) =>
        `  http-request return status 200 content-type "text/html; charset=utf-8" file ${input.dir}/${t.type}.html if { path ${templatePath(t.type)} }`,
    ),
    '  http-request return status 404 content-type text/plain string "no such template"',
    "",
  ].join("\n");
}
