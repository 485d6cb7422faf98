import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { K8S_CONFIG } from "../k8s/harness";
import { problemsOf } from "./problems";

/** A project folder of its own, so that nothing depends on what the repository ships. */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ownstack-files-"));
  mkdirSync(join(dir, "supabase/functions/main"), { recursive: true });
  writeFileSync(
    join(dir, "supabase/functions/main/index.ts"),
    "Deno.serve(() => new Response());\n",
  );
  mkdirSync(join(dir, "db"));
  writeFileSync(join(dir, "db/1_init.sql"), "SELECT 1;\n");
  writeFileSync(join(dir, "seed.sql"), "SELECT 1;\n");
  mkdirSync(join(dir, "empty-functions"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (config: Record<string, string>) => problemsOf(config, "local", dir);

describe("the files the config names are checked with the config, before any resource", () => {
  it("accepts the defaults when the project has no migrations folder and no seed", () => {
    expect(problems({})).toEqual([]);
  });

  it("accepts an existing migrations folder, seed file and functions folder", () => {
    expect(
      problems({
        "ownstack:migrationsPath": "db",
        "ownstack:seedPath": "seed.sql",
        "ownstack:functions": "true",
        "ownstack:functionsPath": "empty-functions",
      }),
    ).toEqual([]);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      "a migrations folder that does not exist",
      { "ownstack:migrationsPath": "supabase/migratoins" },
      "ownstack:migrationsPath: supabase/migratoins does not exist, expected a folder relative to the project such as supabase/migrations",
    ],
    [
      "a migrations path that is a file",
      { "ownstack:migrationsPath": "seed.sql" },
      "ownstack:migrationsPath: seed.sql is a file, expected a folder of <version>_<name>.sql migrations",
    ],
    [
      "a seed that does not exist",
      { "ownstack:seedPath": "supabase/seeds.sql" },
      "ownstack:seedPath: supabase/seeds.sql does not exist, expected a SQL file relative to the project (or leave the default)",
    ],
    [
      "a seed path that is a folder",
      { "ownstack:seedPath": "db" },
      "ownstack:seedPath: db is a folder, expected a SQL file such as supabase/seed.sql",
    ],
    [
      "functions on with a folder that does not exist",
      { "ownstack:functions": "true", "ownstack:functionsPath": "edge" },
      "ownstack:functionsPath: edge does not exist, expected a folder with one sub-folder per function (or ownstack:functions: false)",
    ],
    [
      "functions on with the default folder missing",
      { "ownstack:functions": "auto", "ownstack:functionsPath": "supabase/function" },
      "ownstack:functionsPath: supabase/function does not exist",
    ],
  ])("refuses %s, naming the key", (_, config, message) => {
    expect(problems(config).join("\n")).toContain(message);
  });

  it("does not check the functions folder while Edge Functions are off", () => {
    expect(problems({ "ownstack:functions": "false", "ownstack:functionsPath": "edge" })).toEqual(
      [],
    );
  });

  it("refuses functions without a router when the project's own router was removed", () => {
    const bare = mkdtempSync(join(tmpdir(), "ownstack-bare-"));
    mkdirSync(join(bare, "fns/hello"), { recursive: true });
    try {
      expect(
        problemsOf(
          { "ownstack:functions": "true", "ownstack:functionsPath": "fns" },
          "local",
          bare,
        ),
      ).toEqual([
        "ownstack:functionsPath: fns has no main/ router and supabase/functions/main/index.ts is missing from the project; restore it or add main/index.ts",
      ]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("refuses a functions folder beyond a ConfigMap's 1 MiB on kubernetes only", () => {
    const big = join(dir, "big-functions");
    mkdirSync(join(big, "hello"), { recursive: true });
    writeFileSync(join(big, "hello/index.ts"), "Deno.serve(() => new Response());\n");
    writeFileSync(join(big, "hello/model.bin"), Buffer.alloc(1024 * 1024));
    const config = { "ownstack:functions": "true", "ownstack:functionsPath": "big-functions" };
    expect(problemsOf({ ...K8S_CONFIG, ...config }, "k8s", dir)).toEqual([
      expect.stringMatching(
        /^ownstack:functionsPath: big-functions holds 10\d{5} bytes, expected at most 1048576 \(1 MiB\) on kubernetes/,
      ),
    ]);
    expect(problems(config)).toEqual([]);
    rmSync(join(big, "hello/model.bin"));
    expect(problemsOf({ ...K8S_CONFIG, ...config }, "k8s", dir)).toEqual([]);
  });

  it("lists every misnamed migration and duplicate version with the other config problems", () => {
    const folder = join(dir, "bad");
    mkdirSync(folder);
    for (const name of ["9_first.sql", "09_again.sql", "add-things.sql", "README.md"])
      writeFileSync(join(folder, name), "SELECT 1;\n");
    expect(problems({ "ownstack:migrationsPath": "bad", "ownstack:apiPort": "0" })).toEqual([
      "ownstack:apiPort: expected an integer port 1-65535, got 0",
      "ownstack:migrationsPath: bad/9_first.sql: version 9 is already used by 09_again.sql",
      "ownstack:migrationsPath: bad/add-things.sql: expected <digits>_<name>.sql such as 20240101120000_create_todos.sql",
    ]);
  });
});
