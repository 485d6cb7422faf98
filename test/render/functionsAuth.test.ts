import { generateKeyPairSync } from "node:crypto";
import { SignJWT, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  jwks,
  mintAsymmetricApiKey,
  opaqueApiKey,
  signingKeyFromPem,
} from "../../components/render/jwks";
import { authConfigFromEnv, authorize } from "../../supabase/functions/main/auth";

// The Edge Functions router's check, run in Node with the same WebCrypto edge-runtime provides.

const pem = () =>
  generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "sec1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
const JWT_SECRET = "functions-test-secret-with-at-least-32-chars";
const NOW = 1_800_000_000;
const pair = signingKeyFromPem(pem());
const publishable = opaqueApiKey("publishable", "0123456789abcdefghijkl");
const secret = opaqueApiKey("secret", "ABCDEFGHIJKLMNOPQRSTUV");

/** The env ownstack's Functions component sets, read through the router's own parser. */
const config = authConfigFromEnv(
  (name) =>
    ({
      JWT_SECRET,
      SUPABASE_JWKS: JSON.stringify(jwks({ current: pair, jwtSecret: JWT_SECRET })),
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: publishable }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: secret }),
    })[name],
);

const headers = (h: Record<string, string>) => new Headers(h);
const es256 = async (exp: number, key = pair.private) => {
  const { key_ops: _ops, ...jwk } = key;
  return new SignJWT({ role: "authenticated" })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setExpirationTime(exp)
    .sign(await importJWK(jwk, "ES256"));
};

describe("Edge Functions router authorisation", () => {
  it("accepts an ES256 session from GoTrue and the gateway's ES256 API keys", async () => {
    expect(
      await authorize(headers({ authorization: `Bearer ${await es256(NOW + 60)}` }), config, NOW),
    ).toBeUndefined();
    expect(
      await authorize(
        headers({
          authorization: `Bearer ${mintAsymmetricApiKey("anon", pair.private, NOW - 10)}`,
        }),
        config,
        NOW,
      ),
    ).toBeUndefined();
  });

  it("accepts a legacy HS256 token signed with the JWT secret", async () => {
    const legacy = await new SignJWT({ role: "anon" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(NOW + 60)
      .sign(Buffer.from(JWT_SECRET));
    expect(
      await authorize(headers({ authorization: `Bearer ${legacy}` }), config, NOW),
    ).toBeUndefined();
  });

  it("accepts the sb_ keys as apikey or bearer, compared exactly", async () => {
    expect(await authorize(headers({ apikey: publishable }), config, NOW)).toBeUndefined();
    expect(
      await authorize(headers({ authorization: `Bearer ${secret}` }), config, NOW),
    ).toBeUndefined();
    expect(await authorize(headers({ apikey: `${publishable}x` }), config, NOW)).toBe(
      "missing authorization header",
    );
  });

  it("refuses expired, foreign, tampered and missing tokens with a reason", async () => {
    expect(
      await authorize(headers({ authorization: `Bearer ${await es256(NOW - 1)}` }), config, NOW),
    ).toBe("JWT expired");
    const stranger = signingKeyFromPem(pem()).private;
    expect(
      await authorize(
        headers({ authorization: `Bearer ${await es256(NOW + 60, stranger)}` }),
        config,
        NOW,
      ),
    ).toBe("unknown signing key");
    const forged = await es256(NOW + 60, { ...stranger, kid: pair.private.kid });
    expect(await authorize(headers({ authorization: `Bearer ${forged}` }), config, NOW)).toBe(
      "invalid signature",
    );
    const wrongSecret = await new SignJWT({ role: "anon" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(Buffer.from("another-secret-of-at-least-32-characters!"));
    expect(await authorize(headers({ authorization: `Bearer ${wrongSecret}` }), config, NOW)).toBe(
      "invalid signature",
    );
    expect(await authorize(headers({}), config, NOW)).toBe("missing authorization header");
    expect(await authorize(headers({ authorization: "Bearer not.a.jwt" }), config, NOW)).toBe(
      "malformed JWT",
    );
  });

  it("works with hs256 stacks, whose key maps are empty", async () => {
    const hs = authConfigFromEnv(
      (name) =>
        ({
          JWT_SECRET,
          SUPABASE_PUBLISHABLE_KEYS: '{"default":""}',
          SUPABASE_SECRET_KEYS: '{"default":""}',
        })[name],
    );
    expect(hs.apiKeys).toEqual([]);
    expect(hs.jwks).toEqual([]);
    expect(await authorize(headers({ apikey: "" }), hs, NOW)).toBe("missing authorization header");
  });
});
