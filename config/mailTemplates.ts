import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { closest } from "./suggest";

/**
 * Mail templates and subjects, shaped as the Supabase CLI's `[auth.email.template.<id>]` and
 * `[auth.email.notification.<id>]` (supabase/cli pkg/config/templates/config.toml: `subject`,
 * `content_path`, and `enabled` for a notification), written as the env GoTrue v2.196.0 reads:
 * GOTRUE_MAILER_SUBJECTS_<TYPE>, GOTRUE_MAILER_TEMPLATES_<TYPE> (EmailContentConfiguration in
 * internal/conf/configuration.go) and GOTRUE_MAILER_NOTIFICATIONS_<ID>_ENABLED. The types are
 * templatemailer's templateTypes (internal/mailer/templatemailer/templatemailer.go); a
 * notification's type is its id with `_notification`.
 */

/** The CLI's `[auth.email.template.*]` ids, which are GoTrue's template types. */
export const TEMPLATE_IDS = [
  "invite",
  "confirmation",
  "recovery",
  "magic_link",
  "email_change",
  "reauthentication",
] as const;

/** The CLI's `[auth.email.notification.*]` ids: security notifications GoTrue sends when enabled. */
export const NOTIFICATION_IDS = [
  "password_changed",
  "email_changed",
  "phone_changed",
  "identity_linked",
  "identity_unlinked",
  "mfa_factor_enrolled",
  "mfa_factor_unenrolled",
] as const;

/**
 * GoTrue reads at most this many bytes of a template (GOTRUE_MAILER_TEMPLATE_MAX_SIZE, default
 * 1000000, in templatemailer's fetch); a longer file would be cut off mid-HTML.
 */
export const TEMPLATE_MAX_BYTES = 1_000_000;

const bool = z.boolean({ error: "expected true or false" });
const subject = z.string({ error: "expected the subject as text" }).min(1, "expected text");
const contentPath = z
  .string({
    error: "expected a file relative to the project such as supabase/templates/invite.html",
  })
  .min(1, "expected a file relative to the project such as supabase/templates/invite.html");

const unknownId =
  (kind: string, ids: readonly string[], example: string) =>
  (issue: { code: string; keys?: string[] }) => {
    if (issue.code !== "unrecognized_keys") return `expected ${example}`;
    const keys = issue.keys ?? [];
    const hints = keys.map((k) => closest(k, ids)).filter((h) => h !== undefined);
    return `unknown ${kind} ${keys.join(", ")}${hints.length > 0 ? ` (did you mean ${hints.join(", ")}?)` : ""}; expected one of: ${ids.join(", ")}`;
  };
