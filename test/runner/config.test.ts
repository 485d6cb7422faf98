import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EXIT_ALREADY_REPORTED, RunResult, customResources, problems, runProgram } from "./run";

/**
 * Bad config as `pulumi up` / `pulumi preview` show it: one error from @pulumi/pulumi's runner, the
 * process exits non-zero, and the engine never hears of a custom resource.
 */

const RUN_TIMEOUT = 120_000;

/** The example block in the README's "Configuration" section, which must stay true to the letter. */
function readmeExample(): string {
  const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"));
  const block = /```\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error("README: no example block in the Configuration section");
  return block[1];
}

/** A refused run: one error diagnostic, nothing else a user has to read past. */
function expectRefused(run: RunResult): string {
  expect(run.exitCode, run.transcript).toBe(EXIT_ALREADY_REPORTED);
  expect(customResources(run).map((r) => r.name)).toEqual([]);
  const shown = problems(run);
  expect(shown.map((d) => d.severity)).toEqual(["error"]);
  expect(run.transcript).not.toMatch(/\n\s+at |Circular|ConfigError \{/);
  return shown[0].message;
}

describe("bad config under the runner", () => {
  let invalid: RunResult;
  let missingPaths: RunResult;
  let previewRefused: RunResult;
  let newMajor: RunResult;
  beforeAll(async () => {
    invalid = await runProgram({
      stack: "local",
      config: { "ownstack:apiPort": "70000", "ownstack:memoryLimits": '["kong=2 gigs"]' },
    });
    missingPaths = await runProgram({
      stack: "local",
      config: {
        "ownstack:migrationsPath": "no/such/migrations",
        "ownstack:seedPath": "no/such/seed.sql",
        "ownstack:functions": "true",
        "ownstack:functionsPath": "no/such/functions",
      },
    });
    // A fresh stack's preview: every output unknown, the policy must still refuse the plan.
    previewRefused = await runProgram({
      stack: "local",
      preview: true,
      config: {
        "ownstack:qdrantPort": "8000",
        "ownstack:memoryLimits": '["kong=2MiB"]',
        "ownstack:redisMaxMemory": "900mb",
      },
    });
    // A PostgreSQL major bump of the db image on a stack whose data is the old major.
    newMajor = await runProgram({
      stack: "local",
      preview: true,
      config: { "ownstack:imageOverrides": '["db=supabase/postgres:18.1.0.1"]' },
    });
  }, 4 * RUN_TIMEOUT);

  it("prints the README's example error, to the letter, and declares nothing", () => {
    expect(expectRefused(invalid)).toBe(readmeExample());
  });

  it("refuses missing migrations, seed and functions paths together, before any resource", () => {
    const message = expectRefused(missingPaths);
    expect(message).toMatch(/^Invalid config for stack "local" \(3 problems\):/);
    for (const key of [
      "ownstack:migrationsPath: no/such/migrations",
      "ownstack:seedPath: no/such/seed.sql",
      "ownstack:functionsPath: no/such/functions",
    ])
      expect(message).toContain(`  - ${key} does not exist`);
  });

  it("refuses a port clash and a memory limit in a preview of a fresh stack, naming each key", () => {
    const message = expectRefused(previewRefused);
    expect(message).toContain("ownstack:qdrantPort");
    expect(message).toContain("ownstack:memoryLimits[0]");
    expect(message).toContain("ownstack:redisMaxMemory");
  });

  it("refuses a db image of another PostgreSQL major in a preview, naming the key and the upgrade command", () => {
    const message = expectRefused(newMajor);
    expect(message).toMatch(/^Invalid config for stack "local" \(1 problem\):/);
    expect(message).toContain(
      "ownstack:dbDataMajor: the data on volume ownstack-local-db-data is PostgreSQL 17, but the db image supabase/postgres:18.1.0.1 runs PostgreSQL 18",
    );
    expect(message).toContain("npm run pg-upgrade -- -s local");
  });
});
