import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { SECRET_KEYS } from "../../config/schema";
import { PROJECT, Settings, parseSettings } from "../../config/settings";
import { OperatorError } from "./errors";

/**
 * What the scripts know about the project folder without the Pulumi CLI: Pulumi.yaml and the
 * stack files (the only place scripts/ reads them), which stacks exist, whether one was deployed,
 * the command that deploys it, and the first-run setup of state folder and passphrase.
 */

/** The project folder: where Pulumi.yaml lives, whatever the caller's cwd. */
export const PROJECT_DIR = resolve(__dirname, "..", "..");
/** Matches `backend.url: file://./.pulumi-state` in Pulumi.yaml (resolved against the cwd). */
export const STATE_DIR = ".pulumi-state";
export const PASSPHRASE_FILE = ".pulumi-passphrase";

/** `INIT_CWD` is where the user typed `npm run …`; npm itself runs scripts in the project folder. */
export const userCwd = (env: NodeJS.ProcessEnv = process.env): string =>
  env.INIT_CWD ?? process.cwd();

interface ProjectFile {
  readonly name?: string;
  readonly backend?: { readonly url?: string };
  readonly config?: Record<string, unknown> | null;
}

const projectFiles = new Map<string, ProjectFile>();

/** Pulumi.yaml of a project folder, read once. */
export function readProject(projectDir: string): ProjectFile {
  const dir = resolve(projectDir);
  let doc = projectFiles.get(dir);
  if (doc === undefined) {
    const file = join(dir, "Pulumi.yaml");
    if (!existsSync(file))
      throw new OperatorError(`${dir} is not a Pulumi project (no Pulumi.yaml)`);
    doc = (parse(readFileSync(file, "utf8")) ?? {}) as ProjectFile;
    projectFiles.set(dir, doc);
  }
  return doc;
}

/** Stacks that have a `Pulumi.<stack>.yaml` in the project folder. */
export function knownStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Refuses a stack without a `Pulumi.<stack>.yaml`, naming the ones that exist. */
export function requireKnownStack(projectDir: string, stack: string): void {
  if (/^[A-Za-z0-9_.-]+$/.test(stack) && existsSync(join(projectDir, `Pulumi.${stack}.yaml`)))
    return;
  const known = knownStacks(projectDir);
  throw new OperatorError(
    `unknown stack "${stack}"; known stacks: ${known.length > 0 ? known.join(", ") : "none"} (each has a Pulumi.<stack>.yaml)`,
  );
}

/** The `config:` map of `Pulumi.<stack>.yaml`. */
export function readStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  requireKnownStack(projectDir, stack);
  const doc = (parse(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as {
    config?: Record<string, unknown> | null;
  };
  return doc.config ?? {};
}

/** `apiPort` → `ownstack:apiPort`; keys that already name a namespace (`docker:host`) stay. */
const qualify = (key: string, project: string) => (key.includes(":") ? key : `${project}:${key}`);

/** Config values reach the program as strings; arrays, numbers and booleans as their JSON text. */
function asConfigText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // Encrypted values ({secure: …}) need the passphrase; see encryptedSecret.
  if (typeof value === "object" && !Array.isArray(value) && "secure" in value) return undefined;
  return JSON.stringify(value);
}

/**
 * Merges Pulumi.yaml's typed defaults (`config: {apiPort: {type, default}}`) with a stack file's
 * `config:` map into the raw `{"ownstack:apiPort": "8000"}` record `parseSettings` expects.
 */
export function rawConfigFromFiles(
  stackConfig: Readonly<Record<string, unknown>>,
  projectConfig: Readonly<Record<string, unknown>> = {},
  project: string = PROJECT,
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, decl] of Object.entries(projectConfig)) {
    const isTyped =
      decl !== null &&
      typeof decl === "object" &&
      !Array.isArray(decl) &&
      ("default" in decl || "type" in decl);
    const text = asConfigText(isTyped ? (decl as { default?: unknown }).default : decl);
    if (text !== undefined) raw[qualify(key, project)] = text;
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const text = asConfigText(value) ?? encryptedSecret(qualify(key, project), value, project);
    if (text !== undefined) raw[qualify(key, project)] = text;
  }
  return raw;
}

/**
 * A secret key's `{secure: <ciphertext>}` passes as its ciphertext: settings only check that it is
 * set (smtpPass with smtpUser), and the ciphertext reveals nothing.
 */
function encryptedSecret(fullKey: string, value: unknown, project: string): string | undefined {
  if (!(SECRET_KEYS as readonly string[]).some((k) => fullKey === `${project}:${k}`))
    return undefined;
  const secure =
    value !== null && typeof value === "object" && "secure" in value
      ? (value as { secure: unknown }).secure
      : undefined;
  return typeof secure === "string" && secure !== "" ? secure : undefined;
}

/** The config `pulumi up` hands the program: Pulumi.yaml defaults, then the stack file's values. */
export const stackRawConfig = (projectDir: string, stack: string): Record<string, string> =>
  rawConfigFromFiles(
    readStackConfig(projectDir, stack),
    readProject(projectDir).config ?? {},
    readProject(projectDir).name ?? PROJECT,
  );

/**
 * The stack's Settings without the Pulumi CLI: the same `parseSettings` the program runs. Doctor
 * needs it on machines where nothing is installed yet. Bad config throws every problem at once.
 */
export const loadStackSettings = (projectDir: string, stack: string): Settings =>
  parseSettings(stackRawConfig(projectDir, stack), stack, projectDir);

/**
 * `npm run up:<stack>` where package.json has that script, else the generic `npm run up -- -s
 * <stack>`: right for any stack file a user adds.
 */
