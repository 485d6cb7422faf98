import { describe, expect, it } from "vitest";
import { peakMemoryMiB, memoryBudgetMiB, rolloutOverlapMiB } from "../../config/budget";
import { ROLLING_SERVICES } from "../../config/rollout";
import { parseSettings } from "../../config/settings";
import { EVERY_SERVICE, Plan, VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import { container, containers, isJob, serviceOf } from "./lookups";

/**
 * Zero-downtime updates on vps: the stateless tiers are replaced create-before-delete under a
 * revision name, everything else delete-first; local stays delete-first throughout.
 */

const VPS = { ...VPS_CONFIG, ...EVERY_SERVICE };
const rolling = (s: string) => (ROLLING_SERVICES as readonly string[]).includes(s);
const names = (plan: Plan) =>
  Object.fromEntries(
    containers(plan)
      .filter((c) => !isJob(c))
      .map((c) => [serviceOf(c), c.inputs.name as string]),
  );

describe("vps: rollouts", () => {
  const plan = planBeforeAll(VPS, "vps");

  it("Kong, auth, rest, storage, meta, studio, imgproxy and functions are replaced create-before-delete under a revision name", () => {
    for (const service of ROLLING_SERVICES) {
      const c = container(plan, service);
      expect([service, c.options.deleteBeforeReplace]).toEqual([service, false]);
      expect(c.inputs.name).toMatch(new RegExp(`^ownstack-vps-${service}-[0-9a-f]{8}$`));
    }
  });

  it("db, Realtime, Traefik and every other service stay delete-first under their fixed name", () => {
    const others = containers(plan).filter((c) => !rolling(serviceOf(c)));
    expect(others.map(serviceOf)).toEqual(expect.arrayContaining(["db", "realtime", "traefik"]));
    for (const c of others) {
      expect([c.name, c.options.deleteBeforeReplace]).toEqual([c.name, true]);
      expect(c.inputs.name).not.toMatch(/-[0-9a-f]{8}$/);
    }
  });

  it("the backup scheduler, which scripts reach by its fixed name (doctor, restore --drill), never rolls out", () => {
    expect(rolling("backup")).toBe(false);
    expect(container(plan, "backup").inputs.name).toBe("ownstack-vps-backup");
  });

  it("Open WebUI stays delete-first: two of its versions would share one database being migrated and no Redis", async () => {
    const chat = await evaluate({ ...VPS, "ownstack:openWebui": "true" }, "vps");
    expect(rolling("openWebui")).toBe(false);
    const c = container(chat, "openWebui");
    expect([c.inputs.name, c.options.deleteBeforeReplace]).toEqual([
      "ownstack-vps-openWebui",
      true,
    ]);
  });

  it("no rolling service publishes a host port, which two revisions could not share", () => {
    for (const service of ROLLING_SERVICES)
      expect(container(plan, service).inputs.ports).toEqual([]);
  });

  it("Traefik labels and network aliases name no revision, so both revisions are routed alike", () => {
    for (const service of ROLLING_SERVICES) {
      const c = container(plan, service);
      const text = JSON.stringify([c.inputs.labels, c.inputs.networksAdvanced]);
      expect(text).not.toContain(c.inputs.name);
    }
  });

  it("changing one service's image renames only that container", async () => {
    const changed = await evaluate(
      { ...VPS, "ownstack:imageOverrides": '["rest=postgrest/postgrest:v14.16"]' },
      "vps",
    );
    const before = names(plan);
    const after = names(changed);
    const renamed = Object.keys(before).filter((s) => before[s] !== after[s]);
    expect(renamed).toEqual(["rest"]);
    expect(container(changed, "rest").options.deleteBeforeReplace).toBe(false);
  });

  it("a memory-only change (an in-place docker update) renames nothing", async () => {
    const changed = await evaluate(
      { ...VPS, "ownstack:memoryLimits": '["rest=200MiB","kong=400MiB"]' },
      "vps",
    );
    expect(container(changed, "rest").inputs.memory).toBe(200);
    expect(names(changed)).toEqual(names(plan));
  });

  it("the same inputs give the same revision on every run", async () => {
    expect(names(await evaluate(VPS, "vps"))).toEqual(names(plan));
  });
});

describe("local: no rollouts", () => {
  const plan = planBeforeAll(EVERY_SERVICE, "local");

  it("every container is delete-first under its fixed name (local publishes host ports)", () => {
    for (const c of containers(plan)) {
      expect([c.name, c.options.deleteBeforeReplace]).toEqual([c.name, true]);
      if (!isJob(c)) expect(c.inputs.name).toBe(`ownstack-local-${serviceOf(c)}`);
    }
  });
});

describe("memory budget with rollouts", () => {
  it("vps counts every enabled rolling service twice at the peak: one update can replace them all at once", () => {
    const settings = parseSettings(VPS, "vps");
    const overlap = ROLLING_SERVICES.reduce((sum, s) => sum + settings.memoryMiB[s], 0);
    expect(rolloutOverlapMiB(settings)).toBe(overlap);
    expect(peakMemoryMiB(settings)).toBe(memoryBudgetMiB(settings) + overlap);
  });

  it("vps without the optional rolling services counts only the core ones", () => {
    const settings = parseSettings(VPS_CONFIG, "vps");
    const core = ["auth", "kong", "meta", "rest", "storage", "studio"] as const;
    const optional = ["functions", "imgproxy"].filter(
      (s) => (settings.features as unknown as Record<string, boolean>)[s],
    ) as ("functions" | "imgproxy")[];
    expect(rolloutOverlapMiB(settings)).toBe(
      [...core, ...optional].reduce((sum, s) => sum + settings.memoryMiB[s], 0),
    );
  });

  it("local has no overlap", () => {
    const settings = parseSettings(EVERY_SERVICE, "local");
    expect(rolloutOverlapMiB(settings)).toBe(0);
    expect(peakMemoryMiB(settings)).toBe(memoryBudgetMiB(settings));
  });
});
