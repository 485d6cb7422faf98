import { IncomingMessage, ServerResponse, createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackOutputs } from "../../scripts/lib/pulumi";
import {
  confirmationLink,
  confirmViaMailpit,
  internalOnly,
  ollamaModels,
  openWebuiModels,
  pgMeta,
  prometheusTargets,
  requireTargetsUp,
} from "../../scripts/lib/verify/http";
import { Step, formatChecklist, runSteps } from "../../scripts/lib/verify/runner";
import { STEPS, VerifyContext } from "../../scripts/lib/verify/steps";
import { runScript } from "../support/project";

/**
 * What can be checked without the stack: the runner (order, prerequisites, timeouts, cleanup on
 * failure, the checklist) and the HTTP checks against small servers on 127.0.0.1 that answer with
 * the documented shapes of Mailpit, Ollama, Prometheus and pg-meta. Sign-up, RLS, realtime,
 * storage and Qdrant need the real services and are exercised only by `npm run verify`.
 */

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let base = "";
let handler: Handler = (_req, _body, res) => res.writeHead(404).end();
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] =
  [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    handler(req, body, res);
  });
});
const json = (res: ServerResponse, value: unknown, status = 200) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

/** A clock that advances 5 ms per reading, so timings are exact. */
const clock = () => {
  let t = 0;
  return () => (t += 5);
};

describe("the verify runner", () => {
  it("skips steps whose prerequisite failed, and undoes what earlier steps created, last first", async () => {
    const undone: string[] = [];
    const steps: Step<null>[] = [
      {
        name: "make table",
        run: async (_c, cleanup) => (
          cleanup("drop table", async () => undone.push("table")),
          "created"
        ),
      },
      {
        name: "make user",
        run: async (_c, cleanup) => (
          cleanup("delete user", async () => undone.push("user")),
          "created"
        ),
      },
      {
        name: "sign in",
        needs: ["make user"],
        run: async () => Promise.reject(new Error("invalid login credentials\nstack…")),
      },
      { name: "insert", needs: ["sign in", "make table"], run: async () => "never" },
      {
        name: "qdrant",
        skipIf: () => "Qdrant is not enabled on this stack",
        run: async () => "never",
      },
    ];
    const report = await runSteps(steps, null, { now: clock() });
    expect(report.steps.map((s) => [s.name, s.status, s.detail])).toEqual([
      ["make table", "pass", "created"],
      ["make user", "pass", "created"],
      ["sign in", "fail", "invalid login credentials"],
      ["insert", "skip", "needs sign in"],
      ["qdrant", "skip", "Qdrant is not enabled on this stack"],
    ]);
    expect(undone).toEqual(["user", "table"]);
    expect(report.cleanup.map((c) => [c.name, c.status])).toEqual([
      ["cleanup: delete user", "pass"],
      ["cleanup: drop table", "pass"],
    ]);
    expect(report.ok).toBe(false);
    expect(report.steps[0].ms).toBe(5);
  });

  it("fails a step that hangs, and a run whose cleanup fails", async () => {
    const report = await runSteps<null>(
      [
        { name: "hangs", run: () => new Promise(() => undefined) },
        {
          name: "leaves something",
          run: async (_c, cleanup) =>
            cleanup("remove it", async () => Promise.reject(new Error("403 Forbidden"))),
        },
      ],
      null,
      { timeoutMs: 50 },
    );
    expect(report.steps[0]).toMatchObject({ status: "fail", detail: "timed out after 0 s" });
    expect(report.steps[1].status).toBe("pass");
    expect(report.cleanup[0]).toMatchObject({
      name: "cleanup: remove it",
      status: "fail",
      detail: "403 Forbidden",
    });
    expect(report.ok).toBe(false);
  });

  it("prints a checklist with timings and a verdict", async () => {
    const report = await runSteps<null>(
      [
        { name: "a", run: async () => "fine" },
        { name: "bb", skipIf: () => "off", run: async () => undefined },
      ],
      null,
      { now: clock() },
    );
    expect(formatChecklist(report)).toBe(
      ["  ✓ a      5 ms  fine", "  – bb           off", "", "All checks passed in 15 ms."].join(
        "\n",
      ),
    );
  });
});

