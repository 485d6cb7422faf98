import { describe, expect, it } from "vitest";
import { REPLICATION_HBA_LINE, WAL_ARCHIVE_PATHS } from "../../components/render/walArchive";
import { Plan, planBeforeAll } from "./mocks";
import { byType, container, env } from "./lookups";

/**
 * Point-in-time recovery on the plan: with the defaults the db container archives WAL into its
 * own protected volume every 60 s at most, the backup scheduler mounts that volume at the same
 * path, and `pitr: false` leaves the db container as it was before PITR existed. Turning PITR on
 * or off changes the db container's command, uploads and volumes: Docker replaces db once
 * (a restart of Postgres; the data volume stays).
 */

const VOLUME = "docker:index/volume:Volume";
const mounts = (plan: Plan, service: string): Record<string, string> =>
  Object.fromEntries(
    (
      container(plan, service).inputs.volumes as { containerPath: string; volumeName: string }[]
    ).map((v) => [v.containerPath, v.volumeName]),
  );
const command = (plan: Plan) => container(plan, "db").inputs.command as string[];
const uploads = (plan: Plan): Record<string, string> =>
  Object.fromEntries(
    (container(plan, "db").inputs.uploads as { file: string; content: string }[]).map((u) => [
      u.file,
      u.content,
    ]),
  );

describe("point-in-time recovery, defaults (local)", () => {
  const plan = planBeforeAll();

  it("the db container archives WAL with archive_timeout 60 s into the WAL volume", () => {
    expect(command(plan)).toEqual(
      expect.arrayContaining([
        "archive_mode=on",
        `archive_command=/bin/sh ${WAL_ARCHIVE_PATHS.script} %p %f ${WAL_ARCHIVE_PATHS.dir}`,
        "archive_timeout=60s",
      ]),
    );
    expect(mounts(plan, "db")[WAL_ARCHIVE_PATHS.dir]).toBe("ownstack-local-db-wal");
    expect(uploads(plan)[WAL_ARCHIVE_PATHS.script]).toMatch(/gzip -1 -c "\$src" > "\$tmp"/);
    expect(uploads(plan)["/etc/ownstack/db-start.sh"]).toContain(REPLICATION_HBA_LINE);
  });

  it("the WAL volume is protected and retained like the data volume", () => {
    const wal = byType(plan, VOLUME).find((v) => v.name === "ownstack-local-db-wal")!;
    expect(wal.options).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("the backup scheduler mounts the archive at the same path and knows the PITR settings", () => {
    expect(mounts(plan, "backup")[WAL_ARCHIVE_PATHS.dir]).toBe("ownstack-local-db-wal");
    expect(env(container(plan, "backup"))).toMatchObject({
      OWNSTACK_WAL_DIR: WAL_ARCHIVE_PATHS.dir,
      OWNSTACK_PITR_RETENTION_DAYS: "7",
      OWNSTACK_WAL_ARCHIVE_TIMEOUT_SECONDS: "60",
    });
  });
});

describe("point-in-time recovery, configured", () => {
  const plan = planBeforeAll({
    "ownstack:walArchiveTimeoutSeconds": "30",
    "ownstack:pitrRetentionDays": "14",
  });

  it("walArchiveTimeoutSeconds and pitrRetentionDays reach db and the scheduler", () => {
    expect(command(plan)).toContain("archive_timeout=30s");
    expect(env(container(plan, "backup"))).toMatchObject({
      OWNSTACK_PITR_RETENTION_DAYS: "14",
      OWNSTACK_WAL_ARCHIVE_TIMEOUT_SECONDS: "30",
    });
  });
});

describe.each([
  ["pitr off", { "ownstack:pitr": "false" }],
  ["backup off", { "ownstack:backup": "false" }],
])("point-in-time recovery with %s", (_, config) => {
  const plan = planBeforeAll(config);

  it("the db container has no archiving, no WAL volume and no extra start steps", () => {
    expect(command(plan).join(" ")).not.toMatch(/archive/);
    expect(Object.keys(mounts(plan, "db"))).not.toContain(WAL_ARCHIVE_PATHS.dir);
    expect(Object.keys(uploads(plan))).not.toContain(WAL_ARCHIVE_PATHS.script);
    expect(uploads(plan)["/etc/ownstack/db-start.sh"]).not.toContain("replication");
    expect(byType(plan, VOLUME).map((v) => v.name)).not.toContain("ownstack-local-db-wal");
  });
});
