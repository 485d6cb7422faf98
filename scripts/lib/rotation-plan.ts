import { ROTATABLE, Rotatable, rotationKey } from "../../config/schema";
import { OperatorError } from "./errors";
import { USER_SECRET_NAMES } from "../../config/userSecrets";

/**
 * What `npm run rotate -- <name>` changes, in one table: the rotate script prints it before it
 * acts, the README documents it, and a plan test checks that `pulumi up` replaces no container
 * this table does not name. Everything here is pure, so it is tested without the Pulumi CLI.
 */

export interface RotationEntry {
  /** The generated values the counter regenerates. */
  readonly regenerates: string;
  /** Containers (by `ownstack.service` label) that embed them and are replaced, when enabled. */
  readonly restarts: readonly string[];
  /** What users and apps notice. */
  readonly notice: string;
}

/**
 * The Supabase services that embed both the JWT secret (or keys signed with it) and the Postgres
 * password, so either rotation replaces them.
 */
const API_SERVICES = ["auth", "functions", "realtime", "rest", "storage", "studio", "supavisor"];

/** The API services and `others`, sorted as the README table lists them. */
const withApiServices = (...others: string[]): string[] => [...API_SERVICES, ...others].sort();

export const ROTATION_PLAN: Readonly<Record<Rotatable, RotationEntry>> = {
  jwt: {
    regenerates:
      "JWT secret; the anon and service_role keys signed with it; the sb_publishable and sb_secret keys",
    restarts: withApiServices("kong", "prometheus"),
    notice:
      "Apps need the new anon (or sb_publishable) key, servers the new service_role (or sb_secret) key. " +
      "With authSigning hs256 every user is signed out, since sessions are HS256-signed with this secret; with es256 (the default) " +
      "sessions stay valid and only HS256 tokens stop verifying. About a minute of API downtime.",
  },
  postgres: {
    regenerates:
      "password of every Postgres login role (postgres, supabase_admin, authenticator, pgbouncer, supabase_*_admin)",
    restarts: withApiServices(
      "analytics",
      "backup",
      "db",
      "meta",
      "migrations",
      "postgresExporter",
    ),
    notice:
      "About a minute of downtime while db and every service that logs in restart; data, sessions and API keys are kept. " +
      "The db applies the new password in one transaction before it reports healthy; if that fails, the old password keeps working. " +
      "Direct clients (psql, backups, the pooler URL) need the new password.",
  },
  dashboard: {
    regenerates:
      "dashboard password: Studio behind Kong's basic auth, Grafana's admin, and on vps the Traefik basic auth of the other dashboards",
    restarts: ["grafana", "kong", "mail", "prometheus"],
    notice:
      "Studio, Grafana and the vps dashboards ask for the new password. The API pauses for a few seconds while Kong restarts.",
  },
  minio: {
    regenerates: "MinIO root user and password, S3-protocol access key id and secret",
    restarts: ["backup", "minio", "minio-createbucket", "storage"],
    notice:
      "Storage restarts (uploads in flight fail); stored files are kept. S3-protocol clients need the new keys.",
  },
  redis: {
    regenerates: "Redis (Valkey) password",
    restarts: ["redis", "redisExporter"],
    notice: "Open Redis connections drop; apps need the new password. Persisted data is kept.",
  },
  qdrant: {
    regenerates: "Qdrant API key",
    restarts: ["openWebui", "prometheus", "qdrant"],
    notice: "Apps need the new Qdrant API key; collections are kept.",
  },
  realtime: {
    regenerates: "SECRET_KEY_BASE (Realtime and Supavisor) and Realtime's DB_ENC_KEY",
    restarts: ["realtime", "supavisor"],
    notice:
      "Realtime clients disconnect and reconnect on their own; Realtime re-seeds its tenant at start. Pooler connections drop.",
  },
  vault: {
    regenerates: "VAULT_ENC_KEY, which Supavisor encrypts its tenant with",
    restarts: ["supavisor"],
    notice:
      "Pooler connections drop while Supavisor restarts; nothing else notices. Without the pooler nothing restarts.",
  },
  meta: {
    regenerates: "PG_META_CRYPTO_KEY",
    restarts: ["meta", "studio"],
    notice: "Studio and postgres-meta restart (about 30 s); nothing is stored under this key.",
  },
  signingKey: {
    regenerates:
      "ES256 session signing key (JWT_KEYS, JWKS) and the ES256 API keys Kong hands on (authSigning es256 only)",
    restarts: ["auth", "functions", "kong", "realtime", "rest", "storage"],
    notice:
      "Sessions stay valid: the previous public key stays in the JWKS for signingKeyOverlap, so tokens it signed verify until they expire. " +
      "The sb_ and legacy API keys do not change.",
  },
  logflare: {
    regenerates: "Logflare's public (ingest) and private (query) access tokens",
    restarts: ["analytics", "studio", "vector"],
    notice:
      "Studio's Logs pages and log shipping pause while analytics restarts (about 30 s); stored logs are kept. Without logs nothing restarts.",
  },
  backup: {
    regenerates: "the backup encryption key (backupEncryptionKey output)",
    restarts: ["backup"],
    notice:
      "The scheduler re-encrypts the backups it keeps under the new key at its next start, so the old key is needed only for copies made before " +
      "(off-site ones included). Save the new key outside this machine: npm run env shows how to print it.",
  },
  saml: {
    regenerates:
      "GoTrue's SAML RSA key (GOTRUE_SAML_PRIVATE_KEY) and the certificate it derives (authSaml only)",
    restarts: ["auth"],
    notice:
      "SAML sign-ins fail until each identity provider has the new certificate from /auth/v1/sso/saml/metadata " +
      "(most re-read it from that URL on their own). Other sign-ins and sessions are untouched. Without authSaml nothing restarts.",
  },
  openWebui: {
    regenerates: "Open WebUI's WEBUI_SECRET_KEY and the password of its database role (openwebui)",
    restarts: ["migrations", "openWebui"],
    notice:
      "Open WebUI signs everyone out (sessions are signed with the key); chats, users and settings are kept. " +
      "The migrations job sets the role's new password before Open WebUI restarts. Its admin password does not change " +
      "(Open WebUI applies it only to an empty user table): change it in Open WebUI's settings. Without Open WebUI nothing restarts.",
  },
};

