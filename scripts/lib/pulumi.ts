import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { z } from "zod";
import { EXIT, OperatorError } from "./errors";
import { PASSPHRASE_FILE, requireDeployed, upCommand } from "./project";

/**
 * The one place scripts/ starts the Pulumi CLI, directly or through the Automation API (which
 * runs the same CLI). Every call runs in the project folder (Pulumi.yaml's `file://./.pulumi-state`
 * resolves against the cwd) with the project's passphrase file, unless the caller already set
 * PULUMI_CONFIG_PASSPHRASE, which Pulumi prefers
 * (https://www.pulumi.com/docs/iac/concepts/secrets/#passphrase).
 */

export const PULUMI_INSTALL_HINT =
  "Install it (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh` or `brew install pulumi`), then run this again.";

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: NodeJS.ErrnoException;
}

/** Runs a program to completion; injected so tests can stand in for the Pulumi and Docker CLIs. */
export type Exec = (
  cmd: string,
  args: readonly string[],
  opts?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
) => ExecResult;

export const exec: Exec = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return {
    status: r.status,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    error: r.error as NodeJS.ErrnoException | undefined,
  };
};

/** The first line of a CLI's stderr worth showing: its `error:` line if it printed one. */
import { firstErrorLine } from "./operatorError";

export { firstErrorLine };

/** Env for every Pulumi call of ours: the project's passphrase file unless the caller chose one. */
export function pulumiEnv(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const passphraseFile = join(projectDir, PASSPHRASE_FILE);
  const chosen =
    env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  const passphrase =
    !chosen && existsSync(passphraseFile) ? { PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile } : {};
  return { ...env, ...passphrase, PULUMI_SKIP_UPDATE_CHECK: "true" };
}

