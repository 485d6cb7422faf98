import { stringify } from "yaml";
import { ServiceName, internalUrl } from "../../config/services";
import { CLEAR_EMPTY_AUTH, KeyTranslation, LEGACY_LUA, LuaExprs, luaExprs } from "./kongKeys";

/** Inputs of the DB-less Kong config; plain strings, so this renders without Pulumi. */
export interface KongConfigInput {
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  readonly dashboardUsername: string;
  readonly dashboardPassword: string;
  /** Extra routes, e.g. `/functions/v1/` when Edge Functions are on. */
  readonly extraServices?: readonly KongService[];
  /** sb_ keys and their ES256 stand-ins (authSigning: es256); absent, only legacy keys work. */
  readonly translation?: KeyTranslation;
  /** Add the global `prometheus` plugin; Kong then serves /metrics on its status listener. */
  readonly metrics?: boolean;
}

export interface KongService {
  name: string;
  _comment: string;
  url: string;
  protocol?: string;
  read_timeout?: number;
  /** `paths` (prefix match) or, for an exact match, an ATC `expression` (KONG_ROUTER_FLAVOR=expressions). */
  routes: { name: string; strip_path: boolean; paths?: string[]; expression?: string }[];
  plugins: Record<string, unknown>[];
}

type Plugin = Record<string, unknown>;

const cors = { name: "cors" };
const keyAuth = { name: "key-auth", config: { hide_credentials: false } };
const acl = (...allow: string[]) => ({ name: "acl", config: { hide_groups_header: true, allow } });
const forbidden = {
  name: "request-termination",
  config: { status_code: 403, message: "Forbidden" },
};
const authTransformer = (expr: string) => ({
  name: "request-transformer",
  config: {
    add: { headers: [`Authorization: ${expr}`] },
    replace: { headers: [`Authorization: ${expr}`] },
  },
});
const route = (name: string, ...paths: string[]) => ({ name, strip_path: true, paths });

/**
 * Everything under `path` to a service's root on the private network: the route is `<name>-all`
 * and `_comment` reads as upstream's kong.yml writes it.
 */
function prefixService(
  name: string,
  label: string,
  service: ServiceName,
  path: string,
  plugins: Plugin[],
  note = "",
): KongService {
  const url = `${internalUrl(service)}/`;
  return {
    name,
    _comment: `${label}: ${path}* -> ${url}*${note}`,
    url,
    routes: [route(`${name}-all`, path)],
    plugins,
  };
}

/** Paths no key opens: the gateway answers 403 itself. */
const blocked = (name: string, _comment: string, url: string, ...paths: string[]): KongService => ({
  name,
  _comment,
  url,
  routes: [route(name, ...paths)],
  plugins: [forbidden],
});

/** Open GoTrue endpoints: e-mail links, OAuth callbacks and the JWKS carry no apikey. */
const OPEN_AUTH_PATHS = ["verify", "callback", "authorize", ".well-known/jwks.json"] as const;

/** RFC 8414 section 3: where OAuth clients look for an authorization server's metadata. */
const OAUTH_METADATA_PATH = "/.well-known/oauth-authorization-server";

