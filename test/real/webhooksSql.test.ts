import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initSqlFiles } from "../../components/render/initSql";
import { renderWebhooksSql } from "../../components/render/webhooksSql";
import { Cluster } from "../support/postgres";
import { Login, runSql, withLogin } from "../support/sql";
import { startInitialisedDb } from "../support/supabaseDb";
import { withoutPgNet } from "../support/supabaseInit";

/**
 * Database Webhooks (98-webhooks.sql) on a real Postgres, initialised as the supabase/postgres image
 * initialises an empty data directory. pg_net itself is not in a plain Postgres: the test server
 * skips that one statement (withoutPgNet), so the pg_net grants, which upstream guards with
 * "IF EXISTS pg_net", are not exercised here, and a webhook cannot fire; everything else is.
 */

const PASSWORD = "webhooks-test-password";
let cluster: Cluster;
let at: Login;
const asAdmin = async (sql: string) =>
  (await runSql(at, "supabase_admin", PASSWORD, sql)).at(-1)?.rows ?? [];

/** Everything the script creates or grants, as one comparable value. */
const STATE_SQL = `SELECT json_build_object(
  'schemas', (SELECT json_agg(json_build_object('name', nspname, 'owner', nspowner::regrole::text, 'acl', nspacl::text[]) ORDER BY nspname)
              FROM pg_namespace WHERE nspname IN ('supabase_functions', 'extensions')),
  'relations', (SELECT json_agg(json_build_object('name', relname, 'kind', relkind, 'owner', relowner::regrole::text, 'acl', relacl::text[]) ORDER BY relname)
                FROM pg_class WHERE relnamespace = 'supabase_functions'::regnamespace),
  'functions', (SELECT json_agg(json_build_object('name', p.oid::regprocedure::text, 'owner', proowner::regrole::text, 'definer', prosecdef,
                                                  'config', proconfig, 'acl', proacl::text[], 'body', md5(prosrc)) ORDER BY p.oid::regprocedure::text)
                FROM pg_proc p WHERE pronamespace IN ('supabase_functions'::regnamespace, 'extensions'::regnamespace)),
  'members', (SELECT json_agg(json_build_object('role', roleid::regrole::text, 'member', member::regrole::text, 'grantor', grantor::regrole::text) ORDER BY member::regrole::text)
              FROM pg_auth_members WHERE roleid = 'supabase_functions_admin'::regrole),
  'roleConfig', (SELECT rolconfig FROM pg_roles WHERE rolname = 'supabase_functions_admin'),
  'defaultAcl', (SELECT json_agg(json_build_object('role', defaclrole::regrole::text, 'type', defaclobjtype, 'acl', defaclacl::text[]) ORDER BY defaclobjtype)
                 FROM pg_default_acl WHERE defaclnamespace = 'supabase_functions'::regnamespace),
  'eventTriggers', (SELECT json_agg(json_build_object('name', evtname, 'event', evtevent, 'tags', evttags, 'fn', evtfoid::regproc::text, 'enabled', evtenabled) ORDER BY evtname)
                    FROM pg_event_trigger),
  'migrations', (SELECT json_agg(version ORDER BY version) FROM supabase_functions.migrations)
) AS state`;
const state = async () => (await asAdmin(STATE_SQL))[0].state;

beforeAll(async () => {
  ({ cluster, at } = await startInitialisedDb("ownstack-webhooks-", PASSWORD));
});

afterAll(async () => {
  await cluster?.dispose();
});

