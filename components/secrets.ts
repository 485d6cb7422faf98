import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import * as time from "@pulumiverse/time";
import { Settings } from "../config/settings";
import { Rotatable } from "../config/schema";
import { deriveBackupKey } from "../config/backupKey";
import { mintApiKey } from "./render/jwt";
import { samlPrivateKey } from "./render/samlKey";

export interface SecretsArgs {
  readonly settings: Settings;
}

/**
 * Every generated password and key of the stack. Each is a Pulumi secret whose keeper is its
 * rotation counter, so `npm run rotate -- <name>` followed by `pulumi up` replaces exactly that
 * secret and the containers that embed it.
 */
export class Secrets extends pulumi.ComponentResource {
  public readonly postgresPassword: pulumi.Output<string>;
  public readonly jwtSecret: pulumi.Output<string>;
  public readonly anonKey: pulumi.Output<string>;
  public readonly serviceRoleKey: pulumi.Output<string>;
  /** Unix time the API keys were issued at; captured once in state. */
  public readonly apiKeysIssuedAt: pulumi.Output<number>;
  public readonly dashboardPassword: pulumi.Output<string>;
  /** bcrypt of the dashboard password, for Traefik basic-auth on vps-only UIs. */
  public readonly dashboardPasswordBcrypt: pulumi.Output<string>;
  public readonly minioUser: pulumi.Output<string>;
  public readonly minioPassword: pulumi.Output<string>;
  public readonly secretKeyBase: pulumi.Output<string>;
  public readonly vaultEncKey: pulumi.Output<string>;
  public readonly pgMetaCryptoKey: pulumi.Output<string>;
  public readonly realtimeDbEncKey: pulumi.Output<string>;
  public readonly s3ProtocolAccessKeyId: pulumi.Output<string>;
  public readonly s3ProtocolAccessKeySecret: pulumi.Output<string>;
  public readonly redisPassword: pulumi.Output<string>;
  public readonly qdrantApiKey: pulumi.Output<string>;
  /** Logflare's ingest token (Vector's x-api-key) and query token (Studio's Logs pages). */
  public readonly logflarePublicToken: pulumi.Output<string>;
  public readonly logflarePrivateToken: pulumi.Output<string>;
  /** Open WebUI's WEBUI_SECRET_KEY (signs its sessions) and its database role's password. */
  public readonly openWebuiSecretKey: pulumi.Output<string>;
  public readonly openWebuiDbPassword: pulumi.Output<string>;
  /**
   * Open WebUI's first admin. No keeper: Open WebUI creates that account only while it has no
   * users (WEBUI_ADMIN_PASSWORD, backend/open_webui/env.py), so a new value would never apply.
   */
  public readonly openWebuiAdminPassword: pulumi.Output<string>;
  /** Encrypts backups; derived from a root secret and rotateBackup (scripts/lib/backup/keys.ts). */
  public readonly backupKey: pulumi.Output<string>;
  /** The key before the last rotation, so the scheduler can re-encrypt what it keeps; none at 0. */
  public readonly backupPreviousKey?: pulumi.Output<string>;
  /** GOTRUE_SAML_PRIVATE_KEY (authSaml only): base64 of the PKCS#1 DER RSA key. */
  public readonly samlPrivateKey?: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:core:Secrets", name, {}, opts);
    const { rotation } = args.settings;
    const keepers = (secret: Rotatable) => ({ rotation: String(rotation[secret]) });

    // special: false everywhere: these values are embedded in postgres:// and redis:// URLs, where
    // @/?#:& are RFC 3986 delimiters and break parsing.
    const password = (
      id: string,
      length: number,
      secret: Rotatable,
      extra: Partial<random.RandomPasswordArgs> = {},
    ) =>
      pulumi.secret(
        new random.RandomPassword(
          `${name}-${id}`,
          { length, special: false, keepers: keepers(secret), ...extra },
          { parent: this },
        ).result,
      );

