import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { planBeforeAll } from "./mocks";
import { container, env } from "./lookups";
import { K8S_CONFIG, named, podEnv } from "../k8s/harness";
import { samlPrivateKey } from "../../components/render/samlKey";

/** What GoTrue's SAMLConfiguration.Validate (internal/conf/saml.go at v2.196.0) checks. */
function expectGoTrueSamlKey(value: string) {
  // Standard base64, nothing else (base64.StdEncoding.DecodeString).
  expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  const key = createPrivateKey({ key: Buffer.from(value, "base64"), format: "der", type: "pkcs1" });
  expect(key.asymmetricKeyType).toBe("rsa");
  expect(key.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
  expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
}

describe("SAML SSO (authSaml)", () => {
  const off = planBeforeAll({}, "local");
  const on = planBeforeAll({ "ownstack:authSaml": "true" }, "local");
  const k8s = planBeforeAll({ ...K8S_CONFIG, "ownstack:authSaml": "true" }, "k8s");

  it("is off by default: no SAML env and no key", () => {
    expect(Object.keys(env(container(off, "auth"))).filter((k) => k.includes("SAML"))).toEqual([]);
    expect(off.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").length).toBe(
      1,
    );
  });

  it("on: GoTrue gets a generated RSA 2048 key as base64 PKCS#1 DER, in a secret env", () => {
    const auth = container(on, "auth");
    expect(env(auth).GOTRUE_SAML_ENABLED).toBe("true");
    expectGoTrueSamlKey(env(auth).GOTRUE_SAML_PRIVATE_KEY);
    expect(auth.secretInputs.has("envs")).toBe(true);
    const key = on.resources.find((r) => r.name === "secrets-saml-key-0");
    expect(key?.inputs).toMatchObject({ algorithm: "RSA", rsaBits: 2048 });
  });

  it("Kubernetes: the auth pods get the same key", () => {
    const pod = podEnv(k8s, named(k8s, "Deployment", "auth"));
    expect(pod.GOTRUE_SAML_ENABLED).toBe("true");
    expectGoTrueSamlKey(pod.GOTRUE_SAML_PRIVATE_KEY);
  });

  it("a PKCS#8 PEM is re-encoded as PKCS#1, and a non-RSA key is refused", () => {
    const pkcs8 = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;
    expectGoTrueSamlKey(samlPrivateKey(pkcs8));
    const ec = generateKeyPairSync("ec", {
      namedCurve: "prime256v1",
      privateKeyEncoding: { type: "sec1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;
    expect(() => samlPrivateKey(ec)).toThrow("SAML needs an RSA key");
  });
});
