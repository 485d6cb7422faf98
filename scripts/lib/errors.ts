import { Command, CommanderError } from "commander";
import { ConfigError } from "../../config/settings";

/**
 * How every operator script (up, down, doctor, env, verify, rotate, backup, restore,
 * preview-summary, bench) ends. Its `main` runs through `runMain`, which maps the outcome to one
 * exit code and prints a failure as `<tool>: <one line>`, never as a stack trace:
 *
 * - 0 `ok`: done; every check passed.
 * - 1 `failed`: the work or a check failed (a doctor blocker, a failed verify step, `pulumi up`
 *   exited non-zero, a stateful change under `--fail-on-stateful`), or an error we did not expect.
 * - 2 `refused`: bad input or a missing prerequisite (unknown stack, invalid config, no Pulumi CLI,
 *   unreadable file), found before anything was changed or written.
 *
 * `OWNSTACK_DEBUG=1` also prints the stack trace. Command-line usage errors are refusals too:
 * build the command with `operatorCommand`, and commander's own message is the one line.
 */
import { EXIT, ExitCode, OperatorError } from "./operatorError";

export { EXIT, OperatorError };
export type { ExitCode };

/** A commander program whose usage errors end through `runMain` (exit 2) instead of exiting 1. */
export const operatorCommand = (name: string): Command => new Command(name).exitOverride();

/** The line printed for a failure: a config error keeps its list, every problem at once. */
export function failureText(err: unknown): string {
  if (err instanceof OperatorError || err instanceof ConfigError) return err.message;
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof OperatorError) return err.exitCode;
  return err instanceof ConfigError ? EXIT.refused : EXIT.failed;
}

/** Runs a script's `main`; its result (default `ok`) or its error decides the exit code. */
export function runMain(
  tool: string,
  main: () => Promise<ExitCode | void> | ExitCode | void,
): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code ?? EXIT.ok;
      },
      (err: unknown) => {
        if (err instanceof CommanderError) {
          // Commander printed the usage error (or the help) itself.
          process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.refused;
          return;
        }
        console.error(`${tool}: ${failureText(err)}`);
        if (process.env.OWNSTACK_DEBUG && err instanceof Error) console.error(err.stack);
        process.exitCode = exitCodeOf(err);
      },
    );
}
