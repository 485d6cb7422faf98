import { Command } from "commander";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { PROJECT_DIR, failureLine, prepareWorkspace } from "./lib/workspace";

/**
 * `npm run down -- -s local`: removes every container, image and network of the stack but keeps
 * the protected data volumes (Postgres, MinIO, Qdrant, Ollama models, …), so a later `up` finds
 * the data where it was. Removing the data too is deliberate: `pulumi state unprotect` first.
 */
async function main(): Promise<void> {
  const { stack } = new Command("down").requiredOption("-s, --stack <name>", "stack to take down").parse().opts<{ stack: string }>();
  const ws = prepareWorkspace();
  process.chdir(PROJECT_DIR);
  const s = await LocalWorkspace.selectStack({ stackName: stack, workDir: PROJECT_DIR }, { envVars: ws.env });
  await s.destroy({ excludeProtected: true, onOutput: (out) => process.stdout.write(out) });
  console.log(`\n${stack} is down; its data volumes are kept. \`npm run up:${stack === "vps" ? "vps" : "local"}\` brings it back.`);
}

main().catch((err: unknown) => {
  console.error(`down: ${failureLine(err)}`);
  process.exit(1);
});
