import { SignJWT, createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { parse } from "yaml";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { isOpaqueApiKey } from "../../components/render/jwks";
import { Plan, STATE_ISSUED_AT, evaluate, planBeforeAll } from "./mocks";
import { byType, container, env } from "./lookups";

const kongYml = (plan: Plan) => parse(container(plan, "kong").inputs.uploads[0].content);
const gotrueKeys = (plan: Plan): Record<string, any>[] =>
  JSON.parse(env(container(plan, "auth")).GOTRUE_JWT_KEYS);
const jwksOf = (plan: Plan) => JSON.parse(env(container(plan, "rest")).PGRST_JWT_SECRET);
function signer(plan: Plan): Record<string, any> {
  const key = gotrueKeys(plan).find((k) => k.key_ops?.includes("sign"));
  if (!key) throw new Error("JWT_KEYS has no signing key");
  return key;
}

/** A session token as GoTrue would sign it with a private JWK from JWT_KEYS. */
async function session(privateJwk: Record<string, any>): Promise<string> {
  // WebCrypto takes only "sign" on an ECDSA private key; upstream's JWK lists sign and verify.
  const { key_ops: _ops, ...jwk } = privateJwk;
  return new SignJWT({ role: "authenticated" })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: jwk.kid })
    .setExpirationTime("1h")
    .sign(await importJWK(jwk, "ES256"));
}
const verifies = (token: string, plan: Plan) =>
  jwtVerify(token, createLocalJWKSet(jwksOf(plan))).then(
    () => true,
    () => false,
  );

describe("es256 (the default): one signing key, published to every verifier", () => {
  const plan = planBeforeAll();

  it("generates an EC P-256 key, not tls.PrivateKey's P-224 default", () => {
    const keys = byType(plan, "tls:index/privateKey:PrivateKey");
    expect(keys.map((k) => [k.name, k.inputs.algorithm, k.inputs.ecdsaCurve])).toEqual([
      ["signing-key-0", "ECDSA", "P256"],
    ]);
  });

  it("gives GoTrue JWT_KEYS: the private EC key that signs, then the legacy HS256 secret", () => {
    const keys = gotrueKeys(plan);
    expect(keys.map((k) => [k.kty, k.alg])).toEqual([
      ["EC", "ES256"],
      ["oct", "HS256"],
    ]);
    expect(keys[0]).toMatchObject({
      kid: plan.outputs.signingKeyId,
      key_ops: ["sign", "verify"],
      crv: "P-256",
    });
    expect(keys[1].k).toBe(Buffer.from(String(plan.outputs.jwtSecret)).toString("base64url"));
    expect(env(container(plan, "auth")).GOTRUE_JWT_SECRET).toBe(plan.outputs.jwtSecret);
  });

  it("hands the same JWKS to PostgREST, Realtime and Storage, with no private part", () => {
    const jwks = env(container(plan, "rest")).PGRST_JWT_SECRET;
    expect(env(container(plan, "realtime")).API_JWT_JWKS).toBe(jwks);
    expect(env(container(plan, "storage")).JWT_JWKS).toBe(jwks);
    expect(jwks).not.toContain('"d"');
    for (const service of ["auth", "rest", "realtime", "storage"])
      expect(container(plan, service).secretInputs.has("envs")).toBe(true);
  });

  it("verifies a session signed with GoTrue's private JWK against that JWKS", async () => {
    expect(await verifies(await session(signer(plan)), plan)).toBe(true);
  });

  it("issues sb_publishable_ and sb_secret_ keys with upstream's checksum, secret outputs, shown to Studio", () => {
    const studio = env(container(plan, "studio"));
    expect(String(plan.outputs.publishableKey)).toMatch(/^sb_publishable_/);
    expect(String(plan.outputs.secretKey)).toMatch(/^sb_secret_/);
    expect(
      isOpaqueApiKey(String(plan.outputs.publishableKey)) &&
        isOpaqueApiKey(String(plan.outputs.secretKey)),
    ).toBe(true);
    expect([studio.SUPABASE_PUBLISHABLE_KEY, studio.SUPABASE_SECRET_KEY]).toEqual([
      plan.outputs.publishableKey,
      plan.outputs.secretKey,
    ]);
    expect(plan.secretOutputs.has("publishableKey") && plan.secretOutputs.has("secretKey")).toBe(
      true,
    );
  });

  it("routes sb_ keys in Kong: consumers hold them, and Lua swaps them for ES256 JWTs of the role", async () => {
    const kong = kongYml(plan);
    const keysOf = (user: string) =>
      kong.consumers
        .find((c: { username: string }) => c.username === user)
        .keyauth_credentials.map((k: { key: string }) => k.key);
    expect(keysOf("anon")).toEqual([plan.outputs.anonKey, plan.outputs.publishableKey]);
    expect(keysOf("service_role")).toEqual([plan.outputs.serviceRoleKey, plan.outputs.secretKey]);
    const rest = kong.services.find((s: { name: string }) => s.name === "rest-v1");
    const header: string = rest.plugins.find(
      (p: { name: string }) => p.name === "request-transformer",
    ).config.add.headers[0];
    const swapped = /headers\.apikey == '(sb_secret_[^']+)' and 'Bearer ([^']+)'/.exec(header);
    expect(swapped?.[1]).toBe(plan.outputs.secretKey);
    // The JWT Kong forwards for the secret key is an ES256 service_role key that our JWKS accepts.
    const { payload } = await jwtVerify(swapped?.[2] ?? "", createLocalJWKSet(jwksOf(plan)), {
      currentDate: new Date((STATE_ISSUED_AT + 60) * 1000),
    });
    expect(payload).toMatchObject({ role: "service_role", iss: "supabase", iat: STATE_ISSUED_AT });
    expect(decodeProtectedHeader(swapped?.[2] ?? "").kid).toBe(plan.outputs.signingKeyId);
    const storage = kong.services.find((s: { name: string }) => s.name === "storage-v1");
    expect(storage.plugins.map((p: { name: string }) => p.name)).toEqual([
      "cors",
      "request-transformer",
      "post-function",
    ]);
  });

  it("renders the same kong.yml twice: the ES256 keys are deterministic", async () => {
    const again = await evaluate();
    expect(container(again, "kong").inputs.uploads[0].content).toBe(
      container(plan, "kong").inputs.uploads[0].content,
    );
  });
});

