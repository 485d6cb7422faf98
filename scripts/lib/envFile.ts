import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { OperatorError } from "./errors";
import { requireWritable } from "./files";
import type { StackOutputs } from "./pulumi";

/**
 * `npm run env`: the stack outputs an app needs, under the names each kind of app reads. Browser
 * bundles (Vite's `VITE_*`, Next's `NEXT_PUBLIC_*`) only ever get the URL and the anon key, which
 * is public by design; everything else keeps a server-only name.
 */

export const ENV_FORMATS = ["plain", "vite", "next", "python"] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  /** Shown as a placeholder when printed, unless the user asks for secrets. */
  readonly secret: boolean;
}

type Source =
  | "url"
  | "anon"
  | "service"
  | "qdrantUrl"
  | "qdrantKey"
  | "ollama"
  | "redis"
  | "s3Endpoint"
  | "s3Region"
  | "s3KeyId"
  | "s3Secret";

/** Storage's S3 protocol under the names the AWS SDKs' S3 examples for Supabase use; server-only. */
const S3_NAMES = {
  s3Endpoint: "SUPABASE_S3_ENDPOINT",
  s3Region: "SUPABASE_S3_REGION",
  s3KeyId: "SUPABASE_S3_ACCESS_KEY_ID",
  s3Secret: "SUPABASE_S3_SECRET_ACCESS_KEY",
} as const;
const NO_S3 = {
  s3Endpoint: undefined,
  s3Region: undefined,
  s3KeyId: undefined,
  s3Secret: undefined,
};

/** Names per format; `undefined` means the format gets no such variable. */
const NAMES: Record<EnvFormat, Record<Source, string | undefined>> = {
  plain: {
    url: "SUPABASE_URL",
    anon: "SUPABASE_ANON_KEY",
    service: "SUPABASE_SERVICE_ROLE_KEY",
    qdrantUrl: "QDRANT_URL",
    qdrantKey: "QDRANT_API_KEY",
    ollama: "OLLAMA_URL",
    redis: "REDIS_URL",
    ...S3_NAMES,
  },
  // Vite inlines every VITE_* into the browser bundle, and a Vite app has no server of its own.
  vite: {
    url: "VITE_SUPABASE_URL",
    anon: "VITE_SUPABASE_ANON_KEY",
    service: undefined,
    qdrantUrl: undefined,
    qdrantKey: undefined,
    ollama: undefined,
    redis: undefined,
    ...NO_S3,
  },
  next: {
    url: "NEXT_PUBLIC_SUPABASE_URL",
    anon: "NEXT_PUBLIC_SUPABASE_ANON_KEY",
    service: "SUPABASE_SERVICE_ROLE_KEY",
    qdrantUrl: "QDRANT_URL",
    qdrantKey: "QDRANT_API_KEY",
    ollama: "OLLAMA_URL",
    redis: "REDIS_URL",
    ...S3_NAMES,
  },
  // supabase-py's examples read SUPABASE_KEY; the ollama package reads OLLAMA_HOST.
  python: {
    url: "SUPABASE_URL",
    anon: "SUPABASE_KEY",
    service: "SUPABASE_SERVICE_ROLE_KEY",
    qdrantUrl: "QDRANT_URL",
    qdrantKey: "QDRANT_API_KEY",
    ollama: "OLLAMA_HOST",
    redis: "REDIS_URL",
    ...S3_NAMES,
  },
};

/** Every name any format writes: a switch of stack or format replaces all of them. */
export const MANAGED_NAMES: ReadonlySet<string> = new Set(
  Object.values(NAMES).flatMap((n) => Object.values(n).filter((v): v is string => v !== undefined)),
);

export function appEnv(
  outputs: StackOutputs,
  format: EnvFormat,
  opts: { service: boolean },
): EnvEntry[] {
  const values: [Source, string | undefined, boolean][] = [
    ["url", outputs.apiUrl, false],
    ["anon", outputs.anonKey, false],
    ["service", opts.service ? outputs.serviceRoleKey : undefined, true],
    ["qdrantUrl", outputs.qdrantUrl, false],
    ["qdrantKey", outputs.qdrantUrl ? outputs.qdrantApiKey : undefined, true],
    ["ollama", outputs.ollamaUrl, false],
    // redis://:<password>@host:port carries the password.
    ["redis", outputs.redisUrl, true],
    ["s3Endpoint", outputs.storageS3Endpoint, false],
    ["s3Region", outputs.storageS3Region, false],
    // The S3 keys open every bucket past row level security: only with --service, as the key above.
    ["s3KeyId", opts.service ? outputs.storageS3AccessKeyId : undefined, true],
    ["s3Secret", opts.service ? outputs.storageS3SecretAccessKey : undefined, true],
  ];
  return values.flatMap(([source, value, secret]) => {
    const name = NAMES[format][source];
    return name !== undefined && value !== undefined && value !== ""
      ? [{ name, value, secret }]
      : [];
  });
}

/** dotenv quoting: bare when safe, else double quotes with `\` and `"` escaped. */
const quote = (v: string) =>
  /^[A-Za-z0-9_./:@%+=,~-]*$/.test(v)
    ? v
    : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

const HEADER = "# ownstack:";

/**
 * The new `.env` text: the user's own lines stay; every name we manage (from any stack or
 * format) is dropped and our block appended, so switching local → vps leaves nothing stale.
 */
export function mergeEnvFile(
  existing: string | undefined,
  entries: readonly EnvEntry[],
  header: string,
): string {
  const kept = (existing ?? "").split("\n").filter((line) => {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    return !(name !== undefined && MANAGED_NAMES.has(name)) && !line.startsWith(HEADER);
  });
  while (kept.length > 0 && kept[kept.length - 1].trim() === "") kept.pop();
  const block = [`${HEADER} ${header}`, ...entries.map((e) => `${e.name}=${quote(e.value)}`)];
  return [...kept, ...(kept.length > 0 ? [""] : []), ...block, ""].join("\n");
}

/** Lines for the terminal; secret values become placeholders unless `showSecrets`. */
export function formatEnv(
  entries: readonly EnvEntry[],
  showSecrets: boolean,
  file: string,
): string[] {
  return entries.map(
    (e) => `${e.name}=${e.secret && !showSecrets ? `<secret: in ${file}>` : quote(e.value)}`,
  );
}

/** Refuses, before anything is read or written, a path we could not write. */
export const checkWritable = (path: string): void =>
  requireWritable(path, "file", { subject: path, outcome: "nothing was written" });

/** Writes through a 0600 temp file renamed into place: the keys are never readable by others. */
export function writeSecretFile(path: string, text: string): void {
  checkWritable(path);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new OperatorError(
      `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was written`,
    );
  }
}

export const readIfExists = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, "utf8") : undefined;
