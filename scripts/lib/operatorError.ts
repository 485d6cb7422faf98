/**
 * The operator error and exit codes on their own, with no imports: the backup scheduler bundles
 * scripts/lib/backup into its container, and ./errors.ts (which re-exports these) pulls the config
 * and the Pulumi SDK in through runMain. The meaning of each code is documented in ./errors.ts.
 */
export const EXIT = { ok: 0, failed: 1, refused: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the operator can act on: the message is one line; `exitCode` defaults to refused. */
export class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.refused,
  ) {
    super(message);
    this.name = "OperatorError";
  }
}

/** The line that says why a program failed: its `error:` line, else its first line. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return (lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? "no error output").replace(
    /^error:\s*/i,
    "",
  );
}