export const VALID_TARGETS = [...ROTATABLE, "all"] as const;

/** `jwt` → [jwt]; `all` → every secret; anything else is an error that lists the valid names. */
export function parseTarget(name: string | undefined): Rotatable[] {
  if (name === "all") return [...ROTATABLE];
  if (name !== undefined && (ROTATABLE as readonly string[]).includes(name))
    return [name as Rotatable];
  const shown =
    name === undefined || name === "" ? "no secret name given" : `unknown secret "${name}"`;
  throw new OperatorError(
    `${shown}. Valid names: ${VALID_TARGETS.join(", ")}; secrets you bring: ${USER_SECRET_NAMES.join(", ")}.`,
  );
}

/** The config key the rotate script bumps, e.g. `ownstack:rotateJwt`. */
export const counterKey = (name: Rotatable): string => `ownstack:${rotationKey(name)}`;

/**
 * The next counter from the current stack-file value: absent means the default 0. Pulumi writes
 * top-level config values as strings, so `"2"` and `2` are the same.
 */
export function nextCounter(name: Rotatable, current: unknown): number {
  if (current === undefined || current === null) return 1;
  const n =
    typeof current === "number"
      ? current
      : typeof current === "string" && /^\d+$/.test(current.trim())
        ? Number(current)
        : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new OperatorError(
      `${counterKey(name)} is ${JSON.stringify(current)}; expected a whole number >= 0. Fix it with: pulumi config set ${counterKey(name)} 0`,
    );
  }
  return n + 1;
}

/** Counter values as they stand in `Pulumi.<stack>.yaml`'s `config:` map. */
export function nextCounters(
  names: readonly Rotatable[],
  stackConfig: Record<string, unknown>,
): Map<Rotatable, number> {
  return new Map(names.map((n) => [n, nextCounter(n, stackConfig[counterKey(n)])]));
}

/** Every container a rotation replaces, sorted and without repeats. */
export function restartedBy(names: readonly Rotatable[]): string[] {
  return [...new Set(names.flatMap((n) => ROTATION_PLAN[n].restarts))].sort();
}

/** What the script prints before it asks to go ahead. */
export function planText(
  names: readonly Rotatable[],
  stack: string,
  next: ReadonlyMap<Rotatable, number>,
  signing: SigningAlgorithm = "es256",
): string {
  const lines = [`Rotating on stack "${stack}":`];
  for (const n of names) {
    const e = ROTATION_PLAN[n];
    lines.push(`  ${n}: ${e.regenerates}`);
    lines.push(`    counter ${counterKey(n)} -> ${next.get(n)}`);
    lines.push(
      `    restarts (when enabled): ${e.restarts.length > 0 ? e.restarts.join(", ") : "nothing"}`,
    );
    lines.push(`    users notice: ${e.notice}`);
  }
  if (names.includes("signingKey") && signing === "hs256")
    lines.push(
      "",
      "note: this stack signs with hs256 (authSigning), so signingKey changes nothing until it switches to es256.",
    );
  if (names.includes("jwt")) lines.push("", jwtWarning(signing));
  return lines.join("\n");
}

export type SigningAlgorithm = "es256" | "hs256";

/** What rotating the JWT secret does to user sessions depends on who signs them. */
export function jwtWarning(signing: SigningAlgorithm): string {
  return signing === "hs256"
    ? "WARNING: rotating the JWT secret invalidates every user session (HS256): all users must sign in again, " +
        "and every app must be given the new anon key."
    : "WARNING: every app must be given the new anon or sb_publishable key. User sessions are ES256-signed and stay valid; " +
        "tokens signed with the old JWT secret (HS256) stop verifying.";
}

/** The README's per-secret table, generated from the same entries the script prints. */
export function renderRotationTable(): string {
  const rows = ROTATABLE.map((n) => {
    const e = ROTATION_PLAN[n];
    const restarts =
      e.restarts.length > 0 ? e.restarts.map((r) => `\`${r}\``).join(", ") : "nothing";
    return `| \`${n}\` | ${e.regenerates} | ${restarts} | ${e.notice} |`;
  });
  return (
    [
      "| Secret | Regenerates | Restarts (when enabled) | What users notice |",
      "|---|---|---|---|",
      ...rows,
    ].join("\n") + "\n"
  );
}

/** After a failed `pulumi up`: where things stand and why a retry is safe. */
export function failedUpText(names: readonly Rotatable[], stack: string): string {
  const lines = [
    `pulumi up did not finish. The counter${names.length > 1 ? "s are" : " is"} already bumped in Pulumi.${stack}.yaml.`,
    `Fix the cause shown above, then run: pulumi up -s ${stack}  (safe to repeat).`,
  ];
  if (names.includes("postgres")) {
    lines.push(
      "Postgres: the new password is applied in one transaction when the db container starts, so until it succeeds " +
        "every role keeps the old password (docker logs shows the reason).",
    );
  }
  return lines.join("\n");
}
