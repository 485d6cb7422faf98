import { beforeAll, describe, expect, it } from "vitest";
import { EXIT_ALREADY_REPORTED, RunResult, containers, label, problems, runProgram } from "./run";

/**
 * A one-shot job that exits non-zero under `pulumi up`: the Docker provider records the code
 * (terraform-provider-docker#106), and the run must end with one line naming the job, its code and
 * where to read its log. The process has to exit on its own; vitest's timeout bounds it.
 */

const RUN_TIMEOUT = 180_000;

const JOBS = [
  {
    job: "minio-createbucket",
    dependent: "storage",
    resource: "ownstack:storage:Minio$docker:index/container:Container::minio-create-bucket",
  },
  {
    job: "migrations",
    dependent: "analytics",
    resource: "ownstack:supabase:Migrations$docker:index/container:Container::migrations-job",
  },
];

describe.each(JOBS)("a failed $job job", ({ job, dependent, resource }) => {
  const container = `ownstack-local-${job}`;
  let run: RunResult;
  beforeAll(async () => {
    run = await runProgram({
      stack: "local",
      config: { "ownstack:ollamaGpu": "cpu" },
      jobExitCodes: { [container]: 3 },
    });
  }, RUN_TIMEOUT);

  it("ends pulumi up with one line naming the job, its exit code and where to read its log", () => {
    const urn = `urn:pulumi:local::ownstack::${resource}`;
    const expected = `one-shot job ${container} exited with code 3; see \`docker logs ${container}\` on the Docker host, fix the cause and run pulumi up again (add --replace '${urn}' if the job's files and settings did not change)`;
    expect(run.exitCode, run.transcript).toBe(EXIT_ALREADY_REPORTED);
    expect(problems(run).map((d) => d.message)).toEqual([expected]);
    expect(run.transcript.split(expected).length - 1).toBe(1);
    expect(run.transcript).not.toMatch(/Circular|error serializing|\n\s+at |Promise \{/);
  });

  it(`declares no container that waits for it (${dependent} among them)`, () => {
    const waiting = containers(run).filter((c) => label(c, `ownstack.after.${job}`) !== undefined);
    expect(waiting.map((c) => c.name)).toEqual([]);
    expect(containers(run).some((c) => label(c, "ownstack.service") === dependent)).toBe(false);
    // The job itself ran; the rest of the stack that does not depend on it is unaffected.
    expect(containers(run).some((c) => c.inputs.name === container)).toBe(true);
    expect(containers(run).some((c) => label(c, "ownstack.service") === "db")).toBe(true);
  });
});
