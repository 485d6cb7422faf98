import { createPrivateKey } from "node:crypto";

/**
 * GOTRUE_SAML_PRIVATE_KEY from a PEM key: GoTrue base64-decodes it (standard alphabet) and parses
 * it with x509.ParsePKCS1PrivateKey, RSA only, e = 65537, at least 2048 bits
 * (https://github.com/supabase/auth/blob/v2.196.0/internal/conf/saml.go, Validate). Re-encoded
 * through node's crypto, so a PKCS#8 PEM works as well as the tls provider's PKCS#1 one.
 */
export function samlPrivateKey(pem: string): string {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "rsa") throw new Error("SAML needs an RSA key");
  return key.export({ type: "pkcs1", format: "der" }).toString("base64");
}
