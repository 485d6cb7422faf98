import { describe, expect, it } from "vitest";
import { SCHEDULER_ENV } from "../../config/backupEnv";
import { Plan, VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, env } from "./lookups";

interface Mount {
  readonly volumeName: string;
  readonly containerPath: string;
  readonly readOnly?: boolean;
}

const mountAt = (plan: Plan, service: string, path: string): Mount | undefined =>
  (container(plan, service).inputs.volumes as Mount[]).find((v) => v.containerPath === path);

// Studio keeps saved snippets and the Edge Functions it edits on two volumes, not in Postgres:
// the backup scheduler reads both, read-only, so every scheduled backup carries them.
describe.each([
  ["local", {}],
  ["vps", VPS_CONFIG],
])("%s stack: the backup scheduler reads Studio's folders", (stack, config) => {
  const plan = planBeforeAll(config, stack);

  it("mounts Studio's snippets and Edge Functions volumes read-only under the folder its env names", () => {
    const root = env(container(plan, "backup"))[SCHEDULER_ENV.studioMount];
    expect(root).toBe("/mnt/ownstack-studio");
    for (const [studioPath, folder] of [
      ["/app/snippets", "snippets"],
      ["/app/edge-functions", "edge-functions"],
    ]) {
      const studio = mountAt(plan, "studio", studioPath);
      expect(studio?.volumeName, studioPath).toBeDefined();
      expect(mountAt(plan, "backup", `${root}/${folder}`)).toEqual({
        volumeName: studio!.volumeName,
        containerPath: `${root}/${folder}`,
        readOnly: true,
      });
    }
  });
});
