import { readFileSync } from "node:fs";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { postgresUpgrades, renderSummary, statefulChanges } from "./lib/preview-digest";
import { parseDigest } from "./lib/preview-json";

/**
 * `pulumi preview --json -s vps | npm run -s preview-summary -- --fail-on-stateful`: prints a
 * markdown summary (counts by operation and by component, bold warnings for stateful resources
 * that would be replaced or deleted and for a Postgres major version change). Exit codes
 * (lib/errors.ts): 0 summary printed; 1 a stateful change or a Postgres major change with
 * --fail-on-stateful (the summary is printed first); 2 the input is not a preview document.
 */
runMain("preview-summary", () => {
  const opts = operatorCommand("preview-summary")
    .argument("[file]", "pulumi preview --json output (default: stdin)")
    .option("--title <name>", "heading, e.g. the stack name (default: from the URNs)")
    .option(
      "--fail-on-stateful",
      "exit 1 when data is at risk: a volume or a container with a data volume replaced or deleted, or a Postgres major change",
    )
    .parse();
  const file = opts.args[0];
  const { title, failOnStateful } = opts.opts<{ title?: string; failOnStateful?: boolean }>();

  let text: string;
  try {
    text = readFileSync(file ?? 0, "utf8");
  } catch (err) {
    throw new OperatorError(
      `cannot read ${file ?? "stdin"}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const digest = parseDigest(text);
  process.stdout.write(renderSummary(digest, { title }));
  const atRisk = statefulChanges(digest).length + postgresUpgrades(digest).length;
  if (failOnStateful && atRisk > 0) {
    console.error(
      `preview-summary: ${atRisk} change(s) put data at risk: stateful resources would be replaced or deleted (--fail-on-stateful).`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
});
