import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIL_TEMPLATES_CFG_PATH, templatePath } from "../../components/render/mailTemplates";
import { VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, env, hasContainer, waitsFor } from "./lookups";
import { evaluateK8s, named, podEnv, ofKind } from "../k8s/harness";
import { beforeAll } from "vitest";
import type { Plan } from "./mocks";
import { planNetworks, reachable } from "./reach";

/** Issue #21: mail template bodies and subjects from the project, served to GoTrue privately. */

const INVITE = "test/fixtures/mail/invite.html";
const NOTICE = "test/fixtures/mail/password_changed.html";
const bytes = (path: string) => readFileSync(join(__dirname, "..", "..", path));

const templates = (invite: string) => ({
  "ownstack:authEmail": JSON.stringify({
    template: { invite: { subject: "Join {{ .SiteURL }}", contentPath: invite } },
    notification: { password_changed: { contentPath: NOTICE } },
  }),
});

type Upload = { file: string; content?: string; contentBase64?: string };
const uploads = (plan: Plan): Upload[] => container(plan, "mailTemplates").inputs.uploads;
const served = (plan: Plan, file: string): Buffer => {
  const u = uploads(plan).find((x) => x.file === file);
  if (!u) throw new Error(`no upload ${file}`);
  return u.contentBase64 !== undefined
    ? Buffer.from(u.contentBase64, "base64")
    : Buffer.from(u.content ?? "");
};

describe.each([
  ["local", {}, "local"],
  ["vps", VPS_CONFIG, "vps"],
])("mail templates on %s", (_name, config, stack) => {
  const plan = planBeforeAll({ ...config, ...templates(INVITE) }, stack);

  it("GoTrue gets each body's URL on the template server, its subject, and the notification on", () => {
    const auth = env(container(plan, "auth"));
    expect(auth.GOTRUE_MAILER_TEMPLATES_INVITE).toMatch(
      /^http:\/\/mail-templates:8088\/invite\.html\?v=[0-9a-f]{16}$/,
    );
    expect(auth.GOTRUE_MAILER_TEMPLATES_PASSWORD_CHANGED_NOTIFICATION).toMatch(
      /^http:\/\/mail-templates:8088\/password_changed_notification\.html\?v=[0-9a-f]{16}$/,
    );
    expect(auth.GOTRUE_MAILER_SUBJECTS_INVITE).toBe("Join {{ .SiteURL }}");
    expect(auth.GOTRUE_MAILER_NOTIFICATIONS_PASSWORD_CHANGED_ENABLED).toBe("true");
    expect(waitsFor(plan, container(plan, "auth"))).toContain("mailTemplates");
  });

  it("only auth can open the template server: their pair network (config/networks.ts)", () => {
    const into = [...reachable(planNetworks(plan))].filter((r) =>
      r.startsWith("mailTemplates") ? false : / -> mailTemplates:/.test(r),
    );
    expect(into).toEqual(["auth -> mailTemplates:8088"]);
  });

  it("the server holds the project files' bytes at the paths its config serves", () => {
    const cfg = served(plan, MAIL_TEMPLATES_CFG_PATH).toString();
    for (const [type, path] of [
      ["invite", INVITE],
      ["password_changed_notification", NOTICE],
    ]) {
      const file = `/usr/local/etc/haproxy/templates/${type}.html`;
      expect(served(plan, file).equals(bytes(path))).toBe(true);
      expect(cfg).toContain(`file ${file} if { path ${templatePath(type)} }`);
    }
  });

  it("publishes nothing, runs without capabilities, on the HAProxy pin", () => {
    const server = container(plan, "mailTemplates");
    expect(server.inputs.ports ?? []).toEqual([]);
    expect(server.inputs.capabilities).toEqual({ drops: ["ALL"] });
    expect(server.inputs.image).toBe("sha256:haproxy:3.4.3-alpine");
    expect(server.inputs.memory).toBe(64);
  });
});

describe("a changed template file", () => {
  const before = planBeforeAll(templates(INVITE));
  const after = planBeforeAll(templates(NOTICE));

  it("changes the digest in GoTrue's URL (a restart with an empty cache) and the server's bytes", () => {
    const url = (plan: Plan) => env(container(plan, "auth")).GOTRUE_MAILER_TEMPLATES_INVITE;
    expect(url(before)).not.toBe(url(after));
    const file = "/usr/local/etc/haproxy/templates/invite.html";
    expect(served(after, file).equals(bytes(NOTICE))).toBe(true);
  });
});

describe("no template body", () => {
  const plan = planBeforeAll({
    "ownstack:authEmail": JSON.stringify({ template: { invite: { subject: "Hi" } } }),
  });

  it("runs no template server and sets no template URL; the subject alone is set", () => {
    expect(hasContainer(plan, "mailTemplates")).toBe(false);
    const auth = env(container(plan, "auth"));
    expect(Object.keys(auth).filter((k) => k.startsWith("GOTRUE_MAILER_TEMPLATES_"))).toEqual([]);
    expect(auth.GOTRUE_MAILER_SUBJECTS_INVITE).toBe("Hi");
  });
});

describe("mail templates on kubernetes", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(templates(INVITE));
  });

  it("GoTrue's pods get the same template URLs as on Docker, naming the template Service", () => {
    const auth = podEnv(plan, named(plan, "Deployment", "auth"));
    const url = new URL(auth.GOTRUE_MAILER_TEMPLATES_INVITE);
    expect(url.pathname).toBe("/invite.html");
    const service = named(plan, "Service", url.hostname).inputs.spec;
    expect(service.ports.map((p: { port: number }) => p.port)).toEqual([Number(url.port)]);
  });

  it("the template server mounts the project files' bytes from one ConfigMap", () => {
    const deployment = named(plan, "Deployment", "mail-templates");
    const mounts = deployment.inputs.spec.template.spec.containers[0].volumeMounts;
    expect(mounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual([
      "/usr/local/etc/haproxy/haproxy.cfg",
      "/usr/local/etc/haproxy/templates/invite.html",
      "/usr/local/etc/haproxy/templates/password_changed_notification.html",
    ]);
    const maps = ofKind(plan, "ConfigMap").filter((c) => c.inputs.binaryData?.["invite.html"]);
    expect(maps).toHaveLength(1);
    expect(
      Buffer.from(maps[0].inputs.binaryData["invite.html"], "base64").equals(bytes(INVITE)),
    ).toBe(true);
    expect(maps[0].inputs.data["haproxy.cfg"]).toContain("templates/invite.html");
  });
});
