import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/**
 * How a container waits for one-shot jobs (compose's `service_completed_successfully`): the job's
 * gate, the labels and dependencies that hold a dependent back, and the error a failed job reports.
 */

/** A one-shot job and its gate: dependents pass the job as `after` and are created only after it exited 0. */
export interface OneShotJob {
  readonly name: string;
  readonly container: docker.Container;
  /** "0" once the job exited 0; after a failed job it never resolves, so no dependent is declared. */
  readonly gate: pulumi.Output<string>;
}

/**
 * With `attach` the provider waits for a job's exit but records a non-zero code without failing
 * (terraform-provider-docker#106). The gate holds back every dependent of a failed job, and the
 * failure itself is a RunError that nothing consumes: @pulumi/pulumi's runner (cmd/run/run.ts)
 * prints a RunError's message as one line, without a stack, and exits with the code that tells
 * the CLI the error was already shown. Rejecting the gate instead would reach the user through
 * every serialized input and output that depends on it, each prefixing "error serializing
 * property ..." to the same message.
 */
export function jobGate(job: docker.Container, jobName: string): pulumi.Output<string> {
  // A preview cannot know a replaced job's exit code; an unknown label would show every dependent
  // as replaced. Preview uses the value a successful run yields, so preview and up agree.
  if (pulumi.runtime.isDryRun()) return pulumi.output("0");
  pulumi.all([job.exitCode, job.urn]).apply(([code, urn]) => {
    if (!jobSucceeded(code)) throw failedJob(jobName, code as number, urn);
  });
  return job.exitCode.apply((code) =>
    jobSucceeded(code) ? Promise.resolve("0") : new Promise<string>(() => {}),
  );
}

const jobSucceeded = (code: number | undefined) => code === undefined || code === 0;

/**
 * What `pulumi up` prints for a failed job. The state keeps the failed run's exit code, and a job
 * runs again only when it is replaced: by a change to its inputs (files, env), or on request with
 * `--replace`, for a cause outside them. Built without a stack trace, which would say nothing
 * to the user: the runner also `util.inspect`s every uncaught error for its tracing span
 * (@pulumi/pulumi cmd/run/error.ts `defaultErrorMessage`), and with a deep trace through
 * source-mapped SDK frames that stalled the run for minutes and grew the heap by gigabytes.
 */
export function failedJob(jobName: string, code: number, urn: string): pulumi.RunError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new pulumi.RunError(
      `one-shot job ${jobName} exited with code ${code}; see \`docker logs ${jobName}\` on the Docker host, fix the cause and run pulumi up again (add --replace '${urn}' if the job's files and settings did not change)`,
    );
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** `ownstack.after.<job>` labels: a dependent's inputs wait for each job's gate. */
export function gateLabels(after: readonly OneShotJob[]): Record<string, pulumi.Input<string>> {
  return Object.fromEntries(after.map((j) => [`ownstack.after.${j.name}`, j.gate]));
}

/** A container also depends on the jobs it runs after, so that the engine orders them too. */
export function withJobs(
  dependsOn: pulumi.CustomResourceOptions["dependsOn"],
  after: readonly OneShotJob[],
): pulumi.CustomResourceOptions["dependsOn"] {
  if (after.length === 0) return dependsOn;
  if (dependsOn !== undefined && !Array.isArray(dependsOn))
    throw new Error("a container with `after` jobs takes `dependsOn` as a list");
  return [...(dependsOn ?? []), ...after.map((j) => j.container)];
}
