import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../../config/schema";
import { Diagnostic, EngineStandIn, Registration } from "./engine";

/**
 * Starts the program the way `pulumi up` / `pulumi preview` do: the Node language host
 * (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, `constructArguments` and
 * `execRuntime`) runs `node ./node_modules/@pulumi/pulumi/cmd/run` with the monitor and engine
 * addresses as flags, the stack config as JSON in PULUMI_CONFIG (keys `<ns>:config:<name>`),
 * the secret keys in PULUMI_CONFIG_SECRET_KEYS, and PULUMI_NODEJS_TYPESCRIPT for `typescript: true`.
 */

const REPO = path.resolve(__dirname, "../..");

export interface RunOptions {
  readonly stack: string;
  /** Stack config as `pulumi config set` stores it (`ownstack:key` → string). */
  readonly config?: Record<string, string>;
  readonly secretKeys?: string[];
  readonly preview?: boolean;
  readonly jobExitCodes?: Record<string, number>;
  /**
   * ts-node type-checks the program unless PULUMI_NODEJS_TRANSPILE_ONLY is set (cmd/run/run.ts), as
   * under `pulumi up`. One run in the suite does; the others skip it (`npm run typecheck` covers
   * types), which saves about ten seconds each.
   */
  readonly typecheck?: boolean;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly diagnostics: Diagnostic[];
  readonly registrations: Registration[];
  readonly stackOutputs: Record<string, unknown> | undefined;
  readonly invokes: string[];
  /** What the CLI shows of the program: its diagnostics and output, as one text. */
  readonly transcript: string;
}

/** A Node that @pulumi/pulumi supports (>= 22): this one, else npm's `node` package. */
export function node22(): string {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  return path.join(
    path.dirname(require.resolve("node/package.json", { paths: [REPO] })),
    "bin",
    "node",
  );
}

/** Pulumi.yaml defaults: the CLI sends them with the stack's own config. */
function projectDefaults(): Record<string, string> {
  const project = parse(readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  const out: Record<string, string> = {};
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl.default === undefined) continue;
    out[key.includes(":") ? key : `${PROJECT}:${key}`] =
      typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
  }
  return out;
}

/** `ns:key` → `ns:config:key`, as the language host's `constructConfig` passes it on. */
const languageHostKey = (key: string) => key.replace(/^([^:]+):/, "$1:config:");

export async function runProgram(options: RunOptions): Promise<RunResult> {
  const engine = new EngineStandIn({
    project: PROJECT,
    stack: options.stack,
    dryRun: options.preview === true,
    jobExitCodes: options.jobExitCodes,
  });
  const address = await engine.start();
  try {
    const config = { ...projectDefaults(), ...options.config };
    const args = [
      path.join(REPO, "node_modules/@pulumi/pulumi/cmd/run"),
      "--monitor",
      address,
      "--engine",
      address,
      "--organization",
      "organization",
      "--project",
      PROJECT,
      "--root-directory",
      REPO,
      "--stack",
      options.stack,
      "--pwd",
      REPO,
      ...(options.preview ? ["--dry-run"] : []),
      "--parallel",
      "16",
      ".",
    ];
    const child = spawn(node22(), args, {
      cwd: REPO,
      env: {
        ...process.env,
        PULUMI_CONFIG: JSON.stringify(
          Object.fromEntries(Object.entries(config).map(([k, v]) => [languageHostKey(k), v])),
        ),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(options.secretKeys ?? []),
        PULUMI_NODEJS_TYPESCRIPT: "true",
        ...(options.typecheck ? {} : { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }),
      },
      stdio: ["ignore", "pipe", "pipe"],
      // A program that never exits is a failure (exit code null), not an orphan left running.
      timeout: 300_000,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exitCode = await new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    const shown = engine.diagnostics.filter((d) => d.severity !== "debug");
    const transcript = [...shown.map((d) => `${d.severity}: ${d.message}`), stdout, stderr]
      .filter((t) => t.trim() !== "")
      .join("\n");
    return {
      exitCode,
      stdout,
      stderr,
      diagnostics: engine.diagnostics,
      registrations: engine.registrations,
      stackOutputs: engine.stackOutputs,
      invokes: engine.invokes,
      transcript,
    };
  } finally {
    await engine.stop();
  }
}

/**
 * The runner's exit code for "the error was already shown": the language host then ends the run
 * without a "Program exited with non-zero exit code" line of its own (pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go, nodeJSProcessExitedAfterShowingUserActionableMessage).
 */
export const EXIT_ALREADY_REPORTED = 32;

// Look-ups over a run, so that tests read as expectations.

export const customResources = (r: RunResult) => r.registrations.filter((x) => x.custom);

export const containers = (r: RunResult) =>
  r.registrations.filter((x) => x.type === "docker:index/container:Container");

/** A container's label as the engine received it (labels are `[{label, value}]`). */
export function label(container: Registration, name: string): unknown {
  const labels = container.inputs.labels;
  return Array.isArray(labels)
    ? (labels as { label: string; value: unknown }[]).find((l) => l.label === name)?.value
    : undefined;
}

/** Warnings and errors: what the CLI prints in its Diagnostics section. */
export const problems = (r: RunResult) =>
  r.diagnostics.filter((d) => d.severity === "warning" || d.severity === "error");
