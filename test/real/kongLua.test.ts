import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { KongService, renderKongYml } from "../../components/render/kong";
import { KeyTranslation } from "../../components/render/kongKeys";
import { skipOutsideCi } from "../support/binaries";

/**
 * The Lua templates in our kong.yml, run by a real Lua (LuaJIT, as in Kong) with Penlight's
 * pl.template, through the request-transformer and post-function steps Kong 3.9 applies
 * (fixtures/kong-request.lua). What comes out is the request the service behind Kong receives.
 */

const LUA = ["luajit", "lua5.1"].find(
  (bin) => spawnSync(bin, ["-e", 'require "pl.template"']).status === 0,
);
if (!LUA)
  skipOutsideCi(
    "Kong Lua test",
    "luajit or lua5.1 with pl.template (apt-get install luajit lua-penlight)",
    "luajit lua-penlight",
  );

const KEYS = {
  anonKey: "eyJhbGciOiJIUzI1NiJ9.anon.sig",
  serviceRoleKey: "eyJhbGciOiJIUzI1NiJ9.service.sig",
};
const T: KeyTranslation = {
  publishableKey: "sb_publishable_AbCdEfGhIjKlMnOpQrStUv_12345678",
  secretKey: "sb_secret_ZyXwVuTsRqPoNmLkJiHgFe_87654321",
  anonKeyAsymmetric: "eyJhbGciOiJFUzI1NiJ9.anon-es256.sig",
  serviceRoleKeyAsymmetric: "eyJhbGciOiJFUzI1NiJ9.service-es256.sig",
};
const USER_JWT = "Bearer eyJhbGciOiJFUzI1NiJ9.user-session.sig";

const services = (translation?: KeyTranslation): KongService[] =>
  parse(
    renderKongYml({ ...KEYS, dashboardUsername: "supabase", dashboardPassword: "pw", translation }),
  ).services;
const service = (name: string, translation?: KeyTranslation) => {
  const found = services(translation).find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
};

/** A JSON value as a Lua literal (strings via JSON escapes, which Lua reads the same for ASCII). */
const lua = (v: unknown): string => {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `{${v.map(lua).join(", ")}}`;
  if (v && typeof v === "object")
    return `{${Object.entries(v)
      .map(([k, x]) => `[${JSON.stringify(k)}] = ${lua(x)}`)
      .join(", ")}}`;
  throw new Error(`no Lua literal for ${String(v)}`);
};

