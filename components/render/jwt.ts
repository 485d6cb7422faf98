import { createHmac } from "node:crypto";

/** Upstream `utils/generate-keys.sh` gives the legacy API keys a five-year life. */
export const API_KEY_LIFETIME_SECONDS = 5 * 365 * 24 * 60 * 60;

export type ApiKeyRole = "anon" | "service_role";

const base64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

/** Signs a compact HS256 JWT; the header and claim order match upstream's generator. */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

/**
 * The legacy anon / service_role API key: `{role, iss: "supabase", iat, exp}` and nothing else
 * (upstream's docker/utils/generate-keys.sh). `issuedAt` comes from state, never from the clock.
 */
export function mintApiKey(role: ApiKeyRole, secret: string, issuedAt: number): string {
  return signHs256(
    { role, iss: "supabase", iat: issuedAt, exp: issuedAt + API_KEY_LIFETIME_SECONDS },
    secret,
  );
}
