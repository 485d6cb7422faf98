import { randomBytes } from "node:crypto";
import type { QdrantClient } from "@qdrant/js-client-rest";
import type { SupabaseClient } from "@supabase/supabase-js";
import type { StackOutputs } from "../pulumi";
import {
  Fetch,
  confirmViaMailpit,
  internalOnly,
  ollamaModels,
  openWebuiModels,
  prometheusTargets,
  requireTargetsUp,
} from "./http";
import { Step } from "./runner";

/**
 * The checks of `npm run verify`, in order, over clients built from the stack outputs. Each step
 * registers how to undo what it created, so a failed run leaves no test user, table, bucket or
 * collection behind.
 */

export interface VerifyContext {
  readonly outputs: StackOutputs;
  readonly fetch: Fetch;
  /** Anon-key client the test user signs in with. */
  readonly user: SupabaseClient;
  /** Anon-key client that never signs in: sees what RLS grants `anon`. */
  readonly anon: SupabaseClient;
  /** service_role client, for the admin calls of setup and cleanup only. */
  readonly admin: SupabaseClient;
  readonly sql: (query: string) => Promise<unknown[]>;
  readonly qdrant?: QdrantClient;
  /** Random suffix of everything this run creates. */
  readonly id: string;
  readonly state: { userId?: string; email?: string; password?: string };
}

export const newRunId = () => randomBytes(4).toString("hex");
export const tableName = (id: string) => `ownstack_verify_${id}`;

/** supabase-js answers `{data, error}`; an error becomes the step's failure. */
function check<R extends { data: unknown; error: { message: string } | null }>(
  result: R,
  what: string,
): NonNullable<Extract<R, { error: null }>["data"]> {
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  return result.data as NonNullable<Extract<R, { error: null }>["data"]>;
}

/** Why a service cannot be checked from here, if it cannot. */
function unreachable(url: string | undefined, service: string): string | undefined {
  if (!url) return `${service} is not enabled on this stack`;
  return internalOnly(url)
    ? `${service} is reachable only on the stack's Docker network (${url})`
    : undefined;
}

