import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KongService, renderKongYml } from "../../components/render/kong";

// A change to kong.yml shows up in review as a diff of these snapshots (STYLE.md habit 12). Kong's
// DB-less file repeats each plugin chain on every route it guards, so the services are reviewed as
// a table (route, upstream, plugin chain) over one legend of every distinct plugin entry.

const yml = renderKongYml({
  anonKey: "anon.jwt.dummy",
  serviceRoleKey: "service.jwt.dummy",
  dashboardUsername: "supabase",
  dashboardPassword: "dashboard-password",
});
const services: KongService[] = parse(yml).services;

// Keep a user's session JWT (not an sb_ key), otherwise forward the apikey as a Bearer token.
const BEARER =
  "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))";

/** Every distinct plugin entry of kong.yml, keys in file order, under its name in the table below. */
const PLUGINS: Record<string, unknown> = {
  cors: { name: "cors" },
  "key-auth": { name: "key-auth", config: { hide_credentials: false } },
  "key-auth(apikey)": {
    name: "key-auth",
    config: { hide_credentials: false, key_names: ["apikey"] },
  },
  bearer: {
    name: "request-transformer",
    config: { add: { headers: [BEARER] }, replace: { headers: [BEARER] } },
  },
  "graphql+bearer": {
    name: "request-transformer",
    config: {
      add: { headers: ["Content-Profile: graphql_public", BEARER] },
      replace: { headers: [BEARER] },
    },
  },
  "ws-apikey": {
    name: "request-transformer",
    config: {
      add: { headers: ["x-api-key:$(query_params.apikey)"] },
      replace: { querystring: ["apikey:$(query_params.apikey)"] },
    },
  },
  "acl(admin,anon)": {
    name: "acl",
    config: { hide_groups_header: true, allow: ["admin", "anon"] },
  },
  "acl(admin)": { name: "acl", config: { hide_groups_header: true, allow: ["admin"] } },
  forbidden: { name: "request-termination", config: { status_code: 403, message: "Forbidden" } },
  "basic-auth": { name: "basic-auth", config: { hide_credentials: true } },
};

/** A plugin entry's name in the legend; an entry the legend lacks shows as its JSON. */
const legendName = (plugin: unknown): string =>
  Object.keys(PLUGINS).find((k) => JSON.stringify(PLUGINS[k]) === JSON.stringify(plugin)) ??
  JSON.stringify(plugin);

/** One service as a table row: its routes, then `->` the upstream, then `|` its plugin chain. */
const row = (s: KongService): string => {
  const routes = s.routes.map((r) => `${r.name} ${r.paths?.join(" ") ?? r.expression}`);
  const upstream = s.protocol ? `(${s.protocol}) ${s.url}` : s.url;
  return `${s.name}: ${routes.join(", ")} -> ${upstream} | ${s.plugins.map(legendName).join(" ")}`;
};

