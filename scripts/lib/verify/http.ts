/**
 * The plain-HTTP checks of `npm run verify` (Mailpit, Ollama, Prometheus, pg-meta), written
 * against `fetch` so tests can point them at small local servers that answer like the real APIs.
 */

export type Fetch = typeof fetch;

async function json<T>(f: Fetch, url: string, init?: RequestInit): Promise<T> {
  const res = await f(url, init);
  if (!res.ok)
    throw new Error(
      `${init?.method ?? "GET"} ${new URL(url).pathname} answered ${res.status} ${(await res.text()).slice(0, 200)}`,
    );
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The GoTrue confirmation link in a mail's text or HTML (HTML-escaped `&amp;` undone). */
export function confirmationLink(text: string): string | undefined {
  const m = /https?:\/\/[^\s"'<>()\]]+\/auth\/v1\/verify\?[^\s"'<>()\]]+/.exec(text);
  return m?.[0].replace(/&amp;/g, "&");
}

/**
 * Finds the sign-up mail to `email` in Mailpit (polling: GoTrue sends it asynchronously) and opens
 * its link, which confirms the address. GoTrue answers with a redirect to the site URL.
 */
export async function confirmViaMailpit(
  f: Fetch,
  mailpitUrl: string,
  email: string,
  opts: { attempts?: number; delayMs?: number } = {},
): Promise<string> {
  const attempts = opts.attempts ?? 30;
  for (let i = 0; i < attempts; i++) {
    const found = await json<{ messages?: { ID: string }[] }>(
      f,
      `${mailpitUrl}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`,
    );
    const id = found.messages?.[0]?.ID;
    if (id !== undefined) {
      const message = await json<{ Text?: string; HTML?: string }>(
        f,
        `${mailpitUrl}/api/v1/message/${encodeURIComponent(id)}`,
      );
      const link = confirmationLink(message.Text ?? "") ?? confirmationLink(message.HTML ?? "");
      if (link === undefined) throw new Error(`the mail to ${email} has no /auth/v1/verify link`);
      const res = await f(link, { redirect: "manual" });
      if (res.status >= 400) throw new Error(`the confirmation link answered ${res.status}`);
      return link;
    }
    await sleep(opts.delayMs ?? 500);
  }
  throw new Error(`no mail to ${email} arrived in Mailpit`);
}

/** A Docker network alias such as `http://qdrant:6333`: apps on the stack's network reach it, this machine does not. */
export function internalOnly(url: string): boolean {
  const host = new URL(url).hostname;
  return host !== "localhost" && !host.includes(".") && !host.includes(":");
}

/** Ollama's `/api/tags`: the models pulled so far. */
export async function ollamaModels(f: Fetch, ollamaUrl: string): Promise<string[]> {
  const tags = await json<{ models?: { name: string }[] }>(f, `${ollamaUrl}/api/tags`);
  return (tags.models ?? []).map((m) => m.name).sort();
}

/**
 * Open WebUI end to end: `/health` answers, the admin signs in (`POST /api/v1/auths/signin`,
 * backend/open_webui/routers/auths.py) and `GET /api/models` lists what it reaches through
 * Ollama (backend/open_webui/main.py; https://docs.openwebui.com/getting-started/api-endpoints).
 * The token lives only in this call.
 */
export async function openWebuiModels(
  f: Fetch,
  url: string,
  admin: { email: string; password: string },
): Promise<string[]> {
  const health = await json<{ status?: boolean }>(f, `${url}/health`);
  if (health.status !== true) throw new Error(`/health answered ${JSON.stringify(health)}`);
  const { token } = await json<{ token?: string }>(f, `${url}/api/v1/auths/signin`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(admin),
  });
  if (!token) throw new Error("sign-in answered without a token");
  const models = await json<{ data?: { id: string }[] }>(f, `${url}/api/models`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (models.data ?? []).map((m) => m.id).sort();
}

export interface TargetHealth {
  readonly job: string;
  readonly instance: string;
  readonly health: string;
  readonly lastError: string;
}

/** Prometheus's `/api/v1/targets` active targets. */
export async function prometheusTargets(
  f: Fetch,
  prometheusUrl: string,
  headers: Record<string, string> = {},
): Promise<TargetHealth[]> {
  const body = await json<{
    data?: {
      activeTargets?: {
        labels?: Record<string, string>;
        scrapePool?: string;
        health: string;
        lastError?: string;
      }[];
    };
  }>(f, `${prometheusUrl}/api/v1/targets?state=active`, { headers });
  return (body.data?.activeTargets ?? []).map((t) => ({
    job: t.labels?.job ?? t.scrapePool ?? "?",
    instance: t.labels?.instance ?? "?",
    health: t.health,
    lastError: t.lastError ?? "",
  }));
}

/** Every active target is up; the error names the ones that are not. */
export function requireTargetsUp(targets: readonly TargetHealth[]): string {
  if (targets.length === 0) throw new Error("Prometheus has no active targets");
  const down = targets.filter((t) => t.health !== "up");
  if (down.length > 0)
    throw new Error(
      `down: ${down.map((t) => `${t.job} (${t.instance}${t.lastError ? `: ${t.lastError}` : ""})`).join(", ")}`,
    );
  return `${targets.length} targets up: ${[...new Set(targets.map((t) => t.job))].sort().join(", ")}`;
}

/**
 * SQL through pg-meta behind Kong (`/pg/query`, service_role only): verify sets up and removes
 * its table without a database port or `docker exec`, on local and vps alike.
 */
export function pgMeta(
  f: Fetch,
  apiUrl: string,
  serviceRoleKey: string,
): (sql: string) => Promise<unknown[]> {
  return (sql) =>
    json<unknown[]>(f, `${apiUrl}/pg/query`, {
      method: "POST",
      headers: {
        apikey: serviceRoleKey,
        authorization: `Bearer ${serviceRoleKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ query: sql }),
    });
}
