import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  KONG_PLUGINS,
  KongConfigInput,
  KongService,
  renderKongYml,
} from "../../components/render/kong";

const INPUT: KongConfigInput = {
  anonKey: "anon.jwt.dummy",
  serviceRoleKey: "service.jwt.dummy",
  dashboardUsername: "supabase",
  dashboardPassword: "dashboard-password",
};

const config = parse(renderKongYml(INPUT));
const services: KongService[] = config.services;
const plugins = (s: KongService) => s.plugins.map((p) => p.name as string);
/** The service whose route lists exactly this path. */
const at = (path: string): KongService => {
  const found = services.find((s) => s.routes.some((r) => r.paths?.includes(path)));
  if (!found) throw new Error(`no route for ${path}`);
  return found;
};
const aclAllow = (s: KongService) =>
  (s.plugins.find((p) => p.name === "acl") as { config: { allow: string[] } } | undefined)?.config
    .allow;

describe("kong.yml", () => {
  it("round-trips through yaml: parsing it back gives the consumers and keys it was rendered with", () => {
    expect(config._format_version).toBe("2.1");
    expect(config._transform).toBe(true);
    expect(config.consumers).toEqual([
      { username: "DASHBOARD" },
      { username: "anon", keyauth_credentials: [{ key: INPUT.anonKey }] },
      { username: "service_role", keyauth_credentials: [{ key: INPUT.serviceRoleKey }] },
    ]);
    expect(config.acls).toEqual([
      { consumer: "anon", group: "anon" },
      { consumer: "service_role", group: "admin" },
    ]);
    expect(config.basicauth_credentials).toEqual([
      { consumer: "DASHBOARD", username: "supabase", password: "dashboard-password" },
    ]);
  });

  it("is a function of its input only: another dashboard password changes exactly the one line that holds it", () => {
    const before = renderKongYml(INPUT).split("\n");
    const after = renderKongYml({ ...INPUT, dashboardPassword: "another-password" }).split("\n");
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((line, i) =>
      line === after[i] ? [] : [[line.trim(), after[i].trim()]],
    );
    expect(changed).toEqual([["password: dashboard-password", "password: another-password"]]);
  });

  it("keeps keys and passwords with YAML-special characters intact", () => {
    const tricky = {
      ...INPUT,
      dashboardPassword: "a: b # c 'd' \"e\" {f}",
      anonKey: "- not a list",
    };
    const back = parse(renderKongYml(tricky));
    expect(back.basicauth_credentials[0].password).toBe(tricky.dashboardPassword);
    expect(back.consumers[1].keyauth_credentials[0].key).toBe(tricky.anonKey);
  });

  it.each([
    "/auth/v1/",
    "/rest/v1/",
    "/graphql/v1",
    "/realtime/v1/",
    "/realtime/v1/api",
    "/storage/v1/",
    "/pg/",
    "/",
  ])("routes %s", (path) => {
    expect(at(path).routes.every((r) => r.strip_path)).toBe(true);
  });

  it.each([
    ["/auth/v1/", "http://auth:9999/"],
    ["/rest/v1/", "http://rest:3000/"],
    ["/graphql/v1", "http://rest:3000/rpc/graphql"],
    ["/realtime/v1/", "http://realtime-dev.supabase-realtime:4000/socket"],
    ["/storage/v1/", "http://storage:5000/"],
    ["/pg/", "http://meta:8080/"],
    ["/", "http://studio:3000/"],
  ])("%s goes to %s", (path, url) => {
    expect(at(path).url).toBe(url);
  });

  it.each(["verify", "callback", "authorize", ".well-known/jwks.json"])(
    "the open auth endpoint /auth/v1/%s needs no API key",
    (endpoint) => {
      const s = at(`/auth/v1/${endpoint}`);
      expect(s.url).toBe(`http://auth:9999/${endpoint}`);
      expect(plugins(s)).not.toContain("key-auth");
      expect(plugins(s)).not.toContain("acl");
    },
  );

  it.each(["/auth/v1/", "/rest/v1/", "/graphql/v1", "/realtime/v1/", "/realtime/v1/api"])(
    "%s needs the anon or service key",
    (path) => {
      expect(plugins(at(path))).toContain("key-auth");
      expect(aclAllow(at(path))?.sort()).toEqual(["admin", "anon"]);
    },
  );

  it("/pg/ admits only the service_role key (group admin)", () => {
    expect(plugins(at("/pg/"))).toEqual(["key-auth", "acl"]);
    expect(aclAllow(at("/pg/"))).toEqual(["admin"]);
  });

  it("/ serves Studio behind basic auth that hides the credentials from Studio", () => {
    const studio = at("/");
    expect(studio.plugins).toContainEqual({
      name: "basic-auth",
      config: { hide_credentials: true },
    });
    expect(plugins(studio)).not.toContain("key-auth");
  });

  it("the OpenAPI root /rest/v1/ (every table and column) admits only the service_role key, as upstream", () => {
    const openapi = services.find((s) => s.routes.some((r) => r.expression !== undefined));
    expect(openapi?.url).toBe("http://rest:3000/");
    expect(openapi?.routes).toEqual([
      { name: "rest-v1-openapi-root", strip_path: true, expression: 'http.path == "/rest/v1/"' },
    ]);
    expect(plugins(openapi as KongService)).toContain("key-auth");
    expect(aclAllow(openapi as KongService)).toEqual(["admin"]);
    // Only the exact root: paths below it stay on rest-v1, which anon may use.
    expect(services.filter((s) => s.routes.some((r) => r.expression)).length).toBe(1);
  });

  /**
   * Where Kong sends a request: the route with the longest matching prefix (Kong's priority for
   * `paths` routes), matched prefix stripped (strip_path) and the rest joined to the service's
   * path as path_handling v0 does (kong/runloop/handler.lua: one slash between them).
   */
  const forwarded = (path: string): string => {
    const [svc, prefix] = services
      .flatMap((s) => s.routes.flatMap((r) => (r.paths ?? []).map((p) => [s, p] as const)))
      .filter(([, p]) => path.startsWith(p))
      .sort(([, a], [, b]) => b.length - a.length)[0];
    const base = new URL(svc.url);
    const rest = path.slice(prefix.length);
    if (!rest) return `${base.host}${base.pathname}`;
    const joined = base.pathname.endsWith("/") && rest.startsWith("/") ? rest.slice(1) : rest;
    return `${base.host}${base.pathname}${joined}`;
  };

  it.each([
    "/.well-known/oauth-authorization-server/auth/v1",
    "/.well-known/oauth-authorization-server",
  ])(
    "GoTrue's OAuth server metadata (RFC 8414) at %s reaches the one path GoTrue serves, without an apikey",
    (path) => {
      expect(forwarded(path)).toBe("auth:9999/.well-known/oauth-authorization-server");
      expect(plugins(at(path))).toEqual(["cors"]);
    },
  );

  it("the path model agrees with the routes users already rely on", () => {
    expect(forwarded("/auth/v1/verify")).toBe("auth:9999/verify");
    expect(forwarded("/auth/v1/user")).toBe("auth:9999/user");
    expect(forwarded("/rest/v1/todos")).toBe("rest:3000/todos");
  });

  it("Storage does its own auth, so S3 signatures and presigned URLs pass without an API key", () => {
    expect(plugins(at("/storage/v1/"))).not.toContain("key-auth");
  });

  it("the Realtime tenant admin API and Studio's MCP endpoint are blocked", () => {
    for (const path of ["/realtime/v1/api/tenants", "/realtime/v1/api/openapi", "/api/mcp", "/mcp"])
      expect(at(path).plugins, path).toEqual([
        { name: "request-termination", config: { status_code: 403, message: "Forbidden" } },
      ]);
  });

  it("every plugin the file uses is one Kong is told to load, and names are unique", () => {
    const used = new Set(services.flatMap(plugins));
    for (const p of used) expect(KONG_PLUGINS).toContain(p);
    const names = services.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const routeNames = services.flatMap((s) => s.routes.map((r) => r.name));
    expect(new Set(routeNames).size).toBe(routeNames.length);
  });

  it("extra services are appended after the built-in routes", () => {
    const extra: KongService = {
      name: "functions-v1",
      _comment: "x",
      url: "http://functions:9000/",
      routes: [{ name: "functions-v1-all", strip_path: true, paths: ["/functions/v1/"] }],
      plugins: [{ name: "cors" }],
    };
    const back = parse(renderKongYml({ ...INPUT, extraServices: [extra] }));
    expect(back.services.at(-1)).toEqual(extra);
    expect(back.services).toHaveLength(services.length + 1);
  });
});
