import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/project";

/**
 * The scripts share one reader of the project files and one way to run Pulumi (lib/project.ts,
 * lib/pulumi.ts), so a fix to either reaches every script. These checks keep it that way.
 */

const sources = readdirSync(join(ROOT, "scripts"), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({
    file: relative(ROOT, join(ROOT, "scripts", f)),
    text: readFileSync(join(ROOT, "scripts", f), "utf8"),
  }));
const filesWhere = (pattern: RegExp) =>
  sources
    .filter((s) => pattern.test(s.text))
    .map((s) => s.file)
    .sort();

describe("scripts/ layout", () => {
  it("one file reads Pulumi.yaml", () => {
    expect(filesWhere(/["'`]Pulumi\.yaml["'`]/)).toEqual(["scripts/lib/project.ts"]);
  });

  it("one file starts the Pulumi CLI, directly or through the Automation API", () => {
    expect(filesWhere(/\(\s*["']pulumi["']\s*,|@pulumi\/pulumi\/automation/)).toEqual([
      "scripts/lib/pulumi.ts",
    ]);
  });

  it("every script ends through the shared runner, so exit codes mean the same everywhere", () => {
    // The backup scheduler is no operator command: it is bundled into the backup container and runs
    // there as a daemon, without commander or @pulumi/pulumi (components/backup.ts).
    const entryPoints = sources.filter(
      (s) => !s.file.startsWith("scripts/lib/") && s.file !== "scripts/backup-scheduler.ts",
    );
    expect(entryPoints.length).toBeGreaterThan(8);
    for (const s of entryPoints) {
      expect(s.text, s.file).toMatch(/\brunMain\("/);
      expect(s.text, s.file).not.toMatch(/process\.exit\(/);
    }
  });
});