/** `pulumi version` without the leading `v`, or undefined when the CLI is not installed. */
export function pulumiVersion(
  run: Exec = exec,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const r = run("pulumi", ["version"], { env, timeoutMs: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim().replace(/^v/, "");
}

export function requirePulumiCli(run: Exec = exec, env: NodeJS.ProcessEnv = process.env): string {
  const version = pulumiVersion(run, env);
  if (version === undefined)
    throw new OperatorError(`Pulumi CLI not found. ${PULUMI_INSTALL_HINT}`);
  return version;
}

/** The passphrase that decrypts an existing stack must be there; a new one never replaces it. */
export function requirePassphrase(projectDir: string, env: NodeJS.ProcessEnv = process.env): void {
  if (
    env.PULUMI_CONFIG_PASSPHRASE !== undefined ||
    env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined ||
    existsSync(join(projectDir, PASSPHRASE_FILE))
  )
    return;
  throw new OperatorError(
    `${join(projectDir, PASSPHRASE_FILE)} not found: it decrypts the stack's secrets; restore it from your backup or set PULUMI_CONFIG_PASSPHRASE`,
  );
}

/** The CLI commands rotate needs, with the terminal attached where the user watches. */
export interface PulumiCli {
  /** `pulumi config set -s <stack> <key> <value>` (plaintext). */
  setConfig(stack: string, key: string, value: string): void;
  /** `pulumi up -s <stack>`, output streamed to the terminal; false when it failed. */
  up(stack: string, opts: { yes: boolean }): boolean;
  /** One stack output as text; secret outputs only with showSecrets. */
  output(stack: string, name: string, opts: { showSecrets: boolean }): string;
}

export function pulumiCli(projectDir: string): PulumiCli {
  const run = (args: string[], capture: boolean) => {
    const r = spawnSync("pulumi", args, {
      cwd: projectDir,
      env: pulumiEnv(projectDir),
      encoding: "utf8",
      stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit",
    });
    if (r.error) {
      if ((r.error as NodeJS.ErrnoException).code === "ENOENT")
        throw new OperatorError(`Pulumi CLI not found. ${PULUMI_INSTALL_HINT}`);
      throw new OperatorError(`could not run pulumi: ${r.error.message}`, EXIT.failed);
    }
    return r;
  };
  return {
    setConfig(stack, key, value) {
      const r = run(["config", "set", "--non-interactive", "-s", stack, key, value], false);
      if (r.status !== 0)
        throw new OperatorError(
          `pulumi config set ${key} failed (exit ${r.status}). Counters set before it stay bumped and apply at the next pulumi up.`,
          EXIT.failed,
        );
    },
    up(stack, { yes }) {
      return run(["up", "-s", stack, ...(yes ? ["--yes"] : [])], false).status === 0;
    },
    output(stack, name, { showSecrets }) {
      const r = run(
        ["stack", "output", "-s", stack, name, ...(showSecrets ? ["--show-secrets"] : [])],
        true,
      );
      if (r.status !== 0)
        throw new OperatorError(
          `pulumi stack output ${name} failed (exit ${r.status}).`,
          EXIT.failed,
        );
      return r.stdout.trim();
    },
  };
}

/**
 * A stack through the Automation API, for up and down. `create` makes a missing stack (first
 * `up`); without it a missing stack is an error. The SDK loads only here: other scripts stay fast.
 */
export async function automationStack(
  projectDir: string,
  stack: string,
  opts: { create: boolean },
): Promise<Stack> {
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  // Only our own variables: the Automation API adds them to the inherited environment.
  const envVars = pulumiEnv(projectDir, {}) as Record<string, string>;
  process.chdir(projectDir);
  const args = { stackName: stack, workDir: projectDir };
  return opts.create
    ? LocalWorkspace.createOrSelectStack(args, { envVars })
    : LocalWorkspace.selectStack(args, { envVars });
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

const optionalText = z.string().optional();

/**
 * The outputs index.ts exports that the scripts read; the AI and cache ones exist when enabled,
 * the container names on the Docker targets only (a kubernetes stack has pods).
 */
export const stackOutputsSchema = z.object({
  target: z.enum(["local", "vps", "kubernetes"]),
  apiUrl: z.string(),
  studioUrl: z.string(),
  anonKey: z.string(),
  serviceRoleKey: z.string(),
  jwtSecret: optionalText,
  postgresPassword: optionalText,
  dashboardUsername: optionalText,
  dashboardPassword: optionalText,
  mailpitUrl: optionalText,
  dbContainer: optionalText,
  minioContainer: optionalText,
  storageBucket: optionalText,
  // Older stacks predate these: npm run env then writes no S3 lines.
  storageS3Endpoint: optionalText,
  storageS3Region: optionalText,
  storageS3AccessKeyId: optionalText,
  storageS3SecretAccessKey: optionalText,
  qdrantUrl: optionalText,
  qdrantApiKey: optionalText,
  ollamaUrl: optionalText,
  openWebuiUrl: optionalText,
  openWebuiAdminEmail: optionalText,
  openWebuiAdminPassword: optionalText,
  openWebuiContainer: optionalText,
  redisUrl: optionalText,
  prometheusUrl: optionalText,
});
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Checks `pulumi stack output --json` text against the outputs the scripts need. */
export function parseStackOutputs(stack: string, json: string): StackOutputs {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new OperatorError(
      `pulumi stack output -s ${stack} did not print JSON; run it yourself to see why`,
      EXIT.failed,
    );
  }
  if (value === null || typeof value !== "object" || Object.keys(value).length === 0)
    throw new OperatorError(
      `stack "${stack}" has no outputs: it was never deployed; deploy it with ${upCommand(stack)}`,
    );
  const parsed = stackOutputsSchema.safeParse(value);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].sort();
    throw new OperatorError(
      `stack "${stack}" lacks the output${keys.length === 1 ? "" : "s"} ${keys.join(", ")}; update it with ${upCommand(stack)}`,
    );
  }
  return parsed.data;
}

export interface StackAccess {
  readonly projectDir: string;
  readonly run?: Exec;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Every output of a deployed stack, secrets in clear: only for scripts that hand them to the
 * user's own app or tools, never to a log. Checks, in order, so each failure is one line: the
 * stack exists, it was deployed, the CLI is installed, the passphrase is there.
 */
export function readStackOutputs(stack: string, access: StackAccess): StackOutputs {
  const { projectDir, run = exec, env = process.env } = access;
  requireDeployed(projectDir, stack, { env });
  requirePulumiCli(run, env);
  requirePassphrase(projectDir, env);
  const r = run(
    "pulumi",
    ["stack", "output", "--json", "--show-secrets", "--non-interactive", "-s", stack],
    { cwd: projectDir, env: pulumiEnv(projectDir, env) },
  );
  if (r.error || r.status !== 0) {
    const line = firstErrorLine(r.stderr);
    if (/no stack named|could not find stack/i.test(line))
      throw new OperatorError(
        `stack "${stack}" was never deployed; deploy it with ${upCommand(stack)}`,
      );
    if (/passphrase/i.test(line))
      throw new OperatorError(
        `cannot decrypt the secrets of stack "${stack}" (${line}); ${PASSPHRASE_FILE} must hold the passphrase the stack was created with`,
      );
    throw new OperatorError(`pulumi stack output -s ${stack} failed: ${line}`, EXIT.failed);
  }
  return parseStackOutputs(stack, r.stdout);
}