    this.postgresPassword = password("postgres-password", 32, "postgres");
    this.jwtSecret = password("jwt-secret", 48, "jwt");
    const dashboard = new random.RandomPassword(
      `${name}-dashboard-password`,
      { length: 24, special: false, keepers: keepers("dashboard") },
      { parent: this },
    );
    this.dashboardPassword = pulumi.secret(dashboard.result);
    this.dashboardPasswordBcrypt = pulumi.secret(dashboard.bcryptHash);
    this.minioPassword = password("minio-password", 32, "minio");
    this.minioUser = pulumi.secret(
      new random.RandomString(
        `${name}-minio-user`,
        { length: 12, special: false, upper: false, keepers: keepers("minio") },
        { parent: this },
      ).result,
    );
    this.secretKeyBase = password("realtime-secret-key-base", 64, "realtime");
    // Realtime's DB_ENC_KEY is AES-128: exactly 16 characters.
    this.realtimeDbEncKey = password("realtime-db-enc-key", 16, "realtime");
    this.vaultEncKey = password("vault-enc-key", 32, "vault");
    this.pgMetaCryptoKey = password("pg-meta-crypto-key", 32, "meta");
    this.s3ProtocolAccessKeyId = password("s3-access-key-id", 32, "minio", { upper: false });
    this.s3ProtocolAccessKeySecret = password("s3-access-key-secret", 64, "minio");
    this.redisPassword = password("redis-password", 32, "redis");
    this.qdrantApiKey = password("qdrant-api-key", 40, "qdrant");
    // Upstream's generate-keys.sh makes both at least 32 characters.
    this.logflarePublicToken = password("logflare-public-token", 40, "logflare");
    this.logflarePrivateToken = password("logflare-private-token", 40, "logflare");
    this.openWebuiSecretKey = password("openwebui-secret-key", 48, "openWebui");
    this.openWebuiDbPassword = password("openwebui-db-password", 32, "openWebui");
    this.openWebuiAdminPassword = pulumi.secret(
      new random.RandomPassword(
        `${name}-openwebui-admin-password`,
        { length: 24, special: false },
        { parent: this },
      ).result,
    );
    // No keeper: the root never changes, so every earlier key stays derivable for re-encryption.
    const backupRoot = new random.RandomPassword(
      `${name}-backup-root-key`,
      { length: 64, special: false },
      { parent: this },
    ).result;
    this.backupKey = pulumi.secret(
      backupRoot.apply((root) => deriveBackupKey(root, rotation.backup)),
    );
    if (rotation.backup > 0)
      this.backupPreviousKey = pulumi.secret(
        backupRoot.apply((root) => deriveBackupKey(root, rotation.backup - 1)),
      );

    // Named by its counter, as the signing key is (a tls.PrivateKey has no keepers). RSA 2048 with
    // e = 65537, the least GoTrue's SAMLConfiguration.Validate accepts.
    if (args.settings.auth.saml)
      this.samlPrivateKey = pulumi.secret(
        new tls.PrivateKey(
          `${name}-saml-key-${rotation.saml}`,
          { algorithm: "RSA", rsaBits: 2048 },
          { parent: this },
        ).privateKeyPem.apply(samlPrivateKey),
      );

    // The issue time lives in state (time.Static), so previews never see a new `iat`; it moves
    // only when the JWT secret is rotated.
    const issued = new time.Static(
      `${name}-api-keys-issued`,
      { triggers: keepers("jwt") },
      { parent: this },
    );
    this.apiKeysIssuedAt = issued.unix;
    const mint = (role: "anon" | "service_role") =>
      pulumi.secret(
        pulumi
          .all([this.jwtSecret, issued.unix])
          .apply(([secret, iat]) => mintApiKey(role, secret, iat)),
      );
    this.anonKey = mint("anon");
    this.serviceRoleKey = mint("service_role");

    this.registerOutputs({
      postgresPassword: this.postgresPassword,
      jwtSecret: this.jwtSecret,
      anonKey: this.anonKey,
      serviceRoleKey: this.serviceRoleKey,
      dashboardPassword: this.dashboardPassword,
    });
  }
}
