import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSettings } from "../../config/settings";
import { TEMPLATE_MAX_BYTES } from "../../config/mailTemplates";
import { problemsOf } from "./problems";

/** A project of its own with a template folder, and a file beside it (outside the project). */
let root: string;
let dir: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ownstack-mail-"));
  dir = join(root, "project");
  mkdirSync(join(dir, "supabase/templates"), { recursive: true });
  writeFileSync(join(dir, "supabase/templates/invite.html"), "<p>{{ .ConfirmationURL }}</p>\n");
  writeFileSync(join(dir, "supabase/templates/big.html"), "x".repeat(TEMPLATE_MAX_BYTES + 1));
  writeFileSync(join(root, "secret.html"), "not the project's\n");
  symlinkSync(join(root, "secret.html"), join(dir, "supabase/templates/link.html"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const email = (value: unknown) => ({ "ownstack:authEmail": JSON.stringify(value) });
const settings = (value: unknown) => parseSettings(email(value), "local", dir).authOptions;
const problems = (value: unknown) => problemsOf(email(value), "local", dir);

describe("mail templates and subjects (ownstack:authEmail template / notification)", () => {
  it("a subject becomes GOTRUE_MAILER_SUBJECTS_<TYPE>; a body's file is listed for the template server", () => {
    const auth = settings({
      template: {
        invite: { subject: "Join us", contentPath: "supabase/templates/invite.html" },
        magic_link: { subject: "Your link" },
      },
      notification: { password_changed: { contentPath: "supabase/templates/invite.html" } },
    });
    expect(auth.env).toEqual({
      GOTRUE_MAILER_SUBJECTS_INVITE: "Join us",
      GOTRUE_MAILER_SUBJECTS_MAGIC_LINK: "Your link",
      GOTRUE_MAILER_NOTIFICATIONS_PASSWORD_CHANGED_ENABLED: true,
    });
    expect(auth.mailTemplates).toEqual([
      {
        type: "invite",
        contentPath: "supabase/templates/invite.html",
        key: "authEmail[template][invite][contentPath]",
      },
      {
        type: "password_changed_notification",
        contentPath: "supabase/templates/invite.html",
        key: "authEmail[notification][password_changed][contentPath]",
      },
    ]);
  });

  it("a notification can be switched off and keeps its subject under the _NOTIFICATION type", () => {
    expect(
      settings({ notification: { mfa_factor_enrolled: { enabled: false, subject: "New factor" } } })
        .env,
    ).toEqual({
      GOTRUE_MAILER_NOTIFICATIONS_MFA_FACTOR_ENROLLED_ENABLED: false,
      GOTRUE_MAILER_SUBJECTS_MFA_FACTOR_ENROLLED_NOTIFICATION: "New factor",
    });
  });

  it("no template set: no env and no file", () => {
    const auth = parseSettings({}, "local", dir).authOptions;
    expect(auth.env).toEqual({});
    expect(auth.mailTemplates).toEqual([]);
  });

  it("refuses an unknown template or notification, suggesting the nearest id", () => {
    expect(
      problems({
        template: { magiclink: { subject: "x" } },
        notification: { pasword_changed: {} },
      }),
    ).toEqual([
      'ownstack:authEmail[template]: unknown template magiclink (did you mean magic_link?); expected one of: invite, confirmation, recovery, magic_link, email_change, reauthentication, got {"magiclink":{"subject":"x"}}',
      'ownstack:authEmail[notification]: unknown notification pasword_changed (did you mean password_changed?); expected one of: password_changed, email_changed, phone_changed, identity_linked, identity_unlinked, mfa_factor_enrolled, mfa_factor_unenrolled, got {"pasword_changed":{}}',
    ]);
  });

  it("refuses an unknown field in a template, naming the fields it takes", () => {
    expect(problems({ template: { invite: { content_path: "a.html" } } })).toEqual([
      'ownstack:authEmail[template][invite]: unknown field content_path; expected subject, contentPath, got {"content_path":"a.html"}',
    ]);
  });

  it.each<[string, string, string]>([
    [
      "a file that does not exist",
      "supabase/templates/invit.html",
      "ownstack:authEmail[template][invite][contentPath]: supabase/templates/invit.html does not exist, expected an HTML file relative to the project such as supabase/templates/invite.html",
    ],
    [
      "a file outside the project",
      "../secret.html",
      "ownstack:authEmail[template][invite][contentPath]: ../secret.html is outside the project, expected a file relative to the project such as supabase/templates/invite.html",
    ],
    [
      "an absolute path",
      "/etc/passwd",
      "ownstack:authEmail[template][invite][contentPath]: /etc/passwd is outside the project, expected a file relative to the project such as supabase/templates/invite.html",
    ],
    [
      "a link to a file outside the project",
      "supabase/templates/link.html",
      "ownstack:authEmail[template][invite][contentPath]: supabase/templates/link.html links outside the project, expected a file inside it",
    ],
    [
      "a folder",
      "supabase/templates",
      "ownstack:authEmail[template][invite][contentPath]: supabase/templates is a folder, expected an HTML file",
    ],
    [
      "a file larger than GoTrue reads",
      "supabase/templates/big.html",
      `ownstack:authEmail[template][invite][contentPath]: supabase/templates/big.html holds ${TEMPLATE_MAX_BYTES + 1} bytes, expected at most ${TEMPLATE_MAX_BYTES} (GoTrue reads no more of a template)`,
    ],
  ])("refuses %s as one problem naming the key", (_, path, message) => {
    expect(problems({ template: { invite: { contentPath: path } } })).toEqual([message]);
  });

  it("every bad template is reported at once, with the other keys' problems", () => {
    expect(
      problemsOf(
        {
          ...email({
            template: { invite: { contentPath: "a.html" } },
            notification: { email_changed: { contentPath: "b.html" } },
          }),
          "ownstack:apiPort": "0",
        },
        "local",
        dir,
      ),
    ).toHaveLength(3);
  });
});
