import { startHaproxy } from "../support/haproxy";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMailTemplatesCfg, templatePath } from "../../components/render/mailTemplates";
import { TEMPLATE_MAX_BYTES } from "../../config/mailTemplates";
import { missingBinaries } from "../support/binaries";
import { onFreePort } from "../support/ports";

/**
 * The rendered haproxy.cfg run by Debian's HAProxy as the image runs it (`haproxy -W -db -f`,
 * docker-library/haproxy docker-entrypoint.sh), on loopback, with template files as the container
 * gets them: GoTrue's GET of each URL must return the file's bytes, unchanged.
 */

const available =
  missingBinaries(["haproxy"], "the mail template server checks", "haproxy").length === 0;

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer;
}

// Go template actions, a `%` HAProxy's log-format would read, UTF-8 and a CRLF: served as they are.
const INVITE = Buffer.from(
  '<h2>Bienvenue — {{ .SiteURL }}</h2>\r\n<p>100% <a href="{{ .ConfirmationURL }}">ici</a></p>\n',
);
// GoTrue's limit, the largest file the config accepts.
const LARGEST = Buffer.alloc(TEMPLATE_MAX_BYTES, "<p>é</p>\n");

describe.skipIf(!available)("the mail template server (HAProxy with our rendered config)", () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ownstack-mail-templates-"));
    mkdirSync(join(dir, "templates"));
    writeFileSync(join(dir, "templates/invite.html"), INVITE);
    writeFileSync(join(dir, "templates/recovery.html"), LARGEST);
    const templates = [
      { type: "invite", bytes: INVITE.length },
      { type: "recovery", bytes: LARGEST.length },
    ];
    const cfg = join(dir, "haproxy.cfg");
    await onFreePort(async (p) => {
      port = p;
      // The container's file, with only where it listens and the folder moved.
      writeFileSync(
        cfg,
        renderMailTemplatesCfg({ bind: `127.0.0.1:${p}`, dir: join(dir, "templates"), templates }),
      );
      server = await startHaproxy(cfg, port);
    });
  });

  afterAll(async () => {
    const s = server;
    if (s && s.exitCode === null)
      await new Promise<void>((resolve) => {
        s.once("exit", () => resolve());
        s.kill("SIGTERM");
      });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function send(method: string, path: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers["content-type"] ?? ""),
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.once("error", reject);
      req.end();
    });
  }

  it("serves a template's bytes unchanged as HTML, with GoTrue's cache-busting query ignored", async () => {
    const reply = await send("GET", `${templatePath("invite")}?v=0123456789abcdef`);
    expect(reply.status).toBe(200);
    expect(reply.type).toBe("text/html; charset=utf-8");
    expect(reply.body.equals(INVITE)).toBe(true);
  });

  it("serves a template of GoTrue's largest size whole", async () => {
    const reply = await send("GET", templatePath("recovery"));
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(LARGEST.length);
    expect(reply.body.equals(LARGEST)).toBe(true);
  });

  it("answers the healthcheck, 404 to a template it was not given and to any other path", async () => {
    expect((await send("GET", "/healthz")).status).toBe(200);
    expect((await send("GET", templatePath("magic_link"))).status).toBe(404);
    expect((await send("GET", "/templates/invite.html")).status).toBe(404);
    expect((await send("GET", "/../haproxy.cfg")).status).toBe(404);
  });

  it("refuses anything but GET and HEAD", async () => {
    expect((await send("HEAD", templatePath("invite"))).status).toBe(200);
    expect((await send("POST", templatePath("invite"))).status).toBe(405);
    expect((await send("DELETE", templatePath("invite"))).status).toBe(405);
  });
});
