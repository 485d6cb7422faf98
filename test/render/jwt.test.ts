import { errors, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { API_KEY_LIFETIME_SECONDS, ApiKeyRole, mintApiKey } from "../../components/render/jwt";
import { STATE_ISSUED_AT, evaluate, planBeforeAll } from "../plan/mocks";
import { stringOutput } from "../plan/lookups";
import { FIVE_YEARS, apiKeyClaims } from "./apiKeyClaims";

const SECRET = "a-jwt-secret-of-forty-eight-characters-0123456789";
const ISSUED_AT = 1_767_225_600; // 2026-01-01T00:00:00Z

const key = (secret: string) => new TextEncoder().encode(secret);

/** Verifies as a Supabase service does: HS256 only, issuer supabase, at a given moment. */
const verify = (token: string, secret: string, atUnix: number) =>
  jwtVerify(token, key(secret), {
    algorithms: ["HS256"],
    issuer: "supabase",
    currentDate: new Date(atUnix * 1000),
  });

describe("API keys minted by mintApiKey", () => {
  it.each<ApiKeyRole>(["anon", "service_role"])(
    "the %s key verifies with the JWT secret and carries only role, iss, iat and exp",
    async (role) => {
      const token = mintApiKey(role, SECRET, ISSUED_AT);
      const { payload, protectedHeader } = await verify(token, SECRET, ISSUED_AT + 60);
      expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
      expect(payload).toEqual(apiKeyClaims(role, ISSUED_AT));
    },
  );

  it("keys live five years, as upstream's generate-keys.sh makes them", () => {
    expect(API_KEY_LIFETIME_SECONDS).toBe(FIVE_YEARS);
  });

  it("a key is still valid the second before it expires and refused after", async () => {
    const token = mintApiKey("anon", SECRET, ISSUED_AT);
    await expect(verify(token, SECRET, ISSUED_AT + FIVE_YEARS - 1)).resolves.toBeDefined();
    await expect(verify(token, SECRET, ISSUED_AT + FIVE_YEARS + 1)).rejects.toBeInstanceOf(
      errors.JWTExpired,
    );
  });

  it("a key signed with another secret is refused", async () => {
    const token = mintApiKey("service_role", SECRET, ISSUED_AT);
    await expect(verify(token, `${SECRET}x`, ISSUED_AT + 60)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it("a tampered role is refused", async () => {
    const [head, , signature] = mintApiKey("anon", SECRET, ISSUED_AT).split(".");
    const forged = Buffer.from(
      JSON.stringify({
        role: "service_role",
        iss: "supabase",
        iat: ISSUED_AT,
        exp: ISSUED_AT + FIVE_YEARS,
      }),
    ).toString("base64url");
    await expect(
      verify(`${head}.${forged}.${signature}`, SECRET, ISSUED_AT + 60),
    ).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it("the same secret and issue time always give the same key", () => {
    expect(mintApiKey("anon", SECRET, ISSUED_AT)).toBe(mintApiKey("anon", SECRET, ISSUED_AT));
    expect(mintApiKey("anon", SECRET, ISSUED_AT)).not.toBe(
      mintApiKey("service_role", SECRET, ISSUED_AT),
    );
  });
});

describe("API keys in the local stack's plan", () => {
  const plan = planBeforeAll();
  const out = (key: string) => stringOutput(plan, key);

  it.each([
    ["anonKey", "anon"],
    ["serviceRoleKey", "service_role"],
  ])(
    "%s verifies with the jwtSecret output and has role %s, issued at the time kept in state",
    async (output, role) => {
      const { payload } = await verify(out(output), out("jwtSecret"), STATE_ISSUED_AT + 60);
      expect(payload).toEqual(apiKeyClaims(role, STATE_ISSUED_AT));
      expect(decodeProtectedHeader(out(output))).toEqual({ alg: "HS256", typ: "JWT" });
    },
  );

  it("the plan's keys are refused under a wrong secret", async () => {
    await expect(
      verify(
        out("anonKey"),
        "not-the-stack-secret-but-long-enough-to-be-one",
        STATE_ISSUED_AT + 60,
      ),
    ).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it("rotating the JWT secret re-issues both keys under the new secret", async () => {
    const rotated = await evaluate({ "ownstack:rotateJwt": "1" });
    const r = rotated.outputs as Record<string, string>;
    expect(r.jwtSecret).not.toBe(out("jwtSecret"));
    const { payload } = await verify(r.serviceRoleKey, r.jwtSecret, STATE_ISSUED_AT + 60);
    expect(payload.role).toBe("service_role");
    await expect(verify(r.anonKey, out("jwtSecret"), STATE_ISSUED_AT + 60)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });
});
