import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The project folder: where Pulumi.yaml lives, whatever the caller's cwd. */
export const PROJECT_DIR = resolve(__dirname, "..", "..");
/** Matches `backend.url: file://./.pulumi-state` in Pulumi.yaml (resolved against the cwd). */
export const STATE_DIR = ".pulumi-state";
export const PASSPHRASE_FILE = ".pulumi-passphrase";

export interface Workspace {
  readonly dir: string;
  readonly stateDir: string;
  readonly passphraseFile: string;
  /** Env that every Pulumi CLI / Automation API call of ours runs with. */
  readonly env: Record<string, string>;
  /** What this call created, for the first-run message. */
  readonly created: readonly string[];
}

/**
 * First-run setup, safe to repeat: a file state backend inside the project and a generated
 * passphrase file (mode 0600, git-ignored). An existing passphrase is never replaced: it decrypts
 * every secret in the state.
 */
export function prepareWorkspace(dir: string = PROJECT_DIR): Workspace {
  const created: string[] = [];
  const stateDir = join(dir, STATE_DIR);
  if (!existsSync(stateDir)) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    created.push(`${STATE_DIR}/ (Pulumi state backend)`);
  }
  const passphraseFile = join(dir, PASSPHRASE_FILE);
  if (!existsSync(passphraseFile) && hasStacks(stateDir)) {
    // A new passphrase could not decrypt the existing stacks' secrets.
    throw new Error(`${PASSPHRASE_FILE} is missing but ${STATE_DIR}/ holds stacks; restore it from your backup (or set PULUMI_CONFIG_PASSPHRASE)`);
  }
  if (!existsSync(passphraseFile)) {
    writeFileSync(passphraseFile, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    created.push(`${PASSPHRASE_FILE} (mode 0600; back it up: it decrypts your stack's secrets)`);
  } else if ((statSync(passphraseFile).mode & 0o077) !== 0) {
    chmodSync(passphraseFile, 0o600);
    created.push(`${PASSPHRASE_FILE} permissions tightened to 0600`);
  }
  ensureIgnored(dir, [`/${STATE_DIR}/`, `/${PASSPHRASE_FILE}`]);
  // Only our own variables: the Automation API adds them to the inherited environment.
  return { dir, stateDir, passphraseFile, env: pulumiEnv(dir, {}) as Record<string, string>, created };
}

/**
 * Env for every Pulumi CLI call of ours: the project's passphrase file, unless the caller already
 * set PULUMI_CONFIG_PASSPHRASE, which Pulumi prefers (pulumi.md §1).
 */
export function pulumiEnv(projectDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passphraseFile = join(projectDir, PASSPHRASE_FILE);
  const passphrase = env.PULUMI_CONFIG_PASSPHRASE === undefined && existsSync(passphraseFile) ? { PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile } : {};
  return { ...env, ...passphrase, PULUMI_SKIP_UPDATE_CHECK: "true" };
}

function hasStacks(stateDir: string): boolean {
  const stacks = join(stateDir, ".pulumi", "stacks");
  return existsSync(stacks) && readdirSync(stacks, { recursive: true }).some((f) => String(f).endsWith(".json"));
}

function ensureIgnored(dir: string, entries: string[]): void {
  const file = join(dir, ".gitignore");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const missing = entries.filter((e) => !current.split("\n").includes(e));
  if (missing.length > 0) writeFileSync(file, `${current}${current.endsWith("\n") || current === "" ? "" : "\n"}${missing.join("\n")}\n`);
}

/**
 * One line for a failed Pulumi operation. The Automation API's CommandError message repeats the
 * whole streamed output (`code: N\n stdout: …\n stderr: …`); the first `error:` line is the cause.
 */
export function failureLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const code = /^code: (-?\d+)/.exec(text)?.[1];
  if (code === undefined) return text.split("\n")[0];
  const cause = text
    .split("\n")
    .map((l) => /(?:^|\s)error: (.+)$/.exec(l.trim())?.[1])
    .find((c) => c !== undefined);
  return `pulumi exited with code ${code}${cause ? `: ${cause}` : ""}; see the output above`;
}
