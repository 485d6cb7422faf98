import { createHash, createPrivateKey } from "node:crypto";
import { signEs256Deterministic } from "./es256";
import { API_KEY_LIFETIME_SECONDS, ApiKeyRole } from "./jwt";

/**
 * Asymmetric auth keys in the shapes of upstream's docker/utils/add-new-auth-keys.sh: `JWT_KEYS` for GoTrue,
 * `JWT_JWKS` for everything that verifies, ES256 API keys for the gateway and the opaque
 * `sb_publishable_` / `sb_secret_` keys. Pure: the PEM comes from a tls.PrivateKey in state.
 */

export interface EcPublicJwk {
  readonly kty: "EC";
  readonly kid: string;
  readonly use: "sig";
  readonly key_ops: readonly string[];
  readonly alg: "ES256";
  readonly ext: true;
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
}

export interface EcPrivateJwk extends EcPublicJwk {
  readonly d: string;
}

export interface OctJwk {
  readonly kty: "oct";
  readonly k: string;
  readonly alg: "HS256";
}

export interface SigningKeyPair {
  readonly private: EcPrivateJwk;
  readonly public: EcPublicJwk;
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

/** RFC 7638 thumbprint: stable for a key, so the kid never changes between previews. */
export function ecThumbprint(jwk: { crv: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: "EC", x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

/**
 * Converts tls.PrivateKey's PEM into the private and public JWK. Refuses any curve but P-256:
 * tls.PrivateKey defaults to P-224, which no Supabase service accepts for ES256.
 */
export function signingKeyFromPem(pem: string): SigningKeyPair {
  const key = createPrivateKey(pem);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve !== "prime256v1")
    throw new Error(
      `the signing key must be an EC P-256 key (ES256), got ${key.asymmetricKeyType ?? "?"} ${curve ?? ""}`.trim(),
    );
  const jwk = key.export({ format: "jwk" });
  if (!jwk.x || !jwk.y || !jwk.d) throw new Error("the signing key PEM holds no private EC point");
  const kid = ecThumbprint({ crv: "P-256", x: jwk.x, y: jwk.y });
  const common = { kty: "EC", kid, use: "sig", alg: "ES256", ext: true, crv: "P-256" } as const;
  return {
    // Field order follows upstream's add-new-auth-keys.sh, so our JSON diffs cleanly against it.
    private: {
      kty: "EC",
      kid,
      use: "sig",
      key_ops: ["sign", "verify"],
      alg: "ES256",
      ext: true,
      crv: "P-256",
      x: jwk.x,
      y: jwk.y,
      d: jwk.d,
    },
    public: { ...common, key_ops: ["verify"], x: jwk.x, y: jwk.y },
  };
}

/** The legacy HS256 secret as a JWK, so tokens signed before the switch keep verifying. */
export const octKey = (jwtSecret: string): OctJwk => ({
  kty: "oct",
  k: base64url(jwtSecret),
  alg: "HS256",
});

export interface KeySet {
  readonly current: SigningKeyPair;
  /** The key rotated out, while its overlap lasts; its public half only. */
  readonly previous?: EcPublicJwk;
  readonly jwtSecret: string;
}

/** GoTrue's `GOTRUE_JWT_KEYS`: it signs with the key whose key_ops include "sign". */
export function jwtKeys(set: KeySet): (EcPrivateJwk | EcPublicJwk | OctJwk)[] {
  return [set.current.private, ...(set.previous ? [set.previous] : []), octKey(set.jwtSecret)];
}

/** `JWT_JWKS` for PostgREST, Realtime, Storage and Functions: public keys and the oct key. */
export function jwks(set: KeySet): { keys: (EcPublicJwk | OctJwk)[] } {
  return {
    keys: [set.current.public, ...(set.previous ? [set.previous] : []), octKey(set.jwtSecret)],
  };
}

/** Whether a rotated-out key still verifies: until `overlapSeconds` after the rotation. */
export const withinOverlap = (rotatedAt: number, overlapSeconds: number, now: number): boolean =>
  now < rotatedAt + overlapSeconds;

export interface RotationState {
  readonly currentPem: string;
  /** PEM of the key before the last rotation; absent before the first rotation. */
  readonly previousPem?: string;
  /** Unix time of the last rotation, kept in state. */
  readonly rotatedAt: number;
  readonly overlapSeconds: number;
  readonly now: number;
  readonly jwtSecret: string;
}

/** The keys in force at `now`: the previous public key stays only within the overlap. */
export function activeKeySet(state: RotationState): KeySet {
  const current = signingKeyFromPem(state.currentPem);
  const keepPrevious =
    state.previousPem !== undefined &&
    withinOverlap(state.rotatedAt, state.overlapSeconds, state.now);
  return {
    current,
    previous: keepPrevious ? signingKeyFromPem(state.previousPem as string).public : undefined,
    jwtSecret: state.jwtSecret,
  };
}

/**
 * Signs a compact ES256 JWT: raw r||s (IEEE P1363), as JOSE requires, with an RFC 6979 nonce so
 * the same key and claims give the same token on every run (see es256.ts).
 */
export function signEs256(payload: Record<string, unknown>, key: EcPrivateJwk): string {
  const head = base64url(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid }));
  const body = base64url(JSON.stringify(payload));
  return `${head}.${body}.${signEs256Deterministic(Buffer.from(`${head}.${body}`), key.d).toString("base64url")}`;
}

/** ANON_KEY_ASYMMETRIC / SERVICE_ROLE_KEY_ASYMMETRIC: gateway-internal, never for app code. */
export function mintAsymmetricApiKey(
  role: ApiKeyRole,
  key: EcPrivateJwk,
  issuedAt: number,
): string {
  return signEs256(
    { role, iss: "supabase", iat: issuedAt, exp: issuedAt + API_KEY_LIFETIME_SECONDS },
    key,
  );
}

export type OpaqueKeyKind = "publishable" | "secret";

const RANDOM_PART = /^[A-Za-z0-9_-]{22}$/;

/** Upstream's checksum: the first 8 base64url chars of sha256("supabase-self-hosted|<prefix+random>"). */
export const opaqueKeyChecksum = (prefixAndRandom: string): string =>
  createHash("sha256")
    .update(`supabase-self-hosted|${prefixAndRandom}`)
    .digest("base64url")
    .slice(0, 8);

/** `sb_publishable_<22 base64url>_<checksum>`; `random` comes from a RandomString in state. */
export function opaqueApiKey(kind: OpaqueKeyKind, random: string): string {
  if (!RANDOM_PART.test(random))
    throw new Error(
      `an sb_${kind}_ key needs 22 base64url characters of randomness, got ${random.length}`,
    );
  const body = `sb_${kind}_${random}`;
  return `${body}_${opaqueKeyChecksum(body)}`;
}

/** True when an sb_ key is well-formed and its checksum matches (the gateway itself never checks). */
export function isOpaqueApiKey(key: string): boolean {
  const m = /^(sb_(?:publishable|secret)_[A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{8})$/.exec(key);
  return m !== null && opaqueKeyChecksum(m[1]) === m[2];
}
