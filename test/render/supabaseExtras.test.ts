import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderGrafanaDatasources } from "../../components/render/grafana";
import { renderKongYml } from "../../components/render/kong";
import { LEGACY_LUA, luaExprs } from "../../components/render/kongKeys";
import { SUPAVISOR_COMMAND, renderPoolerExs } from "../../components/render/pooler";

const translation = {
  publishableKey: "sb_publishable_AAAAAAAAAAAAAAAAAAAAAA_cccccccc",
  secretKey: "sb_secret_BBBBBBBBBBBBBBBBBBBBBB_dddddddd",
  anonKeyAsymmetric: "eyJhbm9u.eyJyb2xlIjoiYW5vbiJ9.c2ln",
  serviceRoleKeyAsymmetric: "eyJzdmM.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln",
};
const base = {
  anonKey: "legacy.anon.jwt",
  serviceRoleKey: "legacy.service.jwt",
  dashboardUsername: "supabase",
  dashboardPassword: "pw",
};

describe("Kong key translation", () => {
  it("is exactly the legacy expressions without sb_ keys, so hs256 stacks render as before", () => {
    expect(luaExprs(undefined)).toBe(LEGACY_LUA);
    // Upstream's templates (supabase/supabase docker/volumes/api/kong.yml), which its entrypoint
    // fills in and we render directly: keep a session JWT, else the apikey as a Bearer token.
    expect([LEGACY_LUA.auth, LEGACY_LUA.realtimeWs]).toEqual([
      "$((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))",
      "$(query_params.apikey)",
    ]);
    const yml = renderKongYml(base);
    expect(yml).not.toMatch(/sb_(publishable|secret)_/);
    expect(
      parse(yml).services.find((s: { name: string }) => s.name === "storage-v1").plugins,
    ).toEqual([{ name: "cors" }]);
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
    expect(() => luaExprs({ ...translation, secretKey: "sb_secret_x' or true --" })).toThrow(
      /outside base64url/,
    );
  });

  it("adds the sb_ keys to the anon and service_role consumers and translates on the storage route", () => {
    const yml = parse(renderKongYml({ ...base, translation }));
    expect(yml.consumers.slice(1)).toEqual([
      {
        username: "anon",
        keyauth_credentials: [{ key: "legacy.anon.jwt" }, { key: translation.publishableKey }],
      },
      {
        username: "service_role",
        keyauth_credentials: [{ key: "legacy.service.jwt" }, { key: translation.secretKey }],
      },
    ]);
    const storage = yml.services.find((s: { name: string }) => s.name === "storage-v1");
    expect(storage.plugins[1].config.add.headers[0]).toMatch(/^Authorization: \$\(.* or ''\)$/);
    expect(storage.plugins[2].config.access[0]).toContain(
      "kong.service.request.clear_header('Authorization')",
    );
  });
});

describe("Supavisor tenant bootstrap", () => {
  it("runs migrate, the tenant script and the server, with a single $ for the shell", () => {
    expect(SUPAVISOR_COMMAND).toEqual([
      "/bin/sh",
      "-c",
      '/app/bin/migrate && /app/bin/supavisor eval "$(cat /etc/pooler/pooler.exs)" && /app/bin/server',
    ]);
  });

  it("renders pooler.exs from env only: no host, port, database or password is written into the file", () => {
    const exs = renderPoolerExs();
    const tenant = exs.slice(exs.indexOf("Supavisor.Tenants.create_tenant("));
    // Every `"key" => value` pair of the tenant takes its value from env, from the server, or is a fixed flag.
    const values = [...tenant.matchAll(/"([a-z_]+)" => ([^,\n]+?),?\n/g)].map((m) => [
      m[1],
      m[2].trim(),
    ]);
    expect(values.length).toBeGreaterThan(8);
    const literal = values.filter(
      ([, v]) =>
        !/^env\.\("[A-Z_]+"\)$/.test(v) &&
        !["tenant_id", "true", "false", "["].includes(v) &&
        !v.startsWith('%{"server_version" => server_version}'),
    );
    // The only literals: the role Supavisor looks passwords up as, and upstream's auth query (supabase/supavisor README).
    expect(Object.fromEntries(literal)).toEqual({
      db_user: '"pgbouncer"',
      auth_query: '"SELECT * FROM pgbouncer.get_auth($1)"',
    });
    for (const [key, value] of values)
      if (/(host|port|database|password)$/.test(key))
        expect(value, key).toMatch(/^env\.\("[A-Z_]+"\)$/);
  });

  it("reads each variable with fetch_env!, so a missing one stops the start instead of creating a broken tenant", () => {
    const exs = renderPoolerExs();
    expect(exs).toContain("env = &System.fetch_env!/1");
    expect(exs).not.toMatch(/System\.get_env/);
  });

  it("re-creates the tenant on every start, so a rotated password applies", () => {
    const exs = renderPoolerExs();
    const deleted = exs.indexOf("Supavisor.Tenants.delete_tenant_by_external_id(tenant_id)");
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(exs.indexOf("Supavisor.Tenants.create_tenant("));
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
