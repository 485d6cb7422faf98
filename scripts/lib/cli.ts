import { ConfigError } from "../../config/settings";

/**
 * The shared `main` of the operator scripts: a known failure prints as `<tool>: <one line>` and
 * exits 1, never as a stack trace. A config error keeps its list: every problem at once.
 */
export function runMain(tool: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message.split("\n")[0] : String(err);
      console.error(`${tool}: ${message}`);
      if (process.env.OWNSTACK_DEBUG && err instanceof Error) console.error(err.stack);
      process.exitCode = 1;
    },
  );
}
