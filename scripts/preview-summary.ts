import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parseDigest, renderSummary, statefulChanges } from "./lib/preview-digest";

/**
 * `pulumi preview --json -s vps | npm run -s preview-summary -- --fail-on-stateful`: prints a
 * markdown summary (counts by operation and by component, a bold warning for stateful resources
 * that would be replaced or deleted). Exit codes: 0 ok, 1 stateful change with
 * --fail-on-stateful, 2 unreadable input.
 */
function main(): void {
  const opts = new Command("preview-summary")
    .argument("[file]", "pulumi preview --json output (default: stdin)")
    .option("--title <name>", "heading, e.g. the stack name (default: from the URNs)")
    .option("--fail-on-stateful", "exit 1 when a volume or a container with a data volume would be replaced or deleted")
    .showHelpAfterError()
    .parse();
  const file = opts.args[0];
  const { title, failOnStateful } = opts.opts<{ title?: string; failOnStateful?: boolean }>();

  let digest;
  try {
    digest = parseDigest(readFileSync(file ?? 0, "utf8"));
  } catch (err) {
    console.error(`preview-summary: ${(err as Error).message}`);
    process.exit(2);
  }
  process.stdout.write(renderSummary(digest, { title }));
  const stateful = statefulChanges(digest);
  if (failOnStateful && stateful.length > 0) {
    console.error(`preview-summary: ${stateful.length} stateful resource(s) would be replaced or deleted (--fail-on-stateful).`);
    process.exit(1);
  }
}

main();