describe("HTTP checks against local stand-ins", () => {
  it("confirms a sign-up through Mailpit's API by opening the link in the mail", async () => {
    let verified = "";
    handler = (req, _body, res) => {
      const url = new URL(req.url!, base);
      if (url.pathname === "/api/v1/search")
        json(res, {
          messages: url.searchParams.get("query") === 'to:"a@example.com"' ? [{ ID: "m1" }] : [],
        });
      else if (url.pathname === "/api/v1/message/m1")
        json(res, {
          Text: "",
          HTML: `<a href="${base}/auth/v1/verify?token=abc&amp;type=signup&amp;redirect_to=http://localhost:3000">Confirm your mail</a>`,
        });
      else if (url.pathname === "/auth/v1/verify")
        ((verified = url.search), res.writeHead(303, { location: "http://localhost:3000" }).end());
      else res.writeHead(404).end();
    };
    const link = await confirmViaMailpit(fetch, base, "a@example.com", { delayMs: 1 });
    expect(link).toBe(
      `${base}/auth/v1/verify?token=abc&type=signup&redirect_to=http://localhost:3000`,
    );
    expect(verified).toBe("?token=abc&type=signup&redirect_to=http://localhost:3000");
    await expect(
      confirmViaMailpit(fetch, base, "b@example.com", { attempts: 2, delayMs: 1 }),
    ).rejects.toThrow("no mail to b@example.com arrived in Mailpit");
  });

  it("finds the link in GoTrue's text mail too", async () => {
    expect(
      confirmationLink(
        "Follow this link:\n\n[Confirm](http://localhost:8000/auth/v1/verify?token=t&type=signup)\n",
      ),
    ).toBe("http://localhost:8000/auth/v1/verify?token=t&type=signup");
  });

  it("lists Ollama's models", async () => {
    handler = (req, _b, res) =>
      req.url === "/api/tags"
        ? json(res, { models: [{ name: "nomic-embed-text:latest" }, { name: "llama3.2:1b" }] })
        : res.writeHead(404).end();
    expect(await ollamaModels(fetch, base)).toEqual(["llama3.2:1b", "nomic-embed-text:latest"]);
  });

  it("signs in to Open WebUI as the admin and lists its models with the session's token", async () => {
    seen.length = 0;
    handler = (req, body, res) => {
      if (req.url === "/health") return json(res, { status: true });
      if (req.url === "/api/v1/auths/signin" && req.method === "POST") {
        const { email, password } = JSON.parse(body);
        return email === "admin@localhost" && password === "pw"
          ? json(res, { token: "tok-1", id: "u1", role: "admin" })
          : json(res, { detail: "The email or password provided is incorrect." }, 400);
      }
      if (req.url === "/api/models")
        return req.headers.authorization === "Bearer tok-1"
          ? json(res, { data: [{ id: "llama3.2:1b" }, { id: "arena-model" }] })
          : json(res, { detail: "Not authenticated" }, 401);
      return res.writeHead(404).end();
    };
    const admin = { email: "admin@localhost", password: "pw" };
    expect(await openWebuiModels(fetch, base, admin)).toEqual(["arena-model", "llama3.2:1b"]);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /health",
      "POST /api/v1/auths/signin",
      "GET /api/models",
    ]);
    await expect(openWebuiModels(fetch, base, { ...admin, password: "wrong" })).rejects.toThrow(
      /^POST \/api\/v1\/auths\/signin answered 400 .*incorrect/,
    );
  });

  it("passes only when every Prometheus target is up, naming the ones that are not", async () => {
    const target = (job: string, health: string, lastError = "") => ({
      labels: { job, instance: `${job}:9100` },
      scrapePool: job,
      health,
      lastError,
    });
    handler = (_req, _b, res) =>
      json(res, {
        status: "success",
        data: { activeTargets: [target("auth", "up"), target("rest", "up")] },
      });
    expect(requireTargetsUp(await prometheusTargets(fetch, base))).toBe("2 targets up: auth, rest");
    handler = (_req, _b, res) =>
      json(res, {
        status: "success",
        data: {
          activeTargets: [target("auth", "up"), target("redis", "down", "connection refused")],
        },
      });
    expect(() => requireTargetsUp([])).toThrow("Prometheus has no active targets");
    const targets = await prometheusTargets(fetch, base, { authorization: "Basic eDp5" });
    expect(() => requireTargetsUp(targets)).toThrow("down: redis (redis:9100: connection refused)");
    expect(seen.at(-1)).toMatchObject({
      url: "/api/v1/targets?state=active",
      headers: expect.objectContaining({ authorization: "Basic eDp5" }),
    });
  });

  it("sends SQL to pg-meta through Kong with the service_role key, and reports its errors", async () => {
    handler = (req, body, res) =>
      JSON.parse(body).query === "select 1"
        ? json(res, [{ "?column?": 1 }])
        : json(res, { error: "syntax error" }, 400);
    const sql = pgMeta(fetch, base, "service.jwt");
    expect(await sql("select 1")).toEqual([{ "?column?": 1 }]);
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/pg/query",
      headers: expect.objectContaining({
        apikey: "service.jwt",
        authorization: "Bearer service.jwt",
      }),
    });
    await expect(sql("selec")).rejects.toThrow(
      'POST /pg/query answered 400 {"error":"syntax error"}',
    );
  });

  it("knows which URLs only the stack's own network reaches", async () => {
    expect(internalOnly("http://qdrant:6333")).toBe(true);
    expect(internalOnly("http://127.0.0.1:6333")).toBe(false);
    expect(internalOnly("https://prometheus.example.com")).toBe(false);
    expect(internalOnly("http://localhost:11434")).toBe(false);
  });
});

