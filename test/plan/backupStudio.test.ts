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

// Open WebUI keeps uploaded documents on its data volume (its chats are in Postgres): the
// scheduler mounts that volume read-only and backs up its uploads folder.
describe.each([
  ["local", {}],
  ["vps", VPS_CONFIG],
])("%s stack: the backup scheduler reads Open WebUI's uploads", (stack, config) => {
  const on = planBeforeAll(
    {
      ...config,
      "ownstack:openWebui": "true",
      "ownstack:ollama": "true",
      "ownstack:qdrant": "true",
    },
    stack,
  );
  const off = planBeforeAll({ ...config, "ownstack:openWebui": "false" }, stack);

  it("mounts Open WebUI's data volume read-only where its env says, only when Open WebUI runs", () => {
    const root = env(container(on, "backup"))[SCHEDULER_ENV.openWebuiMount];
    expect(root).toBe("/mnt/ownstack-openwebui");
    const data = mountAt(on, "openWebui", "/app/backend/data");
    expect(mountAt(on, "backup", root)).toEqual({
      volumeName: data!.volumeName,
      containerPath: root,
      readOnly: true,
    });
    expect(env(container(off, "backup"))[SCHEDULER_ENV.openWebuiMount]).toBeUndefined();
    expect(mountAt(off, "backup", root)).toBeUndefined();
  });
});
