import { join } from "node:path";
import { diagnose, formatReport } from "./lib/doctor/checks";
import { realProbes } from "./lib/doctor/probes";
import { EXIT, operatorCommand, runMain } from "./lib/errors";
import { PASSPHRASE_FILE, PROJECT_DIR, loadStackSettings } from "./lib/project";

/**
 * `npm run doctor [-- -s stack] [--json]`: is this machine ready for the stack? Reads the stack's
 * settings from its files (no Pulumi CLI needed) and checks Docker, RAM, disk, ports, GPU, the
 * Pulumi CLI and the passphrase file. Exits 1 on any blocker (exit codes: lib/errors.ts).
 */
runMain("doctor", async () => {
  const opts = operatorCommand("doctor")
    .option("-s, --stack <name>", "stack to check", "local")
    .option("--json", "print the report as JSON")
    .parse()
    .opts<{ stack: string; json?: boolean }>();
  const settings = loadStackSettings(PROJECT_DIR, opts.stack);
  const report = await diagnose(settings, realProbes(), {
    passphraseFile: join(PROJECT_DIR, PASSPHRASE_FILE),
    defaultDockerRoot: process.platform === "linux" ? "/var/lib/docker" : (process.env.HOME ?? "/"),
  });
  console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? EXIT.ok : EXIT.failed;
});
