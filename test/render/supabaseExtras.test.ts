import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderGrafanaDatasources } from "../../components/render/grafana";
import { LUA_AUTH_EXPR, LUA_RT_WS_EXPR, renderKongYml } from "../../components/render/kong";
import { LEGACY_LUA, luaExprs } from "../../components/render/kongKeys";
import { SUPAVISOR_COMMAND, renderPoolerExs } from "../../components/render/pooler";

const translation = {
  publishableKey: "sb_publishable_AAAAAAAAAAAAAAAAAAAAAA_cccccccc",
  secretKey: "sb_secret_BBBBBBBBBBBBBBBBBBBBBB_dddddddd",
  anonKeyAsymmetric: "eyJhbm9u.eyJyb2xlIjoiYW5vbiJ9.c2ln",
  serviceRoleKeyAsymmetric: "eyJzdmM.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln",
};
const base = { anonKey: "legacy.anon.jwt", serviceRoleKey: "legacy.service.jwt", dashboardUsername: "supabase", dashboardPassword: "pw" };

describe("Kong key translation", () => {
  it("is exactly the legacy expressions without sb_ keys, so hs256 stacks render as before", () => {
    expect(luaExprs(undefined)).toBe(LEGACY_LUA);
    expect([LEGACY_LUA.auth, LEGACY_LUA.realtimeWs]).toEqual([LUA_AUTH_EXPR, LUA_RT_WS_EXPR]);
    const yml = renderKongYml(base);
    expect(yml).not.toMatch(/sb_(publishable|secret)_/);
    expect(parse(yml).services.find((s: { name: string }) => s.name === "storage-v1").plugins).toEqual([{ name: "cors" }]);
  });

  it("swaps sb_ keys for the ES256 JWT of their role, and keeps a user's session", () => {
    expect(luaExprs(translation).auth).toMatchInlineSnapshot(
      `"$((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey == 'sb_secret_BBBBBBBBBBBBBBBBBBBBBB_dddddddd' and 'Bearer eyJzdmM.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln') or (headers.apikey == 'sb_publishable_AAAAAAAAAAAAAAAAAAAAAA_cccccccc' and 'Bearer eyJhbm9u.eyJyb2xlIjoiYW5vbiJ9.c2ln') or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"`,
    );
    expect(luaExprs(translation).realtimeWs).toMatchInlineSnapshot(
      `"$((query_params.apikey == 'sb_secret_BBBBBBBBBBBBBBBBBBBBBB_dddddddd' and 'eyJzdmM.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln') or (query_params.apikey == 'sb_publishable_AAAAAAAAAAAAAAAAAAAAAA_cccccccc' and 'eyJhbm9u.eyJyb2xlIjoiYW5vbiJ9.c2ln') or query_params.apikey)"`,
    );
  });

  it("refuses a key that could break out of a Lua string", () => {
    expect(() => luaExprs({ ...translation, secretKey: "sb_secret_x' or true --" })).toThrow(/outside base64url/);
  });

  it("adds the sb_ keys to the anon and service_role consumers and translates on the storage route", () => {
    const yml = parse(renderKongYml({ ...base, translation }));
    expect(yml.consumers.slice(1)).toEqual([
      { username: "anon", keyauth_credentials: [{ key: "legacy.anon.jwt" }, { key: translation.publishableKey }] },
      { username: "service_role", keyauth_credentials: [{ key: "legacy.service.jwt" }, { key: translation.secretKey }] },
    ]);
    const storage = yml.services.find((s: { name: string }) => s.name === "storage-v1");
    expect(storage.plugins[1].config.add.headers[0]).toMatch(/^Authorization: \$\(.* or ''\)$/);
    expect(storage.plugins[2].config.access[0]).toContain("kong.service.request.clear_header('Authorization')");
  });
});

describe("Supavisor tenant bootstrap", () => {
  it("runs migrate, the tenant script and the server, with a single $ for the shell", () => {
    expect(SUPAVISOR_COMMAND).toEqual(["/bin/sh", "-c", '/app/bin/migrate && /app/bin/supavisor eval "$(cat /etc/pooler/pooler.exs)" && /app/bin/server']);
  });

  it("renders pooler.exs from env only, re-creating the tenant so rotated passwords apply", () => {
    expect(renderPoolerExs()).toMatchInlineSnapshot(`
      "# ownstack: the Supavisor tenant of this stack, rebuilt from env on every start
      # (clients log in as <user>.<POOLER_TENANT_ID>).
      {:ok, _} = Application.ensure_all_started(:supavisor)

      env = &System.fetch_env!/1
      tenant_id = env.("POOLER_TENANT_ID")
      %{rows: [[server_version]]} = Supavisor.Repo.query!("SHOW server_version")

      Supavisor.Tenants.delete_tenant_by_external_id(tenant_id)

      {:ok, _} =
        Supavisor.Tenants.create_tenant(%{
          "external_id" => tenant_id,
          "db_host" => env.("POSTGRES_HOST"),
          "db_port" => env.("POSTGRES_PORT"),
          "db_database" => env.("POSTGRES_DB"),
          "require_user" => false,
          "auth_query" => "SELECT * FROM pgbouncer.get_auth($1)",
          "default_max_clients" => env.("POOLER_MAX_CLIENT_CONN"),
          "default_pool_size" => env.("POOLER_DEFAULT_POOL_SIZE"),
          "default_parameter_status" => %{"server_version" => server_version},
          "users" => [
            %{
              "db_user" => "pgbouncer",
              "db_password" => env.("POSTGRES_PASSWORD"),
              "mode_type" => env.("POOLER_POOL_MODE"),
              "pool_size" => env.("POOLER_DEFAULT_POOL_SIZE"),
              "is_manager" => true
            }
          ]
        })
      "
    `);
  });
});

describe("Grafana provisioning", () => {
  it("renders Prometheus as the default, read-only data source", () => {
    expect(renderGrafanaDatasources("http://prometheus:9090")).toMatchInlineSnapshot(`
      "apiVersion: 1
      datasources:
        - name: Prometheus
          type: prometheus
          uid: ownstack-prometheus
          access: proxy
          url: http://prometheus:9090
          isDefault: true
          editable: false
      "
    `);
  });
});
