/**
 * Request authorisation for ownstack's Edge Functions router. WebCrypto only, no imports, so it
 * runs unchanged in edge-runtime (Deno) and in Node, where ownstack's tests exercise it.
 *
 * A request passes with an `apikey` (or bearer) equal to a configured sb_ key, or with a bearer
 * JWT that verifies: HS256 against the JWT secret, ES256 against the JWKS key named by its kid.
 */

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  crv?: string;
  x?: string;
  y?: string;
  k?: string;
}

export interface AuthConfig {
  readonly jwtSecret?: string;
  readonly jwks: readonly Jwk[];
  /** Opaque sb_publishable_ / sb_secret_ keys, compared as exact strings. */
  readonly apiKeys: readonly string[];
}

/** Reads the variables ownstack (and upstream's compose) give the functions container. */
export function authConfigFromEnv(get: (name: string) => string | undefined): AuthConfig {
  const parse = <T>(name: string, fallback: T): T => {
    const raw = get(name);
    if (raw === undefined || raw === "") return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
  };
  const keyMap = (name: string) => Object.values(parse<Record<string, string>>(name, {})).filter((k) => k !== "");
  return {
    jwtSecret: get("JWT_SECRET") || undefined,
    jwks: parse<{ keys?: Jwk[] }>("SUPABASE_JWKS", {}).keys ?? [],
    apiKeys: [...keyMap("SUPABASE_PUBLISHABLE_KEYS"), ...keyMap("SUPABASE_SECRET_KEYS")],
  };
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function base64urlBytes(text: string) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const json = (part: string): Record<string, unknown> => JSON.parse(decoder.decode(base64urlBytes(part)));

async function hs256Valid(secret: BufferSource, data: BufferSource, signature: BufferSource): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, signature, data);
}

async function es256Valid(jwk: Jwk, data: BufferSource, signature: BufferSource): Promise<boolean> {
  const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
}

/** Verifies a compact JWT; returns why it fails, or undefined when it is valid at `now`. */
export async function verifyJwt(token: string, config: AuthConfig, now: number): Promise<string | undefined> {
  const parts = token.split(".");
  if (parts.length !== 3) return "not a JWT";
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = json(parts[0]);
    payload = json(parts[1]);
  } catch {
    return "malformed JWT";
  }
  const data = encoder.encode(`${parts[0]}.${parts[1]}`);
  const signature = base64urlBytes(parts[2]);
  let valid = false;
  if (header.alg === "HS256") {
    const secrets = [
      ...(config.jwtSecret ? [encoder.encode(config.jwtSecret)] : []),
      ...config.jwks.filter((k) => k.kty === "oct" && k.k).map((k) => base64urlBytes(k.k as string)),
    ];
    for (const secret of secrets) if (!valid) valid = await hs256Valid(secret, data, signature);
  } else if (header.alg === "ES256") {
    const jwk = config.jwks.find((k) => k.kty === "EC" && k.kid === header.kid);
    if (!jwk) return "unknown signing key";
    valid = await es256Valid(jwk, data, signature);
  } else return "unsupported algorithm";
  if (!valid) return "invalid signature";
  if (typeof payload.exp === "number" && payload.exp <= now) return "JWT expired";
  if (typeof payload.nbf === "number" && payload.nbf > now) return "JWT not yet valid";
  return undefined;
}

/** Returns why a request is refused, or undefined when it may run a function. */
export async function authorize(headers: Headers, config: AuthConfig, now: number): Promise<string | undefined> {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  const apikey = headers.get("apikey") ?? undefined;
  if ([apikey, bearer].some((k) => k !== undefined && config.apiKeys.includes(k))) return undefined;
  if (bearer === undefined) return "missing authorization header";
  return verifyJwt(bearer, config, now);
}
