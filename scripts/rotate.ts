import { resolve } from "node:path";
import { EXIT, ExitCode, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { confirm } from "./lib/confirm";
import { PROJECT_DIR, readStackConfig, requireDeployed, stackRawConfig } from "./lib/project";
import { PulumiCli, pulumiCli } from "./lib/pulumi";
import {
  SigningAlgorithm,
  counterKey,
  failedUpText,
  jwtWarning,
  nextCounters,
  parseTarget,
  planText,
  VALID_TARGETS,
} from "./lib/rotation-plan";
import {
  USER_SECRETS,
  USER_SECRET_NAMES,
  UserSecretName,
  userSecretText,
} from "../config/userSecrets";

/**
 * `npm run rotate -- <name|all> -s <stack>`: bumps the secret's rotation counter in stack config
 * and runs `pulumi up`, which regenerates that secret and replaces exactly the containers that
 * embed it (ROTATION_PLAN). Every check runs before the first change; a refusal says "Nothing
 * changed." and exits 2 (lib/errors.ts).
 */
interface Options {
  stack: string;
  yes?: boolean;
  up: boolean;
  showSecrets?: boolean;
  cwd?: string;
}

runMain("rotate", async () => {
  try {
    return await rotate();
  } catch (err) {
    if (err instanceof OperatorError && err.exitCode === EXIT.refused)
      throw new OperatorError(`${err.message}\nNothing changed.`);
    throw err;
  }
});

async function rotate(): Promise<ExitCode> {
  const program = operatorCommand("rotate")
    .argument(
      "<name>",
      `secret to rotate: ${VALID_TARGETS.join(", ")}; or one you bring (${USER_SECRET_NAMES.join(", ")}), which prints how to change it`,
    )
    .requiredOption("-s, --stack <name>", "stack to rotate (local or vps)")
    .option("-y, --yes", "do not ask before changing the stack (also passed to pulumi up)")
    .option("--no-up", "only bump the counter; run pulumi up yourself")
    .option("--show-secrets", "jwt: also print the new service_role key")
    .option("-C, --cwd <dir>", "project folder (default: this checkout)");
  program.parse();
  const name = program.args[0];
  const opts = program.opts<Options>();
  const projectDir = resolve(opts.cwd ?? PROJECT_DIR);

  // A secret the user brings: ownstack cannot make a new one, so say how and what restarts.
  if (name !== undefined && Object.hasOwn(USER_SECRETS, name)) {
    console.log(userSecretText(name as UserSecretName, opts.stack));
    return EXIT.ok;
  }
  // Checks: nothing is written until all of them pass.
  const names = parseTarget(name);
  const stackConfig = readStackConfig(projectDir, opts.stack);
  const note = requireDeployed(projectDir, opts.stack, {
    why: "so there is nothing to rotate: its first deploy generates fresh secrets",
  });
  if (note) console.log(`note: ${note}`);
  const next = nextCounters(names, stackConfig);
  const signing: SigningAlgorithm =
    stackRawConfig(projectDir, opts.stack)["ownstack:authSigning"] === "hs256" ? "hs256" : "es256";

  console.log(planText(names, opts.stack, next, signing));
  if (!opts.yes && !(await confirm("\nGo ahead? [y/N] ", "rotate"))) {
    console.log("Nothing changed.");
    return EXIT.ok;
  }

  const cli = pulumiCli(projectDir);
  for (const n of names) cli.setConfig(opts.stack, counterKey(n), String(next.get(n)));
  if (!opts.up) {
    console.log(
      `\nCounter${names.length > 1 ? "s" : ""} bumped. Apply with: pulumi up -s ${opts.stack}`,
    );
    return EXIT.ok;
  }
  if (!cli.up(opts.stack, { yes: opts.yes ?? false })) {
    console.error(`\nrotate: ${failedUpText(names, opts.stack)}`);
    return EXIT.failed;
  }
  console.log(`\nRotated: ${names.join(", ")}.`);
  if (names.includes("jwt")) printNewKeys(cli, opts.stack, signing, opts.showSecrets ?? false);
  return EXIT.ok;
}

function printNewKeys(
  cli: PulumiCli,
  stack: string,
  signing: SigningAlgorithm,
  showSecrets: boolean,
): void {
  // Public keys ship in browser code and are printed; the server keys are secrets, printed on request.
  const keys: [label: string, output: string, isPublic: boolean][] = [
    ["anon key", "anonKey", true],
    ["service_role key", "serviceRoleKey", false],
    ...(signing === "es256"
      ? ([
          ["sb_publishable key", "publishableKey", true],
          ["sb_secret key", "secretKey", false],
        ] as [string, string, boolean][])
      : []),
  ];
  for (const [label, output, isPublic] of keys) {
    if (isPublic || showSecrets)
      console.log(`New ${label}: ${cli.output(stack, output, { showSecrets: true })}`);
    else console.log(`New ${label}: pulumi stack output -s ${stack} --show-secrets ${output}`);
  }
  console.log(jwtWarning(signing));
}