const unknownField =
  (fields: readonly string[], example: string) => (issue: { code: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `unknown field ${(issue.keys ?? []).join(", ")}; expected ${fields.join(", ")}`
      : `expected ${example}`;

const TEMPLATE_EXAMPLE = '{"subject": "...", "contentPath": "supabase/templates/invite.html"}';
const template = z.strictObject(
  { subject: subject.optional(), contentPath: contentPath.optional() },
  { error: unknownField(["subject", "contentPath"], TEMPLATE_EXAMPLE) },
);
const notification = z.strictObject(
  { enabled: bool.default(true), subject: subject.optional(), contentPath: contentPath.optional() },
  {
    error: unknownField(
      ["enabled", "subject", "contentPath"],
      '{"enabled": true, "contentPath": "supabase/templates/password_changed.html"}',
    ),
  },
);

const idMap = <T extends z.ZodType>(ids: readonly string[], entry: T, kind: string) =>
  z.strictObject(
    Object.fromEntries(ids.map((id) => [id, entry.optional()])) as Record<string, z.ZodOptional<T>>,
    { error: unknownId(kind, ids, `{"${ids[0]}": ${TEMPLATE_EXAMPLE}}`) },
  );

/** `authEmail.template` and `authEmail.notification`, fields of ownstack:authEmail. */
export const mailTemplateFields = {
  template: idMap(TEMPLATE_IDS, template, "template").optional(),
  notification: idMap(NOTIFICATION_IDS, notification, "notification").optional(),
};

export interface MailTemplateInput {
  readonly template?: Readonly<Record<string, z.output<typeof template> | undefined>>;
  readonly notification?: Readonly<Record<string, z.output<typeof notification> | undefined>>;
}

/** One template GoTrue fetches: its type (the env suffix, lower case) and the project file. */
export interface MailTemplateFile {
  /** GoTrue's template type, e.g. `invite` or `password_changed_notification`. */
  readonly type: string;
  /** The file as configured, relative to the project. */
  readonly contentPath: string;
  /** Where the setting lives, for messages: `authEmail[template][invite][contentPath]`. */
  readonly key: string;
}

type Entry = { subject?: string; contentPath?: string };
function entries(c: MailTemplateInput | undefined): { type: string; key: string; e: Entry }[] {
  const out: { type: string; key: string; e: Entry }[] = [];
  for (const id of TEMPLATE_IDS) {
    const e = c?.template?.[id];
    if (e) out.push({ type: id, key: `authEmail[template][${id}]`, e });
  }
  for (const id of NOTIFICATION_IDS) {
    const e = c?.notification?.[id];
    if (e) out.push({ type: `${id}_notification`, key: `authEmail[notification][${id}]`, e });
  }
  return out;
}

/** The subjects and notification switches as GoTrue's env; the bodies travel by URL (mailTemplateFiles). */
export function mailTemplateEnv(
  c: MailTemplateInput | undefined,
): Record<string, string | boolean> {
  const env: Record<string, string | boolean> = {};
  for (const { type, e } of entries(c))
    if (e.subject !== undefined) env[`GOTRUE_MAILER_SUBJECTS_${type.toUpperCase()}`] = e.subject;
  for (const id of NOTIFICATION_IDS) {
    const n = c?.notification?.[id];
    if (n) env[`GOTRUE_MAILER_NOTIFICATIONS_${id.toUpperCase()}_ENABLED`] = n.enabled;
  }
  return env;
}

/** Every template body the config names, sorted by type. */
export function mailTemplateFiles(c: MailTemplateInput | undefined): MailTemplateFile[] {
  return entries(c)
    .flatMap(({ type, key, e }) =>
      e.contentPath === undefined
        ? []
        : [{ type, contentPath: e.contentPath, key: `${key}[contentPath]` }],
    )
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/**
 * One problem per template file that is missing, a folder, outside the project (the stack ships
 * the project's files, and `../` or an absolute path would read this machine's) or larger than
 * GoTrue reads. Symlinks are followed before the inside-the-project test.
 */
export function mailTemplateProblems(
  c: MailTemplateInput | undefined,
  projectDir: string,
): string[] {
  const problems: string[] = [];
  const base = resolve(projectDir);
  const within = (root: string, full: string) => {
    const rel = relative(root, full);
    return rel !== "" && rel.split(sep)[0] !== ".." && !isAbsolute(rel);
  };
  for (const f of mailTemplateFiles(c)) {
    const where = `ownstack:${f.key}: ${f.contentPath}`;
    const full = resolve(base, f.contentPath);
    if (isAbsolute(f.contentPath) || !within(base, full)) {
      problems.push(
        `${where} is outside the project, expected a file relative to the project such as supabase/templates/${f.type}.html`,
      );
      continue;
    }
    if (!existsSync(full)) {
      problems.push(
        `${where} does not exist, expected an HTML file relative to the project such as supabase/templates/${f.type}.html`,
      );
      continue;
    }
    if (!within(realpathSync(base), realpathSync(full))) {
      problems.push(`${where} links outside the project, expected a file inside it`);
      continue;
    }
    if (!statSync(full).isFile()) {
      problems.push(`${where} is a folder, expected an HTML file`);
      continue;
    }
    const bytes = statSync(full).size;
    if (bytes > TEMPLATE_MAX_BYTES)
      problems.push(
        `${where} holds ${bytes} bytes, expected at most ${TEMPLATE_MAX_BYTES} (GoTrue reads no more of a template)`,
      );
  }
  return problems;
}

/** A template's bytes, as the program ships them; the checks above have run before. */
export function readMailTemplate(f: MailTemplateFile, projectDir = process.cwd()): Buffer {
  return readFileSync(resolve(projectDir, f.contentPath));
}
