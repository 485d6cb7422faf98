import { resolve } from "node:path";
import { Option } from "commander";
import { operatorCommand, runMain } from "./lib/errors";
import {
  ENV_FORMATS,
  EnvFormat,
  appEnv,
  checkWritable,
  formatEnv,
  mergeEnvFile,
  readIfExists,
  writeSecretFile,
} from "./lib/envFile";
import { PROJECT_DIR, loadStackSettings, requireKnownStack, userCwd } from "./lib/project";
import { readStackOutputs } from "./lib/pulumi";

/**
 * `npm run env -- -s <stack> [--out path]`: writes the stack's URLs and keys into an app's `.env`
 * (mode 0600; the app's other lines are kept) and prints them as Vite, Next.js and Python apps
 * name them. Switching an app from local to vps is this one command with `-s vps`.
 */
runMain("env", async () => {
  const opts = operatorCommand("env")
    .requiredOption("-s, --stack <name>", "stack whose outputs to use (local or vps)")
    .option("--out <path>", "the .env file to write, relative to where you ran npm", ".env")
    .addOption(
      new Option("--format <kind>", "variable names in the written file")
        .choices([...ENV_FORMATS])
        .default("plain"),
    )
    .option(
      "--service",
      "also write SUPABASE_SERVICE_ROLE_KEY (server-side apps only: it bypasses RLS)",
    )
    .option("--show-secrets", "print secret values instead of placeholders")
    .parse()
    .opts<{
      stack: string;
      out: string;
      format: EnvFormat;
      service?: boolean;
      showSecrets?: boolean;
    }>();

  const out = resolve(userCwd(), opts.out);
  // Bad input first: nothing is read from the stack and nothing is written.
  requireKnownStack(PROJECT_DIR, opts.stack);
  checkWritable(out);
  const outputs = readStackOutputs(opts.stack, { projectDir: PROJECT_DIR });
  const service = opts.service === true;

  const entries = appEnv(outputs, opts.format, { service });
  writeSecretFile(
    out,
    mergeEnvFile(
      readIfExists(out),
      entries,
      `stack ${opts.stack}, written by npm run env -- -s ${opts.stack}`,
    ),
  );
  console.log(`wrote ${out} (mode 0600): ${entries.map((e) => e.name).join(", ")}`);

  const show = opts.showSecrets === true;
  for (const [format, title] of [
    ["vite", "Vite (.env.local)"],
    ["next", "Next.js (.env.local)"],
    ["python", "Python (.env, python-dotenv)"],
  ] as const) {
    console.log(`\n# ${title}`);
    for (const line of formatEnv(appEnv(outputs, format, { service }), show, out))
      console.log(line);
  }
  if (service)
    console.log(
      "\nSUPABASE_SERVICE_ROLE_KEY bypasses row level security: keep it on servers, never in a browser bundle.",
    );
  if (loadStackSettings(PROJECT_DIR, opts.stack).features.backup)
    console.log(
      `\nBackups are encrypted with the key printed by: pulumi stack output --show-secrets -s ${opts.stack} backupEncryptionKey\n` +
        "Keep a copy outside this machine (a password manager): a lost machine takes its state, and the key, with it.",
    );
});
