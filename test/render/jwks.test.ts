import { createHash, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
} from "jose";
import { describe, expect, it } from "vitest";
import {
  EcPrivateJwk,
  activeKeySet,
  isOpaqueApiKey,
  jwks,
  jwtKeys,
  mintAsymmetricApiKey,
  opaqueApiKey,
  signingKeyFromPem,
} from "../../components/render/jwks";
import { signEs256Deterministic } from "../../components/render/es256";
import { apiKeyClaims } from "./apiKeyClaims";

/** tls.PrivateKey with algorithm ECDSA hands back a SEC1 "EC PRIVATE KEY" PEM; so does this. */
const ecPem = (namedCurve = "prime256v1"): string =>
  generateKeyPairSync("ec", {
    namedCurve,
    privateKeyEncoding: { type: "sec1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;

const JWT_SECRET = "a-jwt-secret-of-at-least-thirty-two-characters";
const HOUR = 3600;
const ROTATED_AT = 1_767_225_600;

async function sessionToken(key: EcPrivateJwk, sub: string): Promise<string> {
  // WebCrypto allows only "sign" on an ECDSA private key; upstream's JWK lists sign and verify for GoTrue.
  const { key_ops: _ops, ...jwk } = key;
  const signer = await importJWK(jwk, "ES256");
  return new SignJWT({ role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: key.kid })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(signer);
}

const verifies = async (token: string, set: ReturnType<typeof jwks>): Promise<boolean> =>
  jwtVerify(token, createLocalJWKSet(JSON.parse(JSON.stringify(set)))).then(
    () => true,
    () => false,
  );

/** Whether a session token signed with the key in `pem` verifies against the published set. */
const acceptsSessionsOf = async (set: ReturnType<typeof jwks>, pem: string): Promise<boolean> =>
  verifies(await sessionToken(signingKeyFromPem(pem).private, "user"), set);

describe("asymmetric signing keys", () => {
  const pem = ecPem();
  const pair = signingKeyFromPem(pem);

  it("derives the kid from the public key thumbprint, so it is the same on every preview", async () => {
    expect(pair.private.kid).toBe(
      await calculateJwkThumbprint({ kty: "EC", crv: "P-256", x: pair.public.x, y: pair.public.y }),
    );
    expect(signingKeyFromPem(pem).private.kid).toBe(pair.private.kid);
    expect(signingKeyFromPem(ecPem()).private.kid).not.toBe(pair.private.kid);
  });

  it("refuses tls.PrivateKey's default P-224 curve", () => {
    expect(() => signingKeyFromPem(ecPem("secp224r1"))).toThrow(/EC P-256/);
  });

  it("builds JWT_KEYS and JWT_JWKS in upstream's shape", () => {
    const keys = jwtKeys({ current: pair, jwtSecret: JWT_SECRET });
    expect(keys).toHaveLength(2);
    expect(Object.keys(keys[0])).toEqual([
      "kty",
      "kid",
      "use",
      "key_ops",
      "alg",
      "ext",
      "crv",
      "x",
      "y",
      "d",
    ]);
    expect(keys[0]).toMatchObject({
      kty: "EC",
      use: "sig",
      key_ops: ["sign", "verify"],
      alg: "ES256",
      ext: true,
      crv: "P-256",
    });
    expect(keys[1]).toEqual({
      kty: "oct",
      k: Buffer.from(JWT_SECRET).toString("base64url"),
      alg: "HS256",
    });
    const set = jwks({ current: pair, jwtSecret: JWT_SECRET });
    expect(set.keys[0]).toMatchObject({ kid: pair.private.kid, key_ops: ["verify"] });
    expect(set.keys[0]).not.toHaveProperty("d");
    expect(set.keys[1]).toEqual(keys[1]);
  });

  it("verifies a token signed with the private JWK against our JWKS", async () => {
    const set = jwks({ current: pair, jwtSecret: JWT_SECRET });
    const token = await sessionToken(pair.private, "user-1");
    expect(await verifies(token, set)).toBe(true);
    const forged = await sessionToken(signingKeyFromPem(ecPem()).private, "user-1");
    expect(await verifies(forged, set)).toBe(false);
  });

  it("keeps HS256 sessions verifying through the oct key", async () => {
    const [, oct] = jwks({ current: pair, jwtSecret: JWT_SECRET }).keys as [unknown, { k: string }];
    const legacy = await new SignJWT({ role: "authenticated" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(Buffer.from(JWT_SECRET));
    await expect(jwtVerify(legacy, Buffer.from(oct.k, "base64url"))).resolves.toBeDefined();
  });

  it("mints ES256 anon and service_role keys with the kid and a five-year life", async () => {
    const set = jwks({ current: pair, jwtSecret: JWT_SECRET });
    for (const role of ["anon", "service_role"] as const) {
      const key = mintAsymmetricApiKey(role, pair.private, ROTATED_AT);
      expect(decodeProtectedHeader(key)).toEqual({
        alg: "ES256",
        typ: "JWT",
        kid: pair.private.kid,
      });
      const { payload } = await jwtVerify(key, createLocalJWKSet(JSON.parse(JSON.stringify(set))), {
        currentDate: new Date((ROTATED_AT + 60) * 1000),
      });
      expect(payload).toEqual(apiKeyClaims(role, ROTATED_AT));
    }
  });
});

describe("signing key rotation with overlap", () => {
  const oldPem = ecPem();
  const newPem = ecPem();
  const state = (now: number) => ({
    currentPem: newPem,
    previousPem: oldPem,
    rotatedAt: ROTATED_AT,
    overlapSeconds: 24 * HOUR,
    now,
    jwtSecret: JWT_SECRET,
  });

  it("verifies tokens signed with the old and the new key during the overlap", async () => {
    const set = jwks(activeKeySet(state(ROTATED_AT + HOUR)));
    expect(set.keys.filter((k) => k.kty === "EC")).toHaveLength(2);
    expect(await acceptsSessionsOf(set, oldPem)).toBe(true);
    expect(await acceptsSessionsOf(set, newPem)).toBe(true);
    // GoTrue signs only with the new key but still accepts the old one.
    const gotrue = jwtKeys(activeKeySet(state(ROTATED_AT + HOUR)));
    expect(
      gotrue
        .filter((k) => "key_ops" in k && k.key_ops.includes("sign"))
        .map((k) => (k as EcPrivateJwk).kid),
    ).toEqual([signingKeyFromPem(newPem).private.kid]);
    expect(gotrue[1]).not.toHaveProperty("d");
  });

  it("verifies only the new key once the overlap is over", async () => {
    const set = jwks(activeKeySet(state(ROTATED_AT + 24 * HOUR)));
    expect(set.keys.filter((k) => k.kty === "EC").map((k) => (k as { kid: string }).kid)).toEqual([
      signingKeyFromPem(newPem).private.kid,
    ]);
    expect(await acceptsSessionsOf(set, oldPem)).toBe(false);
    expect(await acceptsSessionsOf(set, newPem)).toBe(true);
  });
});

describe("opaque sb_ API keys", () => {
  const random = "AbCdEfGhIjKlMnOpQrSt-_";

  it("are prefix, 22 random characters and upstream's 8-character checksum", () => {
    const key = opaqueApiKey("publishable", random);
    const expected = createHash("sha256")
      .update(`supabase-self-hosted|sb_publishable_${random}`)
      .digest("base64url")
      .slice(0, 8);
    expect(key).toBe(`sb_publishable_${random}_${expected}`);
    expect(opaqueApiKey("secret", random)).toMatch(
      /^sb_secret_AbCdEfGhIjKlMnOpQrSt-__[A-Za-z0-9_-]{8}$/,
    );
    expect(isOpaqueApiKey(key)).toBe(true);
    expect(isOpaqueApiKey(key.slice(0, -1) + (key.endsWith("A") ? "B" : "A"))).toBe(false);
  });

  it("refuse randomness of the wrong length or alphabet", () => {
    expect(() => opaqueApiKey("secret", "short")).toThrow(/22 base64url/);
    expect(() => opaqueApiKey("secret", "AbCdEfGhIjKlMnOpQrSt+/")).toThrow(/22 base64url/);
  });
});

describe("deterministic ES256", () => {
  it('matches RFC 6979 A.2.5 (P-256, SHA-256, "sample")', () => {
    const d = Buffer.from(
      "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
      "hex",
    ).toString("base64url");
    expect(signEs256Deterministic(Buffer.from("sample"), d).toString("hex").toUpperCase()).toBe(
      "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716" +
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
    );
  });

  it("mints the same API key on every run, so Kong's config never churns", async () => {
    const pair = signingKeyFromPem(ecPem());
    const first = mintAsymmetricApiKey("anon", pair.private, ROTATED_AT);
    expect(mintAsymmetricApiKey("anon", pair.private, ROTATED_AT)).toBe(first);
    // Node's own verifier agrees with the hand-rolled signer, for many keys and messages.
    for (let i = 0; i < 20; i++) {
      const key = signingKeyFromPem(ecPem()).private;
      const token = mintAsymmetricApiKey("service_role", key, ROTATED_AT + i);
      const [head, body, sig] = token.split(".");
      const publicKey = createPublicKey({
        key: { kty: "EC", crv: "P-256", x: key.x, y: key.y },
        format: "jwk",
      });
      expect(
        verify(
          "sha256",
          Buffer.from(`${head}.${body}`),
          { key: publicKey, dsaEncoding: "ieee-p1363" },
          Buffer.from(sig, "base64url"),
        ),
      ).toBe(true);
    }
  });
});