export function kongServices(lua: LuaExprs = LEGACY_LUA): KongService[] {
  // An API key (legacy or sb_) is required and forwarded as the Bearer token the service checks.
  const withKey = (...groups: string[]) => [
    cors,
    keyAuth,
    authTransformer(lua.auth),
    acl(...groups),
  ];
  return [
    ...OPEN_AUTH_PATHS.map((p) => {
      const id = p.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "");
      return {
        name: `auth-v1-open-${id}`,
        _comment: `GoTrue: /auth/v1/${p} -> http://auth:9999/${p}`,
        url: `http://auth:9999/${p}`,
        routes: [route(`auth-v1-open-${id}`, `/auth/v1/${p}`)],
        plugins: [cors],
      };
    }),
    {
      name: "auth-v1-open-sso-saml",
      _comment: "GoTrue: /auth/v1/sso/saml/* -> http://auth:9999/sso/saml/*",
      url: "http://auth:9999/sso/saml/",
      routes: [route("auth-v1-open-sso-saml", "/auth/v1/sso/saml/")],
      plugins: [cors],
    },
    {
      // RFC 8414 metadata of GoTrue's OAuth 2.1 server. Clients ask for it without an apikey at
      // the well-known segment followed by the issuer's path (API_EXTERNAL_URL ends in /auth/v1);
      // GoTrue answers only the bare path (internal/api/api.go at v2.196.0), so both routes strip
      // everything and land on it, as upstream's gateway rewrites WELL_KNOWN_OAUTH_PATH.
      name: "well-known-oauth",
      _comment: `GoTrue: ${OAUTH_METADATA_PATH}[/auth/v1] -> http://auth:9999${OAUTH_METADATA_PATH}`,
      url: `http://auth:9999${OAUTH_METADATA_PATH}`,
      routes: [
        route("well-known-oauth-issuer", `${OAUTH_METADATA_PATH}/auth/v1`),
        route("well-known-oauth", OAUTH_METADATA_PATH),
      ],
      plugins: [cors],
    },
    prefixService("auth-v1", "GoTrue", "auth", "/auth/v1/", withKey("admin", "anon")),
    {
      // The root is PostgREST's OpenAPI document: every exposed table, column and function. Upstream
      // limits it to the service_role key (supabase/supabase#45462). An expression route outranks
      // every `paths` route (EXPRESSION_ONLY_BIT in Kong's kong/router/transform.lua), so the exact
      // root lands here and everything below it on rest-v1.
      name: "rest-v1-openapi",
      _comment: "PostgREST: /rest/v1/ (OpenAPI root) -> http://rest:3000/ (service_role only)",
      url: "http://rest:3000/",
      routes: [
        { name: "rest-v1-openapi-root", strip_path: true, expression: 'http.path == "/rest/v1/"' },
      ],
      plugins: withKey("admin"),
    },
    prefixService("rest-v1", "PostgREST", "rest", "/rest/v1/", withKey("admin", "anon")),
    {
      name: "graphql-v1",
      _comment: "PostgREST: /graphql/v1 -> http://rest:3000/rpc/graphql",
      url: "http://rest:3000/rpc/graphql",
      routes: [route("graphql-v1-all", "/graphql/v1")],
      plugins: [
        cors,
        keyAuth,
        {
          name: "request-transformer",
          config: {
            add: { headers: ["Content-Profile: graphql_public", `Authorization: ${lua.auth}`] },
            replace: { headers: [`Authorization: ${lua.auth}`] },
          },
        },
        acl("admin", "anon"),
      ],
    },
    {
      name: "realtime-v1-ws",
      // Realtime derives its tenant from the Host's first label: it must be realtime-dev.*
      _comment: "Realtime: /realtime/v1/* -> ws://realtime-dev.supabase-realtime:4000/socket/*",
      url: "http://realtime-dev.supabase-realtime:4000/socket",
      protocol: "ws",
      routes: [route("realtime-v1-ws", "/realtime/v1/")],
      plugins: [
        cors,
        { ...keyAuth, config: { hide_credentials: false, key_names: ["apikey"] } },
        {
          name: "request-transformer",
          // No space after the colon, as upstream: Kong keeps everything after it, and a query value,
          // unlike a header, is not trimmed on the way to Realtime (" eyJ…" is no JWT).
          config: {
            add: { headers: [`x-api-key:${lua.realtimeWs}`] },
            replace: { querystring: [`apikey:${lua.realtimeWs}`] },
          },
        },
        acl("admin", "anon"),
      ],
    },
    blocked(
      "realtime-v1-blocked",
      "Realtime: tenant admin and OpenAPI are never exposed (upstream security fix, June 2026)",
      "http://realtime-dev.supabase-realtime:4000/api",
      "/realtime/v1/api/tenants",
      "/realtime/v1/api/openapi",
    ),
    {
      name: "realtime-v1-rest",
      _comment: "Realtime: /realtime/v1/api/* -> http://realtime-dev.supabase-realtime:4000/api/*",
      url: "http://realtime-dev.supabase-realtime:4000/api",
      protocol: "http",
      routes: [route("realtime-v1-rest", "/realtime/v1/api")],
      plugins: withKey("admin", "anon"),
    },
    // No key-auth: Storage checks JWTs itself, and S3 SigV4 / presigned URLs carry no apikey.
    // With sb_ keys, Storage still needs a JWT it can verify: translate, then drop an empty header.
    prefixService(
      "storage-v1",
      "Storage",
      "storage",
      "/storage/v1/",
      lua.storage ? [cors, authTransformer(lua.storage), CLEAR_EMPTY_AUTH] : [cors],
    ),
    prefixService(
      "meta",
      "pg-meta",
      "meta",
      "/pg/",
      [keyAuth, acl("admin")],
      " (service_role only)",
    ),
    blocked(
      "studio-mcp-blocked",
      "Studio MCP: denied unless a user opens it deliberately",
      "http://studio:3000/api/mcp",
      "/api/mcp",
      "/mcp",
    ),
    prefixService(
      "dashboard",
      "Studio",
      "studio",
      "/",
      [cors, { name: "basic-auth", config: { hide_credentials: true } }],
      " (dashboard basic auth)",
    ),
  ];
}

/** Renders `kong.yml` for Kong 3.9 DB-less, in upstream's `_format_version: '2.1'` shape. */
export function renderKongYml(input: KongConfigInput): string {
  const config = {
    _format_version: "2.1",
    _transform: true,
    consumers: [
      { username: "DASHBOARD" },
      // Upstream gives each role its legacy key and its sb_ key (one sb_ key per role on self-host).
      {
        username: "anon",
        keyauth_credentials: [input.anonKey, input.translation?.publishableKey].flatMap((key) =>
          key ? [{ key }] : [],
        ),
      },
      {
        username: "service_role",
        keyauth_credentials: [input.serviceRoleKey, input.translation?.secretKey].flatMap((key) =>
          key ? [{ key }] : [],
        ),
      },
    ],
    acls: [
      { consumer: "anon", group: "anon" },
      { consumer: "service_role", group: "admin" },
    ],
    basicauth_credentials: [
      {
        consumer: "DASHBOARD",
        username: input.dashboardUsername,
        password: input.dashboardPassword,
      },
    ],
    services: [...kongServices(luaExprs(input.translation)), ...(input.extraServices ?? [])],
    // Kong 3.x leaves every metric family off by default; these are the ones a gateway panel needs.
    ...(input.metrics
      ? {
          plugins: [
            {
              name: "prometheus",
              config: {
                bandwidth_metrics: true,
                latency_metrics: true,
                status_code_metrics: true,
                upstream_health_metrics: true,
              },
            },
          ],
        }
      : {}),
  };
  // Plugins are shared objects; without this `yaml` writes &a1/*a1 anchors, which upstream's file
  // never has and which make one changed plugin renumber every alias in a review diff.
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Plugins Kong must load for this config: the list replaces `bundled`. */
export const KONG_PLUGINS = [
  "acl",
  "basic-auth",
  "cors",
  "ip-restriction",
  "key-auth",
  "post-function",
  "request-termination",
  "request-transformer",
];
