import { describe, expect, it } from "vitest";
import { planBeforeAll } from "./mocks";
import { byType, container } from "./lookups";

/**
 * After `npm run pg-upgrade` the db mounts the upgraded copy (`dbDataVolume`); the stack's own
 * volume stays declared, protected and kept, holding the old major's data for a rollback.
 */

const dataMount = (volumes: unknown) =>
  (volumes as { containerPath: string; volumeName: string }[]).find(
    (v) => v.containerPath === "/var/lib/postgresql/data",
  )?.volumeName;

describe("the db's data volume before and after a major upgrade", () => {
  const before = planBeforeAll({}, "local");
  const after = planBeforeAll(
    {
      "ownstack:imageOverrides": '["db=supabase/postgres:18.1.0.1"]',
      "ownstack:dbDataMajor": "18",
      "ownstack:dbDataVolume": "ownstack-local-db-data-pg18",
    },
    "local",
  );

  it("mounts the stack's own volume until an upgrade names another", () => {
    expect(dataMount(container(before, "db").inputs.volumes)).toBe("ownstack-local-db-data");
    expect(dataMount(container(after, "db").inputs.volumes)).toBe("ownstack-local-db-data-pg18");
    expect(container(after, "db").inputs.image).toBeDefined();
  });

  it("keeps the old volume declared, protected and kept on destroy: the rollback is a config flip", () => {
    const volumes = (plan: typeof before) =>
      byType(plan, "docker:index/volume:Volume")
        .filter((v) => v.name === "ownstack-local-db-data")
        .map((v) => ({
          name: v.inputs.name,
          protect: v.options.protect,
          retainOnDelete: v.options.retainOnDelete,
        }));
    expect(volumes(after)).toEqual(volumes(before));
    expect(volumes(after)).toEqual([
      { name: "ownstack-local-db-data", protect: true, retainOnDelete: true },
    ]);
  });
});
