import { ChildProcess, StdioOptions, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The checkout: scripts run from here, against a temp project folder given with `--cwd`. */
export const ROOT = resolve(__dirname, "../..");

/**
 * A copy of the project's Pulumi files in a temp folder, with a passphrase file; `deployed` writes
 * a file-backend checkpoint of the local stack (`"empty"`: only the stack and its provider).
 */
export function tempProject(
  opts: { deployed?: boolean | "empty"; localYaml?: string; passphrase?: boolean } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), "ownstack-project-"));
  for (const f of ["Pulumi.yaml", "Pulumi.local.yaml", "Pulumi.vps.yaml"])
    copyFileSync(join(ROOT, f), join(dir, f));
  if (opts.localYaml !== undefined) writeFileSync(join(dir, "Pulumi.local.yaml"), opts.localYaml);
  if (opts.passphrase ?? true)
    writeFileSync(join(dir, ".pulumi-passphrase"), "test-passphrase\n", { mode: 0o600 });
  if (opts.deployed) {
    const stacks = join(dir, ".pulumi-state", ".pulumi", "stacks", "ownstack");
    mkdirSync(stacks, { recursive: true });
    const resources = [{ type: "pulumi:pulumi:Stack" }, { type: "pulumi:providers:docker" }];
    if (opts.deployed === true) resources.push({ type: "docker:index/container:Container" });
    writeFileSync(
      join(stacks, "local.json"),
      JSON.stringify({
        version: 3,
        checkpoint: { stack: "organization/ownstack/local", latest: { resources } },
      }),
    );
  }
  return dir;
}

/** Every file under dir with its content, to prove that a refused command changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/**
 * A stand-in for a CLI that cannot run here (pulumi, docker): `script` saved as `<bin>/<name>`,
 * executable, in a fresh folder of its own; `log` is a file in that folder for it to record calls.
 */
export function fakeCommand(
  name: string,
  script: (log: string) => string,
): { bin: string; log: string } {
  const bin = mkdtempSync(join(tmpdir(), `ownstack-fake-${name}-`));
  const log = join(bin, "calls.log");
  writeFileSync(join(bin, name), script(log));
  chmodSync(join(bin, name), 0o755);
  return { bin, log };
}

/**
 * A stand-in `pulumi` (the real CLI cannot be installed here): it records each call with the
 * passphrase env it got, prints a fixed value for `stack output`, and fails `up` on request.
 */
export const fakePulumi = (opts: { failUp?: boolean } = {}): { bin: string; log: string } =>
  fakeCommand(
    "pulumi",
    (log) => `#!/bin/sh
echo "$* | passphrase_file=\${PULUMI_CONFIG_PASSPHRASE_FILE:-} | cwd=$(pwd)" >> "${log}"
case "$1 $2" in
  "version ") echo "v3.200.0" ;;
  "stack output") echo "value-of-$5" ;;
  "up -s") ${opts.failUp ? "exit 255" : "exit 0"} ;;
esac
`,
  );

/** PATH without any folder that holds a `pulumi`: a machine where the CLI is not installed. */
export const pathWithoutPulumi = (path = process.env.PATH ?? ""): string =>
  path
    .split(":")
    .filter((d) => d !== "" && !statSafe(join(d, "pulumi")))
    .join(":");

const statSafe = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Starts `scripts/<name>.ts` as npm would (tsx), for a test that signals it while it runs. */
export function spawnScript(
  name: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdio: StdioOptions; detached?: boolean },
): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts", `${name}.ts`), ...args],
    {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? process.env,
      stdio: opts.stdio,
      detached: opts.detached,
    },
  );
}

/** What a finished script run printed, and how it ended. */
export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `scripts/<name>.ts` as npm would (tsx), with only the given environment (default: this
 * process's). Asynchronous on purpose: a synchronous spawn blocks the test worker's event loop, and
 * vitest's worker RPC times out ("Timeout calling onTaskUpdate") when several block in a row on a
 * slow machine (vitest-dev/vitest#8164).
 */
export function runScript(
  name: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ScriptRun> {
  const child = spawnScript(name, args, {
    ...opts,
    stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