describe("the verify steps", () => {
  const outputs = (over: Partial<StackOutputs> = {}): StackOutputs => ({
    target: "local",
    apiUrl: base,
    studioUrl: base,
    anonKey: "anon",
    serviceRoleKey: "service",
    dbContainer: "db",
    ...over,
  });
  const context = (o: StackOutputs): VerifyContext =>
    ({
      outputs: o,
      fetch,
      sql: pgMeta(fetch, o.apiUrl, o.serviceRoleKey),
      id: "t1",
      state: {},
    }) as unknown as VerifyContext;

  it("stop at an unreachable gateway: every Supabase step is skipped, services not enabled are skipped, nothing to clean up", async () => {
    handler = (_req, _b, res) => res.writeHead(503).end("no healthy upstream");
    const report = await runSteps(STEPS, context(outputs()), { timeoutMs: 5000 });
    const status = Object.fromEntries(report.steps.map((s) => [s.name, s.status]));
    expect(status["api gateway"]).toBe("fail");
    expect(report.steps.find((s) => s.name === "api gateway")!.detail).toBe(
      `${base}/auth/v1/health answered 503`,
    );
    for (const name of [
      "sql: test table with RLS",
      "auth: sign up",
      "auth: sign in",
      "realtime: insert event",
      "rest: insert and select with RLS",
      "storage: upload and download",
    ])
      expect(status[name]).toBe("skip");
    expect(
      report.steps
        .filter((s) => /qdrant|ollama|open webui|prometheus/.test(s.name))
        .map((s) => s.detail),
    ).toEqual([
      "Qdrant is not enabled on this stack",
      "Ollama is not enabled on this stack",
      "Open WebUI is not enabled on this stack",
      "Prometheus is not enabled on this stack",
    ]);
    expect(report.cleanup).toEqual([]);
    expect(report.ok).toBe(false);
  });

  it("on vps, skips services that only the server's Docker network reaches, and signs in to Prometheus", async () => {
    handler = (req, _b, res) =>
      req.url!.startsWith("/api/v1/targets")
        ? json(res, {
            data: {
              activeTargets: [{ labels: { job: "kong", instance: "kong:8100" }, health: "up" }],
            },
          })
        : res.writeHead(503).end();
    const o = outputs({
      target: "vps",
      qdrantUrl: "http://qdrant:6333",
      ollamaUrl: "http://ollama:11434",
      prometheusUrl: base,
      dashboardUsername: "supabase",
      dashboardPassword: "pw",
    });
    const report = await runSteps(STEPS, context(o), { timeoutMs: 5000 });
    expect(report.steps.find((s) => s.name === "qdrant: create, upsert, query")!.detail).toBe(
      "Qdrant is reachable only on the stack's Docker network (http://qdrant:6333)",
    );
    expect(report.steps.find((s) => s.name === "prometheus: targets up")).toMatchObject({
      status: "pass",
      detail: "1 targets up: kong",
    });
    expect(seen.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from("supabase:pw").toString("base64")}`,
    );
  });
});

describe("the Open WebUI step", () => {
  const outputs = (over: Partial<StackOutputs>): StackOutputs => ({
    target: "local",
    apiUrl: base,
    studioUrl: base,
    anonKey: "anon",
    serviceRoleKey: "service",
    ...over,
  });
  const step = STEPS.find((s) => s.name.startsWith("open webui"))!;
  const ctx = (o: StackOutputs) => ({ outputs: o, fetch }) as unknown as VerifyContext;

  it("signs in with the stack's admin outputs and names the models it lists", async () => {
    handler = (req, _b, res) =>
      req.url === "/health"
        ? json(res, { status: true })
        : req.url === "/api/v1/auths/signin"
          ? json(res, { token: "t" })
          : json(res, { data: [{ id: "llama3.2:1b" }] });
    const o = outputs({
      openWebuiUrl: base,
      openWebuiAdminEmail: "admin@localhost",
      openWebuiAdminPassword: "pw",
    });
    expect(step.skipIf!(ctx(o))).toBeUndefined();
    expect(await step.run(ctx(o), () => undefined)).toBe(
      "signed in as admin@localhost; 1 models: llama3.2:1b",
    );
  });

  it("is skipped, saying why, when the stack predates the admin outputs", () => {
    expect(step.skipIf!(ctx(outputs({ openWebuiUrl: base })))).toBe(
      "the stack has no Open WebUI admin outputs (update it with pulumi up)",
    );
  });
});

describe("npm run verify arguments", () => {
  it.each(["abc", "0", "-5", "1e3", "7200"])(
    "--timeout %s is refused in one line before the stack is read (exit 2)",
    async (value) => {
      const r = await runScript("verify", ["-s", "local", `--timeout=${value}`], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim()).toBe(
        `verify: --timeout must be a number of seconds between 0 and 3600, got "${value}"`,
      );
    },
  );
});
