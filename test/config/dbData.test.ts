import { describe, expect, it } from "vitest";
import { itRefuses, problemsOf } from "./problems";
import { imageMajor } from "../../config/dbData";
import { IMAGES } from "../../config/images";
import { parseSettings } from "../../config/settings";

const dbImage = (image: string) => ({ "ownstack:imageOverrides": JSON.stringify([`db=${image}`]) });

describe("a db image of another PostgreSQL major than the data is refused before any resource", () => {
  itRefuses("local", [
    [
      "an 18 image on the default 17 data, naming the volume, both images' majors and the command",
      dbImage("supabase/postgres:18.1.0.1"),
      "ownstack:dbDataMajor: the data on volume ownstack-local-db-data is PostgreSQL 17, but the db image supabase/postgres:18.1.0.1 runs PostgreSQL 18, which cannot start on it. Upgrade the data with: npm run pg-upgrade -- -s local",
    ],
    [
      "a 15 image on 17 data (a downgrade)",
      dbImage("supabase/postgres:15.8.1.085"),
      "runs PostgreSQL 15, which cannot start on it",
    ],
    [
      "the pinned 17 image on upgraded 18 data, naming the upgraded volume",
      { "ownstack:dbDataMajor": "18", "ownstack:dbDataVolume": "ownstack-local-db-data-pg18" },
      `the data on volume ownstack-local-db-data-pg18 is PostgreSQL 18, but the db image ${IMAGES.db} runs PostgreSQL 17`,
    ],
    [
      "a data major that is no PostgreSQL version",
      { "ownstack:dbDataMajor": '"seventeen"' },
      'ownstack:dbDataMajor: expected a PostgreSQL major version such as 17, got "seventeen"',
    ],
    [
      "a volume name Docker would not take",
      { "ownstack:dbDataVolume": "my volume" },
      'ownstack:dbDataVolume: expected a Docker volume name such as "ownstack-local-db-data-pg18"',
    ],
  ]);

  it("names the stack in the command on vps too, and says how a new stack starts on the new major", () => {
    const [problem] = problemsOf(
      {
        ...dbImage("supabase/postgres:18.1.0.1"),
        "ownstack:domain": "example.com",
        "ownstack:acmeEmail": "ops@example.com",
        "ownstack:target": "vps",
      },
      "vps",
    ).filter((p) => p.startsWith("ownstack:dbDataMajor"));
    expect(problem).toContain("npm run pg-upgrade -- -s vps");
    expect(problem).toContain("A new stack with no data yet: set ownstack:dbDataMajor: 18");
  });

  it("accepts the pin on default data, an upgraded stack's image and volume, and an image whose tag names no version", () => {
    expect(problemsOf({})).toEqual([]);
    const upgraded = parseSettings(
      {
        ...dbImage("supabase/postgres:18.1.0.1"),
        "ownstack:dbDataMajor": "18",
        "ownstack:dbDataVolume": "ownstack-local-db-data-pg18",
      },
      "local",
    );
    expect(upgraded.db).toEqual({ dataMajor: 18, dataVolume: "ownstack-local-db-data-pg18" });
    expect(problemsOf(dbImage(`registry.example.com/pg@sha256:${"ab".repeat(32)}`))).toEqual([]);
  });

  it.each([
    ["supabase/postgres:17.6.1.136", 17],
    ["supabase/postgres:15.8.1.085", 15],
    ["registry.example.com:5000/supabase/postgres:18.1.0.1", 18],
    [`supabase/postgres:17.6.1.136@sha256:${"ab".repeat(32)}`, 17],
    ["supabase/postgres:custom", undefined],
    [`supabase/postgres@sha256:${"ab".repeat(32)}`, undefined],
  ])("reads the major of %s", (image, major) => {
    expect(imageMajor(image)).toBe(major);
  });

  it("the default data major is the pinned image's", () => {
    expect(imageMajor(IMAGES.db)).toBe(parseSettings({}, "local").db.dataMajor);
  });
});
