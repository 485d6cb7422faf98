import { spawnSync } from "node:child_process";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { PROJECT_DIR, prepareWorkspace, requireKnownStack } from "./lib/project";
import { automationStack, failureLine, requirePulumiCli } from "./lib/pulumi";

/**
 * `npm run up:local` (or `npm run up -- -s <stack>`): sets up the file backend, passphrase and
 * stack on first run, then deploys and prints where everything is. Running it again changes
 * nothing. Every check runs before the first file is written.
 */
runMain("up", async () => {
  const { stack } = operatorCommand("up")
    .requiredOption(
      "-s, --stack <name>",
      "stack to deploy (local, vps, or any Pulumi.<stack>.yaml)",
    )
    .parse()
    .opts<{ stack: string }>();

  requireKnownStack(PROJECT_DIR, stack);
  requirePulumiCli();
  const dockerInfo =
    stack === "local"
      ? spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" })
      : undefined;
  if (dockerInfo && (dockerInfo.error || dockerInfo.status !== 0)) {
    throw new OperatorError(
      "Docker is not installed or its daemon is not running. Start Docker (Docker Desktop or `sudo systemctl start docker`), then run this again. `npm run doctor` checks everything.",
    );
  }

  const ws = prepareWorkspace();
  for (const c of ws.created) console.log(`created ${c}`);
  let result;
  try {
    const s = await automationStack(PROJECT_DIR, stack, { create: true });
    result = await s.up({ onOutput: (out) => process.stdout.write(out), color: "auto" });
  } catch (err) {
    throw new OperatorError(failureLine(err), EXIT.failed);
  }
  const o = result.outputs;
  const value = (k: string) => (o[k]?.value === undefined ? undefined : String(o[k].value));

  console.log(`\nownstack is up.`);
  console.log(`  API:     ${value("apiUrl")}`);
  console.log(
    `  Studio:  ${value("studioUrl")}  (user ${value("dashboardUsername")}; password: pulumi stack output -s ${stack} --show-secrets dashboardPassword)`,
  );
  if (value("mailpitUrl")) console.log(`  Mailpit: ${value("mailpitUrl")}`);
  console.log(
    `  Keys:    PULUMI_CONFIG_PASSPHRASE_FILE=${ws.passphraseFile} ${value("keysCommand")}`,
  );
  console.log(`  App env: npm run env -- -s ${stack} --out .env`);
});