const dir = mkdtempSync(join(tmpdir(), "ownstack-kong-lua-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

interface Upstream {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** Sends one request through a service's plugins; returns what the upstream service receives. */
function through(
  svc: KongService,
  request: { headers?: Record<string, string>; query?: Record<string, string> },
): Upstream {
  const casePath = join(dir, `case-${runs++}.lua`);
  writeFileSync(
    casePath,
    `return ${lua({ plugins: svc.plugins, headers: request.headers ?? {}, query: request.query ?? {} })}\n`,
  );
  const run = spawnSync(
    LUA as string,
    [join(__dirname, "fixtures", "kong-request.lua"), casePath],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`${LUA} failed: ${run.stderr}`);
  const out: Upstream = { headers: {}, query: {} };
  for (const line of run.stdout.split("\n").filter(Boolean)) {
    const [kind, name, ...rest] = line.split("\t");
    const value = rest.join("\t");
    // A header's leading and trailing whitespace is not part of its value (RFC 9110 §5.5): the
    // service's HTTP parser drops it. A query value arrives as it is.
    if (kind === "H") out.headers[name] = value.trim();
    else out.query[name] = value;
  }
  return out;
}

/** The Authorization header the service behind Kong receives for a request with `headers`. */
const authorizationFor = (svc: KongService, headers: Record<string, string>) =>
  through(svc, { headers }).headers.authorization;

describe.skipIf(!LUA)("Kong's Lua templates under a real Lua", () => {
  describe("storage (no key-auth: S3 SigV4 and presigned URLs carry no apikey)", () => {
    const storage = service("storage-v1", T);

    it("a presigned URL (neither Authorization nor apikey) reaches Storage with no Authorization at all", () => {
      const up = through(storage, { query: { token: "signed-url-token" } });
      expect(up.headers).not.toHaveProperty("authorization");
      expect(up.query).toEqual({ token: "signed-url-token" });
    });

    it("a whitespace-only Authorization from the client is dropped too", () => {
      expect(through(storage, { headers: { Authorization: "   " } }).headers).not.toHaveProperty(
        "authorization",
      );
    });

    it("the publishable key becomes the anon ES256 JWT, the secret key the service_role one", () => {
      expect(authorizationFor(storage, { apikey: T.publishableKey })).toBe(
        `Bearer ${T.anonKeyAsymmetric}`,
      );
      expect(authorizationFor(storage, { apikey: T.secretKey })).toBe(
        `Bearer ${T.serviceRoleKeyAsymmetric}`,
      );
    });

    it("a user's session JWT and an S3 SigV4 Authorization pass through unchanged", () => {
      expect(authorizationFor(storage, { apikey: T.publishableKey, Authorization: USER_JWT })).toBe(
        USER_JWT,
      );
      const sigv4 =
        "AWS4-HMAC-SHA256 Credential=key/20261201/local/s3/aws4_request, SignedHeaders=host, Signature=abc";
      expect(authorizationFor(storage, { Authorization: sigv4 })).toBe(sigv4);
    });
  });

  describe.each([
    ["with sb_ keys", T],
    ["legacy keys only", undefined],
  ])("rest-v1 %s", (_label, translation) => {
    const rest = service("rest-v1", translation);

    it("a legacy anon apikey is forwarded as the Bearer token", () => {
      expect(authorizationFor(rest, { apikey: KEYS.anonKey })).toBe(`Bearer ${KEYS.anonKey}`);
    });

    it("a user's session JWT wins over the apikey", () => {
      expect(authorizationFor(rest, { apikey: KEYS.anonKey, Authorization: USER_JWT })).toBe(
        USER_JWT,
      );
    });
  });

  it("rest-v1: `Authorization: Bearer sb_secret_…` (supabase-js with a secret key) becomes the service_role ES256 JWT", () => {
    const headers = { apikey: T.secretKey, Authorization: `Bearer ${T.secretKey}` };
    expect(authorizationFor(service("rest-v1", T), headers)).toBe(
      `Bearer ${T.serviceRoleKeyAsymmetric}`,
    );
  });

  it("the OpenAPI root route translates keys like rest-v1 (its ACL, not the template, limits it to service_role)", () => {
    expect(authorizationFor(service("rest-v1-openapi", T), { apikey: T.secretKey })).toBe(
      `Bearer ${T.serviceRoleKeyAsymmetric}`,
    );
  });

  it("graphql-v1 adds Content-Profile: graphql_public next to the translated Authorization", () => {
    const up = through(service("graphql-v1", T), { headers: { apikey: T.publishableKey } });
    expect(up.headers["content-profile"]).toBe("graphql_public");
    expect(up.headers.authorization).toBe(`Bearer ${T.anonKeyAsymmetric}`);
  });

  it("realtime websocket: an sb_ apikey in the query becomes the ES256 JWT in the query and in x-api-key", () => {
    const up = through(service("realtime-v1-ws", T), {
      query: { apikey: T.publishableKey, vsn: "1.0.0" },
    });
    expect(up.query).toEqual({ apikey: T.anonKeyAsymmetric, vsn: "1.0.0" });
    expect(up.headers["x-api-key"]).toBe(T.anonKeyAsymmetric);
  });

  it("realtime websocket with legacy keys: the query apikey is copied to x-api-key unchanged", () => {
    const up = through(service("realtime-v1-ws"), { query: { apikey: KEYS.anonKey } });
    expect(up.query.apikey).toBe(KEYS.anonKey);
    expect(up.headers["x-api-key"]).toBe(KEYS.anonKey);
  });
});
