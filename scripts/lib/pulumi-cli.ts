import { spawnSync } from "node:child_process";
import { pulumiEnv } from "./workspace";

/**
 * The one place our scripts call the Pulumi CLI. It runs in the project folder (Pulumi.yaml's
 * `file://./.pulumi-state` resolves against the cwd) with the project's passphrase file, unless
 * the caller already set PULUMI_CONFIG_PASSPHRASE, which Pulumi prefers (pulumi.md §1).
 */
export interface PulumiCli {
  /** `pulumi config set -s <stack> <key> <value>` (plaintext). */
  setConfig(stack: string, key: string, value: string): void;
  /** `pulumi up -s <stack>`, output streamed to the terminal; false when it failed. */
  up(stack: string, opts: { yes: boolean }): boolean;
  /** One stack output as text; secret outputs only with showSecrets. */
  output(stack: string, name: string, opts: { showSecrets: boolean }): string;
}

export class PulumiCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PulumiCliError";
  }
}

export { pulumiEnv };

export function pulumiCli(projectDir: string): PulumiCli {
  const run = (args: string[], capture: boolean) => {
    const r = spawnSync("pulumi", args, {
      cwd: projectDir,
      env: pulumiEnv(projectDir),
      encoding: "utf8",
      stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit",
    });
    if (r.error) {
      throw new PulumiCliError(
        (r.error as NodeJS.ErrnoException).code === "ENOENT"
          ? "Pulumi CLI not found. Install it (https://www.pulumi.com/docs/install/), then run this again."
          : `could not run pulumi: ${r.error.message}`,
      );
    }
    return r;
  };
  return {
    setConfig(stack, key, value) {
      const r = run(["config", "set", "--non-interactive", "-s", stack, key, value], false);
      if (r.status !== 0) throw new PulumiCliError(`pulumi config set ${key} failed (exit ${r.status}). Counters set before it stay bumped and apply at the next pulumi up.`);
    },
    up(stack, { yes }) {
      return run(["up", "-s", stack, ...(yes ? ["--yes"] : [])], false).status === 0;
    },
    output(stack, name, { showSecrets }) {
      const r = run(["stack", "output", "-s", stack, name, ...(showSecrets ? ["--show-secrets"] : [])], true);
      if (r.status !== 0) throw new PulumiCliError(`pulumi stack output ${name} failed (exit ${r.status}).`);
      return r.stdout.trim();
    },
  };
}