describe("kong.yml snapshot", () => {
  it("starts with the consumers, their ACL groups and the dashboard login", () => {
    expect(yml.slice(0, yml.indexOf("services:"))).toMatchInlineSnapshot(`
      "_format_version: "2.1"
      _transform: true
      consumers:
        - username: DASHBOARD
        - username: anon
          keyauth_credentials:
            - key: anon.jwt.dummy
        - username: service_role
          keyauth_credentials:
            - key: service.jwt.dummy
      acls:
        - consumer: anon
          group: anon
        - consumer: service_role
          group: admin
      basicauth_credentials:
        - consumer: DASHBOARD
          username: supabase
          password: dashboard-password
      "
    `);
  });

  it("routes each path to its upstream through these plugin chains, in this order", () => {
    expect(services.map(row)).toMatchInlineSnapshot(`
      [
        "auth-v1-open-verify: auth-v1-open-verify /auth/v1/verify -> http://auth:9999/verify | cors",
        "auth-v1-open-callback: auth-v1-open-callback /auth/v1/callback -> http://auth:9999/callback | cors",
        "auth-v1-open-authorize: auth-v1-open-authorize /auth/v1/authorize -> http://auth:9999/authorize | cors",
        "auth-v1-open-well-known-jwks-json: auth-v1-open-well-known-jwks-json /auth/v1/.well-known/jwks.json -> http://auth:9999/.well-known/jwks.json | cors",
        "auth-v1-open-sso-saml: auth-v1-open-sso-saml /auth/v1/sso/saml/ -> http://auth:9999/sso/saml/ | cors",
        "well-known-oauth: well-known-oauth-issuer /.well-known/oauth-authorization-server/auth/v1, well-known-oauth /.well-known/oauth-authorization-server -> http://auth:9999/.well-known/oauth-authorization-server | cors",
        "auth-v1: auth-v1-all /auth/v1/ -> http://auth:9999/ | cors key-auth bearer acl(admin,anon)",
        "rest-v1-openapi: rest-v1-openapi-root http.path == "/rest/v1/" -> http://rest:3000/ | cors key-auth bearer acl(admin)",
        "rest-v1: rest-v1-all /rest/v1/ -> http://rest:3000/ | cors key-auth bearer acl(admin,anon)",
        "graphql-v1: graphql-v1-all /graphql/v1 -> http://rest:3000/rpc/graphql | cors key-auth graphql+bearer acl(admin,anon)",
        "realtime-v1-ws: realtime-v1-ws /realtime/v1/ -> (ws) http://realtime-dev.supabase-realtime:4000/socket | cors key-auth(apikey) ws-apikey acl(admin,anon)",
        "realtime-v1-blocked: realtime-v1-blocked /realtime/v1/api/tenants /realtime/v1/api/openapi -> http://realtime-dev.supabase-realtime:4000/api | forbidden",
        "realtime-v1-rest: realtime-v1-rest /realtime/v1/api -> (http) http://realtime-dev.supabase-realtime:4000/api | cors key-auth bearer acl(admin,anon)",
        "storage-v1: storage-v1-all /storage/v1/ -> http://storage:5000/ | cors",
        "meta: meta-all /pg/ -> http://meta:8080/ | key-auth acl(admin)",
        "studio-mcp-blocked: studio-mcp-blocked /api/mcp /mcp -> http://studio:3000/api/mcp | forbidden",
        "dashboard: dashboard-all / -> http://studio:3000/ | cors basic-auth",
      ]
    `);
  });

  it("uses every plugin entry of the legend", () => {
    const used = new Set(services.flatMap((s) => s.plugins.map(legendName)));
    expect([...used].sort()).toEqual(Object.keys(PLUGINS).sort());
  });

  it("comments each service with where it sends requests", () => {
    expect(services.map((s) => s._comment)).toMatchInlineSnapshot(`
      [
        "GoTrue: /auth/v1/verify -> http://auth:9999/verify",
        "GoTrue: /auth/v1/callback -> http://auth:9999/callback",
        "GoTrue: /auth/v1/authorize -> http://auth:9999/authorize",
        "GoTrue: /auth/v1/.well-known/jwks.json -> http://auth:9999/.well-known/jwks.json",
        "GoTrue: /auth/v1/sso/saml/* -> http://auth:9999/sso/saml/*",
        "GoTrue: /.well-known/oauth-authorization-server[/auth/v1] -> http://auth:9999/.well-known/oauth-authorization-server",
        "GoTrue: /auth/v1/* -> http://auth:9999/*",
        "PostgREST: /rest/v1/ (OpenAPI root) -> http://rest:3000/ (service_role only)",
        "PostgREST: /rest/v1/* -> http://rest:3000/*",
        "PostgREST: /graphql/v1 -> http://rest:3000/rpc/graphql",
        "Realtime: /realtime/v1/* -> ws://realtime-dev.supabase-realtime:4000/socket/*",
        "Realtime: tenant admin and OpenAPI are never exposed (upstream security fix, June 2026)",
        "Realtime: /realtime/v1/api/* -> http://realtime-dev.supabase-realtime:4000/api/*",
        "Storage: /storage/v1/* -> http://storage:5000/*",
        "pg-meta: /pg/* -> http://meta:8080/* (service_role only)",
        "Studio MCP: denied unless a user opens it deliberately",
        "Studio: /* -> http://studio:3000/* (dashboard basic auth)",
      ]
    `);
  });

  it("strips the matched prefix on every route and writes keys in upstream's order", () => {
    for (const s of services) {
      const keys = ["name", "_comment", "url", "protocol", "routes", "plugins"];
      expect(Object.keys(s), s.name).toEqual(keys.filter((k) => k in s));
      for (const r of s.routes) {
        expect(r.strip_path, r.name).toBe(true);
        const routeKeys = ["name", "strip_path", "paths", "expression"];
        expect(Object.keys(r), r.name).toEqual(routeKeys.filter((k) => k in r));
      }
    }
  });

  it("writes a service as upstream's kong.yml does: Lua templates quoted, lists in block style", () => {
    const start = yml.indexOf("  - name: auth-v1\n");
    expect(yml.slice(start, yml.indexOf("  - name: rest-v1-openapi\n"))).toMatchInlineSnapshot(`
      "  - name: auth-v1
          _comment: "GoTrue: /auth/v1/* -> http://auth:9999/*"
          url: http://auth:9999/
          routes:
            - name: auth-v1-all
              strip_path: true
              paths:
                - /auth/v1/
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
      "
    `);
  });
});
