/**
 * The Lua templates Kong's request-transformer evaluates to turn an `apikey` into the
 * `Authorization` a Supabase service verifies (upstream's docker/volumes/api/kong.yml). Without sb_ keys they
 * only forward the legacy JWT; with them, an sb_ key becomes the gateway-internal ES256 JWT of
 * its role, because no service behind Kong can verify an opaque key.
 */

/** The four values upstream's entrypoint substitutes; all present or sb_ translation is off. */
export interface KeyTranslation {
  readonly publishableKey: string;
  readonly secretKey: string;
  readonly anonKeyAsymmetric: string;
  readonly serviceRoleKeyAsymmetric: string;
}

export interface LuaExprs {
  /** Authorization for key-auth routes. */
  readonly auth: string;
  /** `apikey` query value for the realtime websocket, which Realtime reads as x-api-key. */
  readonly realtimeWs: string;
  /** Authorization for the storage route (no key-auth there); undefined leaves it untouched. */
  readonly storage?: string;
}

// Keep a user's session JWT; an `Authorization: Bearer sb_…` is a key, not a session.
const KEEP_SESSION =
  "(headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization)";
const LEGACY = "(headers.apikey ~= nil and 'Bearer ' .. headers.apikey)";

export const LEGACY_LUA: LuaExprs = {
  auth: `$(${KEEP_SESSION} or ${LEGACY})`,
  realtimeWs: "$(query_params.apikey)",
};

/** Values are spliced into single-quoted Lua strings: JWTs and sb_ keys never hold a quote. */
function lua(value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value))
    throw new Error("an API key for the Kong translation has characters outside base64url and '.'");
  return `'${value}'`;
}

export function luaExprs(t: KeyTranslation | undefined): LuaExprs {
  if (!t) return LEGACY_LUA;
  const swap = (source: string, bearer: string) =>
    `(${source} == ${lua(t.secretKey)} and '${bearer}${t.serviceRoleKeyAsymmetric}') or (${source} == ${lua(t.publishableKey)} and '${bearer}${t.anonKeyAsymmetric}')`;
  const auth = `${KEEP_SESSION} or ${swap("headers.apikey", "Bearer ")} or ${LEGACY}`;
  return {
    auth: `$(${auth})`,
    realtimeWs: `$(${swap("query_params.apikey", "")} or query_params.apikey)`,
    // Presigned URLs and S3 requests carry neither header: '' is then cleared by CLEAR_EMPTY_AUTH.
    storage: `$(${auth} or '')`,
  };
}

/**
 * A post-function that drops an Authorization with nothing in it, so Storage sees "no token", not a
 * bad one. The template "Authorization: $(...)" keeps the space after the colon (Kong's
 * request-transformer splits on `^([^:]+):*(.-)$`), so a request with neither header arrives as
 * " ": upstream's kong.yml clears whitespace-only values with `^%s*$` for S3 presigned URLs.
 */
export const CLEAR_EMPTY_AUTH = {
  name: "post-function",
  config: {
    access: [
      "local auth = kong.request.get_header('authorization'); if auth == nil or auth:find('^%s*$') then kong.service.request.clear_header('Authorization') end",
    ],
  },
};