export const STEPS: Step<VerifyContext>[] = [
  {
    name: "api gateway",
    async run(ctx) {
      const res = await ctx.fetch(`${ctx.outputs.apiUrl}/auth/v1/health`, {
        headers: { apikey: ctx.outputs.anonKey },
      });
      if (!res.ok) throw new Error(`${ctx.outputs.apiUrl}/auth/v1/health answered ${res.status}`);
      const body = (await res.json()) as { version?: string };
      return `auth ${body.version ?? "healthy"} behind ${ctx.outputs.apiUrl}`;
    },
  },
  {
    name: "sql: test table with RLS",
    needs: ["api gateway"],
    async run(ctx, cleanup) {
      const t = `public.${tableName(ctx.id)}`;
      await ctx.sql(
        `create table ${t} (id bigint generated always as identity primary key, owner uuid not null default auth.uid(), body text not null);
         alter table ${t} enable row level security;
         create policy own_rows on ${t} for all to authenticated using (owner = auth.uid()) with check (owner = auth.uid());
         grant select, insert on ${t} to authenticated;
         alter publication supabase_realtime add table ${t};
         notify pgrst, 'reload schema';`,
      );
      cleanup(`drop ${t}`, () =>
        ctx.sql(`drop table if exists ${t}; notify pgrst, 'reload schema';`),
      );
      return `${t} via pg-meta`;
    },
  },
  {
    name: "auth: sign up",
    needs: ["api gateway"],
    async run(ctx, cleanup) {
      const email = `verify-${ctx.id}@example.com`;
      const password = randomBytes(18).toString("base64url");
      const data = check(await ctx.user.auth.signUp({ email, password }), "sign-up");
      if (!data.user) throw new Error("sign-up returned no user");
      const userId = data.user.id;
      Object.assign(ctx.state, { userId, email, password });
      cleanup(`delete user ${email}`, async () =>
        check(await ctx.admin.auth.admin.deleteUser(userId), "delete user"),
      );
      if (data.session) return `${email} (autoconfirm)`;
      if (!ctx.outputs.mailpitUrl)
        throw new Error(
          "sign-up needs a confirmation mail and this stack has no Mailpit; confirm by hand or set ownstack:enableEmailAutoconfirm",
        );
      await confirmViaMailpit(ctx.fetch, ctx.outputs.mailpitUrl, email);
      return `${email} (confirmed through Mailpit)`;
    },
  },
  {
    name: "auth: sign in",
    needs: ["auth: sign up"],
    async run(ctx) {
      const data = check(
        await ctx.user.auth.signInWithPassword({
          email: ctx.state.email!,
          password: ctx.state.password!,
        }),
        "sign-in",
      );
      return `session until ${new Date((data.session?.expires_at ?? 0) * 1000).toISOString()}`;
    },
  },
  {
    name: "realtime: insert event",
    needs: ["auth: sign in", "sql: test table with RLS"],
    skipIf: () =>
      typeof WebSocket === "undefined"
        ? "this Node has no WebSocket: use Node 22+, or run through npm run verify (it passes --experimental-websocket)"
        : undefined,
    async run(ctx) {
      const table = tableName(ctx.id);
      const body = `realtime ${ctx.id}`;
      const channel = ctx.user.channel(`verify-${ctx.id}`);
      try {
        const event = new Promise<string>((ok) =>
          channel.on("postgres_changes", { event: "INSERT", schema: "public", table }, (payload) =>
            ok(String((payload.new as { body?: string }).body)),
          ),
        );
        await new Promise<void>((ok, fail) =>
          channel.subscribe((status, err) =>
            status === "SUBSCRIBED"
              ? ok()
              : status === "CHANNEL_ERROR" || status === "TIMED_OUT"
                ? fail(new Error(`subscribe: ${status} ${err?.message ?? ""}`.trim()))
                : undefined,
          ),
        );
        check(await ctx.user.from(table).insert({ body }), "insert");
        const received = await event;
        if (received !== body) throw new Error(`event carried "${received}", expected "${body}"`);
        return "INSERT event received over the websocket";
      } finally {
        await ctx.user.removeChannel(channel);
      }
    },
  },
  {
    name: "rest: insert and select with RLS",
    needs: ["auth: sign in", "sql: test table with RLS"],
    async run(ctx) {
      const table = tableName(ctx.id);
      check(await ctx.user.from(table).insert({ body: `rest ${ctx.id}` }), "insert");
      const own = check(await ctx.user.from(table).select("owner, body"), "select as the user");
      if (own.length === 0 || own.some((r) => r.owner !== ctx.state.userId))
        throw new Error(`the user sees ${own.length} rows, not only its own`);
      const asAnon = check(await ctx.anon.from(table).select("id"), "select as anon");
      if (asAnon.length !== 0)
        throw new Error(`anon sees ${asAnon.length} rows: RLS is not applied`);
      return `user sees its ${own.length} rows, anon sees none`;
    },
  },
  {
    name: "storage: upload and download",
    needs: ["api gateway"],
    async run(ctx, cleanup) {
      const bucket = `ownstack-verify-${ctx.id}`;
      check(await ctx.admin.storage.createBucket(bucket, { public: false }), "create bucket");
      cleanup(`delete bucket ${bucket}`, async () => {
        check(await ctx.admin.storage.emptyBucket(bucket), "empty bucket");
        check(await ctx.admin.storage.deleteBucket(bucket), "delete bucket");
      });
      const content = randomBytes(64 * 1024);
      check(
        await ctx.admin.storage
          .from(bucket)
          .upload("verify.bin", content, { contentType: "application/octet-stream" }),
        "upload",
      );
      const blob = check(await ctx.admin.storage.from(bucket).download("verify.bin"), "download");
      const back = Buffer.from(await blob.arrayBuffer());
      if (!back.equals(content))
        throw new Error(
          `downloaded ${back.length} bytes that differ from the ${content.length} uploaded`,
        );
      return `64 KiB round trip through ${ctx.outputs.minioContainer ? "MinIO" : "file storage"}`;
    },
  },
  {
    name: "qdrant: create, upsert, query",
    skipIf: (ctx) =>
      unreachable(ctx.outputs.qdrantUrl, "Qdrant") ?? (ctx.qdrant ? undefined : "no Qdrant client"),
    async run(ctx, cleanup) {
      const q = ctx.qdrant!;
      const name = `ownstack-verify-${ctx.id}`;
      await q.createCollection(name, { vectors: { size: 4, distance: "Cosine" } });
      cleanup(`delete collection ${name}`, () => q.deleteCollection(name));
      await q.upsert(name, {
        wait: true,
        points: [
          { id: 1, vector: [1, 0, 0, 0], payload: { n: 1 } },
          { id: 2, vector: [0, 1, 0, 0], payload: { n: 2 } },
          { id: 3, vector: [0, 0, 1, 0], payload: { n: 3 } },
        ],
      });
      const found = await q.query(name, { query: [0.1, 0.9, 0, 0], limit: 1, with_payload: true });
      if (found.points[0]?.id !== 2)
        throw new Error(`nearest point is ${String(found.points[0]?.id)}, expected 2`);
      return "nearest neighbour found";
    },
  },
  {
    name: "ollama: list models",
    skipIf: (ctx) => unreachable(ctx.outputs.ollamaUrl, "Ollama"),
    async run(ctx) {
      const models = await ollamaModels(ctx.fetch, ctx.outputs.ollamaUrl!);
      return models.length > 0
        ? `${models.length} models: ${models.join(", ")}`
        : "answers; no models pulled yet (ownstack:ollamaModels)";
    },
  },
  {
    name: "open webui: admin sign-in, models through Ollama",
    skipIf: (ctx) =>
      unreachable(ctx.outputs.openWebuiUrl, "Open WebUI") ??
      (ctx.outputs.openWebuiAdminEmail && ctx.outputs.openWebuiAdminPassword
        ? undefined
        : "the stack has no Open WebUI admin outputs (update it with pulumi up)"),
    async run(ctx) {
      const { openWebuiUrl: url, openWebuiAdminEmail: email } = ctx.outputs;
      const models = await openWebuiModels(ctx.fetch, url!, {
        email: email!,
        password: ctx.outputs.openWebuiAdminPassword!,
      });
      return models.length > 0
        ? `signed in as ${email}; ${models.length} models: ${models.join(", ")}`
        : `signed in as ${email}; no models yet (ownstack:ollamaModels)`;
    },
  },
  {
    name: "prometheus: targets up",
    skipIf: (ctx) => unreachable(ctx.outputs.prometheusUrl, "Prometheus"),
    async run(ctx) {
      // On vps Prometheus sits behind the dashboard's basic auth at prometheus.<domain>.
      const { dashboardUsername: user, dashboardPassword: password } = ctx.outputs;
      const auth =
        ctx.outputs.target === "vps" && user && password
          ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` }
          : undefined;
      return requireTargetsUp(await prometheusTargets(ctx.fetch, ctx.outputs.prometheusUrl!, auth));
    },
  },
];