describe("Database Webhooks SQL (upstream's webhooks.sql) on a real Postgres", () => {
  it("runs as init script 98, before 99-jwt and 99-roles, as upstream mounts it", () => {
    const init = initSqlFiles("pw", 3600)
      .map((f) => f.file)
      .filter((f) => f.includes("/init-scripts/"))
      .sort();
    expect(init).toEqual([
      "/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql",
      "/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql",
      "/docker-entrypoint-initdb.d/init-scripts/99-roles.sql",
    ]);
  });

  it("creates supabase_functions (owner supabase_admin) with hooks and migrations owned by supabase_functions_admin", async () => {
    const s = await state();
    expect(s.schemas.find((n: { name: string }) => n.name === "supabase_functions").owner).toBe(
      "supabase_admin",
    );
    const owners = Object.fromEntries(
      s.relations.map((r: { name: string; owner: string }) => [r.name, r.owner]),
    );
    expect(owners).toMatchObject({
      hooks: "supabase_functions_admin",
      migrations: "supabase_functions_admin",
    });
    expect(Object.keys(owners)).toEqual(
      expect.arrayContaining([
        "hooks_id_seq",
        "supabase_functions_hooks_request_id_idx",
        "supabase_functions_hooks_h_table_id_h_name_idx",
      ]),
    );
    expect(s.migrations).toEqual([
      "20210809183423_update_grants",
      "20240115163000_add_retry_to_http_request",
      "initial",
    ]);
  });

  it("http_request() is a SECURITY DEFINER owned by supabase_functions_admin, callable by the API roles and not by PUBLIC", async () => {
    const [fn] = await asAdmin(
      "SELECT proowner::regrole::text AS owner, prosecdef, proconfig, proacl::text[] AS acl FROM pg_proc WHERE oid = 'supabase_functions.http_request()'::regprocedure",
    );
    expect(fn).toMatchObject({
      owner: "supabase_functions_admin",
      prosecdef: true,
      proconfig: ["search_path=supabase_functions"],
    });
    expect(fn.acl.some((entry: string) => entry.startsWith("="))).toBe(false);
    const can = await asAdmin(
      "SELECT r AS role, has_function_privilege(r, 'supabase_functions.http_request()', 'EXECUTE') AS ok FROM unnest(ARRAY['postgres', 'anon', 'authenticated', 'service_role']) r",
    );
    expect(can.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it("supabase_functions_admin is a NOINHERIT login role searching supabase_functions, granted to postgres", async () => {
    const [role] = await asAdmin(
      "SELECT rolinherit, rolcreaterole, rolcanlogin, rolconfig FROM pg_roles WHERE rolname = 'supabase_functions_admin'",
    );
    expect(role).toEqual({
      rolinherit: false,
      rolcreaterole: true,
      rolcanlogin: true,
      rolconfig: ["search_path=supabase_functions"],
    });
    expect((await state()).members.map((m: { member: string }) => m.member)).toEqual(["postgres"]);
  });

  it("the issue_pg_net_access event trigger fires extensions.grant_pg_net_access() on CREATE EXTENSION", async () => {
    expect((await state()).eventTriggers).toContainEqual({
      name: "issue_pg_net_access",
      event: "ddl_command_end",
      tags: ["CREATE EXTENSION"],
      fn: "extensions.grant_pg_net_access",
      enabled: "O",
    });
  });

  it("a second run (the migrations job on a database init already set up) changes nothing", async () => {
    const before = await state();
    await asAdmin(withoutPgNet(renderWebhooksSql()));
    expect(await state()).toEqual(before);
  });

  it("a `supabase db diff` migration that adds a Database Webhook applies as postgres, once postgres is no superuser", async () => {
    // The image demotes postgres after init (post-setup); user migrations run as postgres.
    await asAdmin("ALTER ROLE postgres NOSUPERUSER");
    const trigger = await withLogin(at, "postgres", PASSWORD, async (c) => {
      await c.query("CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric)");
      await c.query(
        `CREATE TRIGGER "order_created" AFTER INSERT ON "public"."orders" FOR EACH ROW EXECUTE FUNCTION "supabase_functions"."http_request"('http://functions:9000/order-created', 'POST', '{"Content-type":"application/json"}', '{}', '5000')`,
      );
      return c.query(
        "SELECT tgfoid::regproc::text AS fn FROM pg_trigger WHERE tgname = 'order_created'",
      );
    });
    expect(trigger.rows).toEqual([{ fn: "supabase_functions.http_request" }]);
  });
});
