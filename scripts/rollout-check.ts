import { EXIT, OperatorError, operatorCommand, runMain } from "./lib/errors";
import { PROJECT_DIR, requireKnownStack } from "./lib/project";
import { readStackOutputs } from "./lib/pulumi";
import { Probe, hammer, renderReport } from "./lib/rollout-check";

/**
 * `npm run rollout-check -- -s vps [--duration 10m]`: run it in a second terminal, then
 * `npm run up -- -s vps` (or `pulumi up -s vps`) in the first; it asks the API through Traefik
 * and Kong without pause until Ctrl-C or the duration, then lists every failed request. With
 * the rolling services of config/rollout.ts, an update that replaces them shows 0 failed.
 * Exit codes (lib/errors.ts): 0 no request failed; 1 some failed.
 */
runMain("rollout-check", async () => {
  const opts = operatorCommand("rollout-check")
    .requiredOption("-s, --stack <name>", "stack whose API to ask (vps)")
    .option("--duration <seconds>", "stop after this many seconds (default: at Ctrl-C)")
    .option("--pause <ms>", "pause between two requests of one probe", "50")
    .parse()
    .opts<{ stack: string; duration?: string; pause: string }>();
  const duration = opts.duration === undefined ? undefined : Number(opts.duration);
  if (duration !== undefined && !(duration > 0))
    throw new OperatorError(`--duration: expected seconds above 0, got "${opts.duration}"`);
  const pauseMs = Number(opts.pause);
  if (!(pauseMs >= 0))
    throw new OperatorError(`--pause: expected milliseconds, 0 or more, got "${opts.pause}"`);
  requireKnownStack(PROJECT_DIR, opts.stack);
  const outputs = readStackOutputs(opts.stack, { projectDir: PROJECT_DIR });

  // One question per rolling tier behind Kong; Studio sits behind basic auth and is left out.
  const apikey = { apikey: outputs.anonKey, Authorization: `Bearer ${outputs.anonKey}` };
  const probes: Probe[] = [
    { name: "auth", url: `${outputs.apiUrl}/auth/v1/health`, headers: apikey },
    { name: "rest", url: `${outputs.apiUrl}/rest/v1/`, headers: apikey },
    { name: "storage", url: `${outputs.apiUrl}/storage/v1/status`, headers: apikey },
  ];
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  if (duration !== undefined) setTimeout(() => stop.abort(), duration * 1000).unref();
  console.log(
    `rollout-check: asking ${probes.map((p) => p.url).join(", ")}; start the update now, Ctrl-C to stop`,
  );
  const report = await hammer({
    probes,
    pauseMs,
    timeoutMs: 10_000,
    signal: stop.signal,
    onFailure: (f) => console.error(`  failed: ${f.probe} ${f.what}`),
  });
  console.log(renderReport(report));
  return report.failures.length === 0 ? EXIT.ok : EXIT.failed;
});
