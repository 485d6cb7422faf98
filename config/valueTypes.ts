import { z } from "zod";
import { RETENTION_HINT, parseRetention } from "./backupRetention";
import { parseSchedule } from "./backupSchedule";
import { isDockerHostUrl, isEmailAddress, isOllamaModelName } from "./formats";
import { NETWORK_POOL_EXPECTED, isNetworkPool } from "./networkPool";

/**
 * The value types of the config keys: what a port, a URL, a domain, a duration or an override
 * entry must look like, each with the one message a user reads when a value is refused.
 * `schema.ts` gives them to the keys.
 */

export const port = z
  .number({ error: "expected an integer port 1-65535" })
  .int("expected an integer port 1-65535")
  .min(1, "expected an integer port 1-65535")
  .max(65535, "expected an integer port 1-65535");

/**
 * A string key. Its one message is given for every refusal, a wrong type included: YAML turns
 * `domain: 12345` into a number, and the user should read what the key expects, not zod's
 * generic "Invalid input".
 */
export const text = (expected: string, valid: (v: string) => boolean = () => true) =>
  z.string({ error: expected }).refine(valid, expected);

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

const URL_FORM = "expected an absolute http(s) URL such as https://app.example.com";
export const httpUrl = text(URL_FORM, isHttpUrl);
export const optionalHttpUrl = text(URL_FORM, (v) => v === "" || isHttpUrl(v));

/** A host name without scheme, port or path, e.g. `example.com`. */
export const domainName = text(
  "expected a bare domain such as example.com (no scheme, port or path)",
  (v) => v === "" || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(v),
);

export const email = text(
  "expected an e-mail address such as admin@example.com",
  (v) => v === "" || isEmailAddress(v),
);

export const dockerHost = text(
  "expected ssh://user@host[:port] (key auth) or tcp://host:2376 (with TLS material in docker:certPath), ports 1-65535",
  (v) => v === "" || isDockerHostUrl(v),
);

/**
 * The Docker API socket on the daemon's host. Absolute and plain, because it becomes the host side
 * of a bind mount (`host:container:ro`, so no `:`); `$XDG_RUNTIME_DIR` is not expanded by Docker.
 */
export const socketPath = text(
  "expected an absolute path to the Docker API socket such as /var/run/docker.sock (Podman: /run/podman/podman.sock)",
  (v) => /^\/[^:\0$]*$/.test(v) && !v.split("/").some((part) => part === "." || part === ".."),
);

/** Where the Docker networks take their subnets (config/networkPool.ts). */
export const networkPool = text(NETWORK_POOL_EXPECTED, isNetworkPool);

/** A Kubernetes object name (RFC 1123 label), e.g. `ingress-nginx`. */
export const kubeName = (example: string) =>
  text(`expected a Kubernetes name such as ${example} (lowercase letters, digits, dashes)`, (v) =>
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v),
  );

export const replicaOverride = text('expected "tier=count" entries such as "rest=3"', (v) =>
  /^[a-zA-Z]+=\d+$/.test(v),
);

/** Sizes such as `512MiB`, `2GiB`, `768m`, `1g`, `256MB`. */
export const MEMORY_SIZE = /^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib)$/i;

// The entries are checked one by one in overrides.ts, each with its own message.
export const memoryOverride = text('expected "service=size" entries such as "kong=512MiB"');
export const imageOverride = text('expected "service=image:tag" entries such as "kong=kong:3.9.3"');

export const ollamaModel = text(
  'expected a model name as `ollama pull` takes it, such as "llama3.2:1b", "nomic-embed-text" or "hf.co/<user>/<repo>:Q4_K_M"',
  isOllamaModelName,
);

export const duration = z
  .string({ error: 'expected a duration such as "15d", "12h" or "30m"' })
  .regex(/^\d+(ms|s|m|h|d|w|y)$/, 'expected a duration such as "15d", "12h" or "30m"');

const DURATION_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31536000,
};

/** `15d`, `12h`, `30m` in seconds; NaN for anything the `duration` type refuses. */
export function durationSeconds(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text);
  return m ? Number(m[1]) * DURATION_SECONDS[m[2]] : NaN;
}

export const redisSize = z
  .string({ error: 'expected a Redis size such as "256mb" or "1gb"' })
  .regex(/^\d+(kb|mb|gb)$/i, 'expected a Redis size such as "256mb" or "1gb"');

/** A file or folder of the project, e.g. `supabase/migrations`; shipped into containers as uploads. */
export const projectPath = text(
  "expected a path relative to the project such as supabase/migrations",
  (v) => v.trim() !== "" && !v.includes("\0"),
);

const SCHEDULE_EXPECTED = 'expected a cron expression in UTC such as "17 3 * * *"';
export const backupSchedule = z.string({ error: SCHEDULE_EXPECTED }).superRefine((v, ctx) => {
  const parsed = parseSchedule(v);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

export const backupRetention = z
  .array(text(RETENTION_HINT), { error: RETENTION_HINT })
  .superRefine((v, ctx) => {
    for (const problem of parseRetention(v).problems)
      ctx.addIssue({ code: "custom", message: problem.replace(/^(\[\d+\])?:? ?/, "") });
  });

/** A public key line as in known_hosts or `ssh-keyscan` output, without the host name. */
export const sshPublicKey = text(
  'expected the server\'s public key as ssh-keyscan prints it without the host, such as "ssh-ed25519 AAAAC3Nza…"',
  (v) =>
    v === "" ||
    /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/.test(
      v.trim(),
    ),
);
