import { resolve } from "node:path";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { PROJECT_DIR, requireDeployed, requireKnownStack, upCommand } from "./lib/project";
import { automationStack, failureLine, requirePassphrase, requirePulumiCli } from "./lib/pulumi";

/**
 * `npm run down -- -s local`: removes every container, image and network of the stack but keeps
 * the protected data volumes (Postgres, MinIO, Qdrant, Ollama models, …), so a later `up` finds
 * the data where it was. Removing the data too is deliberate: `pulumi state unprotect` first.
 * It writes nothing before the checks pass: the stack exists, the Pulumi CLI is installed, the
 * stack was deployed, the passphrase that decrypts it is there.
 */
runMain("down", async () => {
  const opts = operatorCommand("down")
    .requiredOption("-s, --stack <name>", "stack to take down")
    .option("-C, --cwd <dir>", "project folder (default: this checkout)")
    .parse()
    .opts<{ stack: string; cwd?: string }>();
  const projectDir = resolve(opts.cwd ?? PROJECT_DIR);
  const { stack } = opts;

  requireKnownStack(projectDir, stack);
  requirePulumiCli();
  const note = requireDeployed(projectDir, stack, { why: "so there is nothing to take down" });
  if (note) console.log(`note: ${note}`);
  requirePassphrase(projectDir);

  try {
    const s = await automationStack(projectDir, stack, { create: false });
    await s.destroy({ excludeProtected: true, onOutput: (out) => process.stdout.write(out) });
  } catch (err) {
    throw new OperatorError(failureLine(err), EXIT.failed);
  }
  console.log(
    `\n${stack} is down; its data volumes are kept. \`${upCommand(stack)}\` brings it back.`,
  );
});
