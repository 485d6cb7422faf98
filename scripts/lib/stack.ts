import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { pulumiEnv } from "./pulumi-cli";
import { deployedResourceCount, fileBackendDir, knownStacks } from "./stack-state";
import { PASSPHRASE_FILE } from "./workspace";

/**
 * What the operator scripts (doctor, env, verify, backup, restore) know about a stack: is it a
 * stack at all, was it deployed, and what did it output. The Pulumi CLI is the only reader of
 * the state, because outputs are encrypted with the stack's passphrase.
 */

/** A bad input or missing prerequisite: the message is one line, printed as `<tool>: <message>`. */
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperatorError";
  }
}

export const PULUMI_INSTALL_HINT =
  "Install it (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh` or `brew install pulumi`), then run this again.";

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: NodeJS.ErrnoException;
}

/** Runs a program to completion; injected so tests can stand in for the Pulumi and Docker CLIs. */
export type Exec = (cmd: string, args: readonly string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) => ExecResult;

export const exec: Exec = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, [...args], { cwd: opts.cwd, env: opts.env, encoding: "utf8", maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error as NodeJS.ErrnoException | undefined };
};

/** The first line of a CLI's stderr worth showing: its `error:` line if it printed one. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return (lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? "no error output").replace(/^error:\s*/i, "");
}

const upCommand = (stack: string) => (stack === "local" || stack === "vps" ? `npm run up:${stack}` : `npx tsx scripts/up.ts -s ${stack}`);

/** Refuses a stack without a `Pulumi.<stack>.yaml`, naming the ones that exist. */
export function requireKnownStack(projectDir: string, stack: string): void {
  if (/^[A-Za-z0-9_.-]+$/.test(stack) && existsSync(join(projectDir, `Pulumi.${stack}.yaml`))) return;
  const known = knownStacks(projectDir);
  throw new OperatorError(`unknown stack "${stack}"; known stacks: ${known.length > 0 ? known.join(", ") : "none"} (each has a Pulumi.<stack>.yaml)`);
}

/** `pulumi version` without the leading `v`, or undefined when the CLI is not installed. */
export function pulumiVersion(run: Exec = exec): string | undefined {
  const r = run("pulumi", ["version"], { timeoutMs: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim().replace(/^v/, "");
}

const optionalText = z.string().optional();

/** The outputs index.ts exports that the scripts read; the AI and cache ones exist when enabled. */
export const stackOutputsSchema = z.object({
  target: z.enum(["local", "vps"]),
  apiUrl: z.string(),
  studioUrl: z.string(),
  anonKey: z.string(),
  serviceRoleKey: z.string(),
  jwtSecret: optionalText,
  postgresPassword: optionalText,
  dashboardUsername: optionalText,
  dashboardPassword: optionalText,
  mailpitUrl: optionalText,
  dbContainer: z.string(),
  minioContainer: optionalText,
  storageBucket: optionalText,
  qdrantUrl: optionalText,
  qdrantApiKey: optionalText,
  ollamaUrl: optionalText,
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
    throw new OperatorError(`pulumi stack output -s ${stack} did not print JSON; run it yourself to see why`);
  }
  if (value === null || typeof value !== "object" || Object.keys(value).length === 0)
    throw new OperatorError(`stack "${stack}" has no outputs: it was never deployed; deploy it with ${upCommand(stack)}`);
  const parsed = stackOutputsSchema.safeParse(value);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].sort();
    throw new OperatorError(`stack "${stack}" lacks the output${keys.length === 1 ? "" : "s"} ${keys.join(", ")}; update it with ${upCommand(stack)}`);
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
  requireKnownStack(projectDir, stack);
  const backendDir = fileBackendDir(projectDir, env);
  if (backendDir !== undefined && !(deployedResourceCount(backendDir, stack) ?? 0))
    throw new OperatorError(`stack "${stack}" was never deployed (no resources in ${backendDir}); deploy it with ${upCommand(stack)}`);
  if (pulumiVersion(run) === undefined) throw new OperatorError(`Pulumi CLI not found. ${PULUMI_INSTALL_HINT}`);
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined && !existsSync(join(projectDir, PASSPHRASE_FILE)))
    throw new OperatorError(`${join(projectDir, PASSPHRASE_FILE)} not found: it decrypts the stack's secrets; restore it from your backup or set PULUMI_CONFIG_PASSPHRASE`);

  const r = run("pulumi", ["stack", "output", "--json", "--show-secrets", "--non-interactive", "-s", stack], { cwd: projectDir, env: pulumiEnv(projectDir, env) });
  if (r.error || r.status !== 0) {
    const line = firstErrorLine(r.stderr);
    if (/no stack named|could not find stack/i.test(line)) throw new OperatorError(`stack "${stack}" was never deployed; deploy it with ${upCommand(stack)}`);
    if (/passphrase/i.test(line)) throw new OperatorError(`cannot decrypt the secrets of stack "${stack}" (${line}); ${PASSPHRASE_FILE} must hold the passphrase the stack was created with`);
    throw new OperatorError(`pulumi stack output -s ${stack} failed: ${line}`);
  }
  return parseStackOutputs(stack, r.stdout);
}

/** `INIT_CWD` is where the user typed `npm run …`; npm itself runs scripts in the project folder. */
export const userCwd = (env: NodeJS.ProcessEnv = process.env): string => env.INIT_CWD ?? process.cwd();
