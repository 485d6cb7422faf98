import { QdrantClient } from "@qdrant/js-client-rest";
import { createClient } from "@supabase/supabase-js";
import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { PROJECT_DIR } from "./lib/project";
import { readStackOutputs } from "./lib/pulumi";
import { internalOnly, pgMeta } from "./lib/verify/http";
import { formatChecklist, runSteps } from "./lib/verify/runner";
import { STEPS, VerifyContext, newRunId } from "./lib/verify/steps";

/**
 * `npm run verify [-- -s stack]`: an end-to-end smoke run against a deployed stack. Signs a test
 * user up and in, checks RLS through REST, a realtime event, a storage round trip, Qdrant, Ollama
 * and Prometheus, removes everything it created, and exits 1 on any failure.
 */
/** Whole or decimal seconds, more than 0 and at most an hour; as milliseconds. */
function parseTimeout(value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(seconds > 0 && seconds <= 3600))
    throw new OperatorError(
      `--timeout must be a number of seconds between 0 and 3600, got "${value}"`,
    );
  return Math.round(seconds * 1000);
}

runMain("verify", async () => {
  const opts = operatorCommand("verify")
    .option("-s, --stack <name>", "stack to check", "local")
    .option("--json", "print the report as JSON")
    .option(
      "--timeout <seconds>",
      "time limit of each step, in seconds (default 30)",
      parseTimeout,
      30_000,
    )
    .parse()
    .opts<{ stack: string; json?: boolean; timeout: number }>();
  const outputs = readStackOutputs(opts.stack, { projectDir: PROJECT_DIR });
  // Sessions live in memory only: verify never writes a token to disk.
  const auth = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };
  const ctx: VerifyContext = {
    outputs,
    fetch,
    user: createClient(outputs.apiUrl, outputs.anonKey, { auth }),
    anon: createClient(outputs.apiUrl, outputs.anonKey, { auth }),
    admin: createClient(outputs.apiUrl, outputs.serviceRoleKey, { auth }),
    sql: pgMeta(fetch, outputs.apiUrl, outputs.serviceRoleKey),
    qdrant:
      outputs.qdrantUrl && !internalOnly(outputs.qdrantUrl)
        ? new QdrantClient({
            url: outputs.qdrantUrl,
            apiKey: outputs.qdrantApiKey,
            checkCompatibility: false,
          })
        : undefined,
    id: newRunId(),
    state: {},
  };
  if (!opts.json)
    console.log(`ownstack verify: stack ${opts.stack} at ${outputs.apiUrl} (run ${ctx.id})\n`);
  const report = await runSteps(STEPS, ctx, { timeoutMs: opts.timeout });
  console.log(opts.json ? JSON.stringify(report, null, 2) : formatChecklist(report));
  return report.ok ? EXIT.ok : EXIT.failed;
});