describe("hs256: nothing changes from the legacy wiring", () => {
  const plan = planBeforeAll({ "ownstack:authSigning": "hs256" });

  it("declares no signing key and no sb_ keys", () => {
    expect(byType(plan, "tls:index/privateKey:PrivateKey")).toEqual([]);
    expect(plan.outputs.publishableKey).toBeUndefined();
    expect(env(container(plan, "studio")).SUPABASE_PUBLISHABLE_KEY).toBeUndefined();
  });

  it("keeps the JWT secret everywhere and no JWKS", () => {
    expect(env(container(plan, "rest")).PGRST_JWT_SECRET).toBe(plan.outputs.jwtSecret);
    expect(env(container(plan, "auth")).GOTRUE_JWT_KEYS).toBeUndefined();
    expect(env(container(plan, "realtime")).API_JWT_JWKS).toBeUndefined();
    expect(env(container(plan, "storage")).JWT_JWKS).toBeUndefined();
    const anon = kongYml(plan).consumers.find((c: { username: string }) => c.username === "anon");
    expect(anon.keyauth_credentials).toEqual([{ key: plan.outputs.anonKey }]);
  });
});

describe("rotating the signing key keeps the old public key for the overlap", () => {
  const DAY = 86400;
  const rotated = STATE_ISSUED_AT + 1; // the mocked time.Static for rotateSigningKey=1
  let before: Plan;
  afterEach(() => vi.useRealTimers());
  const at = async (unix: number, config: Record<string, string>) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(unix * 1000));
    try {
      return await evaluate(config);
    } finally {
      vi.useRealTimers();
    }
  };
  beforeAll(async () => {
    before = await evaluate();
  });

  it("during the overlap, sessions signed with the old and the new key both verify", async () => {
    const during = await at(rotated + DAY / 2, { "ownstack:rotateSigningKey": "1" });
    expect(
      byType(during, "tls:index/privateKey:PrivateKey")
        .map((k) => k.name)
        .sort(),
    ).toEqual(["signing-key-0", "signing-key-1"]);
    expect(signer(during).kid).not.toBe(signer(before).kid);
    expect(
      jwksOf(during)
        .keys.filter((k: { kty: string }) => k.kty === "EC")
        .map((k: { kid: string }) => k.kid),
    ).toEqual([signer(during).kid, signer(before).kid]);
    expect(await verifies(await session(signer(before)), during)).toBe(true);
    expect(await verifies(await session(signer(during)), during)).toBe(true);
  });

  it("after the overlap (signingKeyOverlap, default 1d), only the new key verifies", async () => {
    const after = await at(rotated + DAY, { "ownstack:rotateSigningKey": "1" });
    expect(jwksOf(after).keys.filter((k: { kty: string }) => k.kty === "EC")).toHaveLength(1);
    expect(await verifies(await session(signer(before)), after)).toBe(false);
    expect(await verifies(await session(signer(after)), after)).toBe(true);
  });

  it("honours a longer configured overlap", async () => {
    const longer = await at(rotated + 3 * DAY, {
      "ownstack:rotateSigningKey": "1",
      "ownstack:signingKeyOverlap": "7d",
    });
    expect(await verifies(await session(signer(before)), longer)).toBe(true);
  });
});
