import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { PROJECT_DIR, failureLine, prepareWorkspace } from "./lib/workspace";

/**
 * `npm run up:local`: sets up the file backend, passphrase and stack on first run, then deploys
 * and prints where everything is. Running it again changes nothing.
 */
async function main(): Promise<void> {
  const { stack } = new Command("up")
    .requiredOption("-s, --stack <name>", "stack to deploy (local or vps)")
    .parse()
    .opts<{ stack: string }>();

  const pulumiVersion = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (pulumiVersion.error || pulumiVersion.status !== 0) {
    fail("Pulumi CLI not found. Install it (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh` or `brew install pulumi`), then run this again.");
  }
  const dockerInfo = stack === "local" ? spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" }) : undefined;
  if (dockerInfo && (dockerInfo.error || dockerInfo.status !== 0)) {
    fail("Docker is not installed or its daemon is not running. Start Docker (Docker Desktop or `sudo systemctl start docker`), then run this again. `npm run doctor` checks everything.");
  }

  const ws = prepareWorkspace();
  for (const c of ws.created) console.log(`created ${c}`);
  // Pulumi.yaml's `file://./.pulumi-state` resolves against the cwd.
  process.chdir(PROJECT_DIR);
  const s = await LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: PROJECT_DIR }, { envVars: ws.env });
  const result = await s.up({ onOutput: (out) => process.stdout.write(out), color: "auto" });
  const o = result.outputs;
  const value = (k: string) => (o[k]?.value === undefined ? undefined : String(o[k].value));

  console.log("\nownstack is up.");
  console.log(`  API:     ${value("apiUrl")}`);
  console.log(`  Studio:  ${value("studioUrl")}  (user ${value("dashboardUsername")}; password: pulumi stack output -s ${stack} --show-secrets dashboardPassword)`);
  if (value("mailpitUrl")) console.log(`  Mailpit: ${value("mailpitUrl")}`);
  console.log(`  Keys:    PULUMI_CONFIG_PASSPHRASE_FILE=${ws.passphraseFile} ${value("keysCommand")}`);
  console.log(`  App env: npm run env -- -s ${stack} --out .env`);
}

function fail(message: string): never {
  console.error(`up: ${message}`);
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(`up: ${failureLine(err)}`);
  process.exit(1);
});
