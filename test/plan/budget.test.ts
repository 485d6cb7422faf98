import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { enabledServices, memoryBudgetMiB, renderMemoryTable } from "../../config/budget";
import { parseSettings } from "../../config/settings";
import { VPS_CONFIG, evaluate } from "./mocks";
import { containers, isJob, serviceOf } from "./lookups";

/** Services with a long-running container in the plan, and the memory limits they declare. */
async function planned(config: Record<string, string>, stack: string) {
  const plan = await evaluate(config, stack);
  const running = containers(plan).filter((c) => !isJob(c));
  return {
    services: running.map(serviceOf).sort(),
    memory: running.reduce((sum, c) => sum + Number(c.inputs.memory), 0),
  };
}

describe("doctor's memory budget is the plan's", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["local defaults", {}, "local"],
    [
      "local without AI, metrics or MinIO",
      {
        "ownstack:ollama": "false",
        "ownstack:qdrant": "false",
        "ownstack:prometheus": "false",
        "ownstack:storageBackend": "file",
      },
      "local",
    ],
    ["local without logs", { "ownstack:logs": "false" }, "local"],
    ["vps", VPS_CONFIG, "vps"],
    ["vps with logs", { ...VPS_CONFIG, "ownstack:logs": "true" }, "vps"],
  ];
  for (const [name, config, stack] of cases) {
    it(`${name}: the enabled services are the containers the program declares, with the same limits`, async () => {
      const settings = parseSettings(config, stack);
      const plan = await planned(config, stack);
      expect(enabledServices(settings)).toEqual(plan.services);
      expect(memoryBudgetMiB(settings)).toBe(plan.memory);
    });
  }
});

describe("the README's memory table", () => {
  it("is the table of the limits the plan uses", () => {
    expect(readFileSync(join(__dirname, "../../README.md"), "utf8")).toContain(
      renderMemoryTable().trim(),
    );
  });
});
