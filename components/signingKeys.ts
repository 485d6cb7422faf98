import { createPublicKey } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import * as time from "@pulumiverse/time";
import { Settings } from "../config/settings";
import {
  activeKeySet,
  ecThumbprint,
  jwks,
  jwtKeys,
  mintAsymmetricApiKey,
  opaqueApiKey,
} from "./render/jwks";
import { KeyTranslation } from "./render/kongKeys";

export interface SigningKeysArgs {
  readonly settings: Settings;
  readonly jwtSecret: pulumi.Input<string>;
  /** Unix seconds for the overlap check; the default reads the wall clock, which is the point. */
  readonly now?: () => number;
}

/**
 * The ES256 signing key (`authSigning: es256`) and everything derived from it: GoTrue's
 * JWT_KEYS, the JWKS every verifier reads, the gateway's asymmetric API keys and the sb_ keys.
 *
 * Keys are named by rotation counter (`-key-<n>`): `npm run rotate -- signingKey` declares key
 * n+1 while key n keeps its state, so the old public key stays in the JWKS for
 * `signingKeyOverlap`; the first `pulumi up` after that drops it, and the next rotation deletes it.
 */
export class SigningKeys extends pulumi.ComponentResource {
  /** Key id of the signing key: its RFC 7638 thumbprint, public. */
  public readonly kid: pulumi.Output<string>;
  public readonly jwtKeys: pulumi.Output<string>;
  public readonly jwks: pulumi.Output<string>;
  public readonly publishableKey: pulumi.Output<string>;
  public readonly secretKey: pulumi.Output<string>;
  /** What Kong needs to swap sb_ keys for the ES256 JWTs (secret). */
  public readonly translation: pulumi.Output<KeyTranslation>;

  constructor(name: string, args: SigningKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:core:SigningKeys", name, {}, opts);
    const { rotation, signing } = args.settings;
    const n = rotation.signingKey;
    // tls.PrivateKey's ECDSA default is P-224, which ES256 verifiers reject.
    const key = (index: number) =>
      new tls.PrivateKey(
        `${name}-key-${index}`,
        { algorithm: "ECDSA", ecdsaCurve: "P256" },
        { parent: this },
      );
    const current = key(n);
    const previous = n > 0 ? key(n - 1) : undefined;
    // The rotation time lives in state: it is the `iat` of the API keys and the overlap's start.
    const rotated = new time.Static(
      `${name}-rotated`,
      { triggers: { rotation: String(n) } },
      { parent: this },
    );

    this.kid = current.publicKeyPem.apply((pem) => {
      const jwk = createPublicKey(pem).export({ format: "jwk" });
      return ecThumbprint({ crv: "P-256", x: jwk.x ?? "", y: jwk.y ?? "" });
    });

    const now = args.now ?? (() => Math.floor(Date.now() / 1000));
    const keySet = pulumi
      .all([current.privateKeyPem, previous?.privateKeyPem, rotated.unix, args.jwtSecret])
      .apply(([currentPem, previousPem, rotatedAt, jwtSecret]) => {
        // The clock is read only while an old key may still be in its overlap: that is the point
        // of the overlap, and the decision is logged below. Without a rotation the plan never
        // depends on the time.
        const at = previousPem === undefined ? rotatedAt : now();
        const set = activeKeySet({
          currentPem,
          previousPem,
          rotatedAt,
          overlapSeconds: signing.overlapSeconds,
          now: at,
          jwtSecret,
        });
        if (previousPem !== undefined) {
          const until = new Date((rotatedAt + signing.overlapSeconds) * 1000).toISOString();
          pulumi.log.info(
            set.previous
              ? `signing key ${set.previous.kid} still verifies until ${until}; the first pulumi up after that drops it`
              : `signing key overlap ended ${until}: the JWKS holds only ${set.current.public.kid}`,
            this,
          );
        }
        return set;
      });
    const secretJson = (build: (set: pulumi.Unwrap<typeof keySet>) => unknown) =>
      pulumi.secret(keySet.apply((set) => JSON.stringify(build(set))));
    this.jwtKeys = secretJson(jwtKeys);
    this.jwks = secretJson(jwks);

    const mint = (role: "anon" | "service_role") =>
      pulumi.secret(
        pulumi
          .all([keySet, rotated.unix])
          .apply(([set, iat]) => mintAsymmetricApiKey(role, set.current.private, iat)),
      );

    // sb_ keys are API keys like the legacy ones, so they follow the JWT rotation counter.
    const opaque = (kind: "publishable" | "secret") => {
      const randomPart = new random.RandomString(
        `${name}-${kind}-key`,
        {
          length: 22,
          upper: true,
          lower: true,
          numeric: true,
          special: true,
          overrideSpecial: "-_",
          keepers: { rotation: String(rotation.jwt) },
        },
        { parent: this },
      );
      return pulumi.secret(randomPart.result.apply((r) => opaqueApiKey(kind, r)));
    };
    this.publishableKey = opaque("publishable");
    this.secretKey = opaque("secret");

    // The gateway-internal ES256 JWTs an sb_ key becomes; nothing outside Kong's Lua needs them.
    this.translation = pulumi.secret(
      pulumi
        .all([this.publishableKey, this.secretKey, mint("anon"), mint("service_role")])
        .apply(
          ([
            publishableKey,
            secretKey,
            anonKeyAsymmetric,
            serviceRoleKeyAsymmetric,
          ]): KeyTranslation => ({
            publishableKey,
            secretKey,
            anonKeyAsymmetric,
            serviceRoleKeyAsymmetric,
          }),
        ),
    );
    this.registerOutputs({ kid: this.kid });
  }
}
