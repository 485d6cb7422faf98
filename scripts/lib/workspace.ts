import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

function ensureIgnored(dir: string, entries: string[]): void {
  const file = join(dir, ".gitignore");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const missing = entries.filter((e) => !current.split("\n").includes(e));
  if (missing.length > 0) writeFileSync(file, `${current}${current.endsWith("\n") || current === "" ? "" : "\n"}${missing.join("\n")}\n`);
}
