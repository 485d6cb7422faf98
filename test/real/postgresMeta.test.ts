import { ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metaEnv } from "../../components/meta";
import { IMAGES } from "../../config/images";
import { Cluster } from "../support/postgres";
import { PortTakenError, onFreePort } from "../support/ports";
import { Login, runSql } from "../support/sql";
import { startInitialisedDb } from "../support/supabaseDb";

/**
 * Studio's table editor against our database, through the real postgres-meta: npm's
 * @supabase/postgres-meta at the version of the image we pin (supabase/postgres-meta:v0.99.0),
 * started as the image starts it (dist/server/server.js) with the meta container's environment
 * (metaEnv), only the database address changed to the test server. The database is initialised
 * with our init SQL as the supabase/postgres image would, and postgres is demoted as the image's
 * migration 10000000000000_demote-postgres.sql does, so meta works with the rights it has there.
 */

const require_ = createRequire(__filename);
const META_PACKAGE = join(require_.resolve("@supabase/postgres-meta/package.json"), "..");
const PASSWORD = "meta-test-password";
const CRYPTO_KEY = "meta-test-crypto-key-with-32-chars-plus";

let cluster: Cluster;
let at: Login;
let meta: ChildProcess | undefined;
let base: string;

/** Starts the server on `port`; resolves once it answers, rejects with PortTakenError when it could not bind. */
function startMeta(port: number): Promise<ChildProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(metaEnv(PASSWORD, CRYPTO_KEY))) env[k] = String(v);
  Object.assign(env, {
    PG_META_DB_HOST: at.host,
    PG_META_DB_PORT: String(at.port),
    PG_META_HOST: "127.0.0.1",
    PG_META_PORT: String(port),
  });
  const child = spawn(process.execPath, [join(META_PACKAGE, "dist", "server", "server.js")], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  return new Promise((resolve, reject) => {
    let settled = false;
    child.once("exit", (code) => {
      if (settled) return;
      settled = true;
      reject(
        /EADDRINUSE/.test(log)
          ? new PortTakenError(`port ${port} taken`)
          : new Error(`postgres-meta exited with ${code}: ${log}`),
      );
    });
    const poll = async () => {
      if (settled) return;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/schemas`);
        if (res.ok) {
          settled = true;
          resolve(child);
          return;
        }
      } catch {
        // not listening yet
      }
      setTimeout(poll, 100);
    };
    void poll();
  });
}

async function call<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  ({ cluster, at } = await startInitialisedDb("ownstack-meta-", PASSWORD));
  await runSql(at, "supabase_admin", PASSWORD, "ALTER ROLE postgres NOSUPERUSER");
  let port = 0;
  meta = await onFreePort(async (p) => {
    port = p;
    return startMeta(p);
  });
  base = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  if (meta && meta.exitCode === null) {
    const exited = new Promise((resolve) => meta?.once("exit", resolve));
    meta.kill("SIGTERM");
    await exited;
  }
  await cluster?.dispose();
});

interface Named {
  id: number;
  name: string;
}

describe("postgres-meta 0.99.0 (npm, as in the image) on our initialised database", () => {
  it("the npm package is the version of the image we pin, so this test runs what the meta container runs", () => {
    const npmVersion = (require_(join(META_PACKAGE, "package.json")) as { version: string })
      .version;
    expect(`supabase/postgres-meta:v${npmVersion}`).toBe(IMAGES.meta);
  });

  it("connects as postgres, not a superuser, the way the meta container does", async () => {
    const [row] = await call<{ current_user: string; rolsuper: boolean }[]>("POST", "/query", {
      query: "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user",
    });
    expect(row).toEqual({ current_user: "postgres", rolsuper: false });
  });

  it("lists the schemas Studio's schema picker shows: public, and supabase_functions, which 98-webhooks.sql grants to postgres", async () => {
    // The test database holds only the image roles' stand-ins (fixtures/supabase-image-roles.sql);
    // auth and storage are not granted to postgres there, so meta does not list them.
    const names = (await call<Named[]>("GET", "/schemas")).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["public", "supabase_functions"]));
  });

  it("creates a table the way the table editor does, then lists it with its columns", async () => {
    const table = await call<Named & { schema: string }>("POST", "/tables", {
      name: "todos",
      schema: "public",
      comment: "from the table editor",
    });
    expect(table).toMatchObject({
      name: "todos",
      schema: "public",
      comment: "from the table editor",
    });
    await call("POST", "/columns", {
      table_id: table.id,
      name: "id",
      type: "int8",
      is_identity: true,
      identity_generation: "BY DEFAULT",
      is_primary_key: true,
    });
    await call("POST", "/columns", {
      table_id: table.id,
      name: "title",
      type: "text",
      is_nullable: false,
      default_value: "untitled",
      default_value_format: "literal",
    });

    const tables = await call<
      (Named & {
        columns: { name: string; data_type: string; is_nullable: boolean }[];
        primary_keys: { name: string }[];
      })[]
    >("GET", "/tables?included_schemas=public&include_columns=true");
    const todos = tables.find((t) => t.name === "todos");
    expect(todos?.primary_keys.map((k) => k.name)).toEqual(["id"]);
    expect(todos?.columns.map((c) => [c.name, c.data_type, c.is_nullable])).toEqual([
      ["id", "bigint", false],
      ["title", "text", false],
    ]);
    const columns = await call<{ table: string; name: string; default_value: string }[]>(
      "GET",
      "/columns?included_schemas=public",
    );
    expect(columns.find((c) => c.table === "todos" && c.name === "title")?.default_value).toBe(
      "'untitled'::text",
    );
  });

  it("turns on RLS and adds a policy, as the table editor's policy dialog does", async () => {
    const [todos] = (
      await call<(Named & { schema: string })[]>("GET", "/tables?included_schemas=public")
    ).filter((t) => t.name === "todos");
    await call("PATCH", `/tables/${todos.id}`, { rls_enabled: true });
    await call("POST", "/policies", {
      name: "read own todos",
      schema: "public",
      table: "todos",
      action: "PERMISSIVE",
      command: "SELECT",
      roles: ["authenticated"],
      definition: "true",
    });
    const policies = await call<
      { name: string; table: string; command: string; roles: string[]; definition: string }[]
    >("GET", "/policies?included_schemas=public");
    expect(policies).toEqual([
      expect.objectContaining({
        name: "read own todos",
        table: "todos",
        command: "SELECT",
        roles: ["authenticated"],
        definition: "true",
      }),
    ]);
    const [again] = (
      await call<(Named & { rls_enabled: boolean })[]>("GET", "/tables?included_schemas=public")
    ).filter((t) => t.name === "todos");
    expect(again.rls_enabled).toBe(true);
  });

  it("accepts Studio's encrypted connection header only when it was made with the same PG_META_CRYPTO_KEY", async () => {
    // Studio sends its connection string AES-encrypted with PG_META_CRYPTO_KEY (crypto-js, as meta decrypts it).
    const CryptoJS = require_("crypto-js") as {
      AES: { encrypt(text: string, key: string): { toString(): string } };
    };
    const conn = `postgresql://postgres:${PASSWORD}@${at.host}:${at.port}/postgres`;
    const good = CryptoJS.AES.encrypt(conn, CRYPTO_KEY).toString();
    const rows = await call<{ n: number }[]>(
      "POST",
      "/query",
      { query: "SELECT 1 AS n" },
      { "x-connection-encrypted": good },
    );
    expect(rows).toEqual([{ n: 1 }]);
    const bad = CryptoJS.AES.encrypt(conn, "another-key-entirely-of-32-chars!!").toString();
    await expect(
      call("POST", "/query", { query: "SELECT 1 AS n" }, { "x-connection-encrypted": bad }),
    ).rejects.toThrow();
  });
});