export function upCommand(stack: string): string {
  const scripts =
    (
      JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as {
        scripts?: Record<string, string>;
      }
    ).scripts ?? {};
  return scripts[`up:${stack}`] !== undefined ? `npm run up:${stack}` : `npm run up -- -s ${stack}`;
}

/**
 * Folder of a `file://` backend: PULUMI_BACKEND_URL wins over Pulumi.yaml's `backend.url`
 * (https://www.pulumi.com/docs/iac/concepts/state-and-backends/); relative paths resolve against
 * the project folder, where our scripts run the CLI. Undefined for cloud or bucket backends.
 */
export function fileBackendDir(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const url = env.PULUMI_BACKEND_URL ?? readProject(projectDir).backend?.url;
  if (url === undefined || !url.startsWith("file://")) return undefined;
  const path = url.slice("file://".length).replace(/\?.*$/, "");
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

interface Checkpoint {
  checkpoint?: { latest?: { resources?: { type?: string }[] } | null };
}

/** Resources of the last deployment, not counting the stack itself and its providers. */
export function deployedResourceCount(
  backendDir: string,
  stack: string,
  project: string = PROJECT,
): number | undefined {
  // Project-scoped layout first (DIY backends since v3.61), then the legacy flat one; maybe gzipped.
  const stacks = join(backendDir, ".pulumi", "stacks");
  const files = [
    join(stacks, project, `${stack}.json`),
    join(stacks, project, `${stack}.json.gz`),
    join(stacks, `${stack}.json`),
    join(stacks, `${stack}.json.gz`),
  ];
  const file = files.find((f) => existsSync(f));
  if (file === undefined) return undefined;
  const raw = readFileSync(file);
  const doc = JSON.parse(
    (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"),
  ) as Checkpoint;
  const resources = doc.checkpoint?.latest?.resources ?? [];
  return resources.filter(
    (r) => r.type !== "pulumi:pulumi:Stack" && !(r.type ?? "").startsWith("pulumi:providers:"),
  ).length;
}

/**
 * Refuses a stack that was never deployed, with the command that deploys it; `why` says what
 * the script would have done. Returns a note when the state is not in a local folder and the
 * check is left to the Pulumi CLI.
 */
export function requireDeployed(
  projectDir: string,
  stack: string,
  opts: { why?: string; env?: NodeJS.ProcessEnv } = {},
): string | undefined {
  const { why = "", env = process.env } = opts;
  requireKnownStack(projectDir, stack);
  const backendDir = fileBackendDir(projectDir, env);
  if (backendDir === undefined)
    return "state is not in a local folder; the Pulumi CLI checks the stack instead.";
  if (!(deployedResourceCount(backendDir, stack, readProject(projectDir).name ?? PROJECT) ?? 0))
    throw new OperatorError(
      `stack "${stack}" was never deployed (no resources in ${backendDir})${why ? `, ${why}` : ""}; deploy it with ${upCommand(stack)}`,
    );
  return undefined;
}

export interface Workspace {
  readonly dir: string;
  readonly stateDir: string;
  readonly passphraseFile: string;
  /** What this call created, for the first-run message. */
  readonly created: readonly string[];
}

/**
 * First-run setup, safe to repeat: a file state backend inside the project and a generated
 * passphrase file (mode 0600, git-ignored). An existing passphrase is never replaced: it decrypts
 * every secret in the state. Only `up` calls this; no other script writes to the project.
 */
export function prepareWorkspace(dir: string = PROJECT_DIR): Workspace {
  const created: string[] = [];
  const stateDir = join(dir, STATE_DIR);
  const passphraseFile = join(dir, PASSPHRASE_FILE);
  if (!existsSync(passphraseFile) && hasStacks(stateDir)) {
    // A new passphrase could not decrypt the existing stacks' secrets.
    throw new OperatorError(
      `${PASSPHRASE_FILE} is missing but ${STATE_DIR}/ holds stacks; restore it from your backup (or set PULUMI_CONFIG_PASSPHRASE)`,
    );
  }
  if (!existsSync(stateDir)) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    created.push(`${STATE_DIR}/ (Pulumi state backend)`);
  }
  if (!existsSync(passphraseFile)) {
    writeFileSync(passphraseFile, `${randomBytes(32).toString("base64url")}\n`, {
      mode: 0o600,
      flag: "wx",
    });
    created.push(`${PASSPHRASE_FILE} (mode 0600; back it up: it decrypts your stack's secrets)`);
  } else if ((statSync(passphraseFile).mode & 0o077) !== 0) {
    chmodSync(passphraseFile, 0o600);
    created.push(`${PASSPHRASE_FILE} permissions tightened to 0600`);
  }
  ensureIgnored(dir, [`/${STATE_DIR}/`, `/${PASSPHRASE_FILE}`]);
  return { dir, stateDir, passphraseFile, created };
}

function hasStacks(stateDir: string): boolean {
  const stacks = join(stateDir, ".pulumi", "stacks");
  return (
    existsSync(stacks) &&
    readdirSync(stacks, { recursive: true }).some(
      (f) => String(f).endsWith(".json") || String(f).endsWith(".json.gz"),
    )
  );
}

function ensureIgnored(dir: string, entries: string[]): void {
  const file = join(dir, ".gitignore");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const missing = entries.filter((e) => !current.split("\n").includes(e));
  if (missing.length > 0)
    writeFileSync(
      file,
      `${current}${current.endsWith("\n") || current === "" ? "" : "\n"}${missing.join("\n")}\n`,
    );
}
