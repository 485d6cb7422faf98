import { configKey } from "./schema";

/**
 * Which PostgreSQL major the data on the db volume is, and whether the db image can run it. A
 * server refuses a data directory of another major ("database files are incompatible with
 * server", PG_VERSION in the data folder), so a major bump of the image would leave the database
 * down; the program refuses it before any resource instead, and `npm run pg-upgrade` moves the
 * data and records the new major here.
 */

/**
 * The db's volumes as components/database.ts declares them (`<prefix>-<purpose>`, components/container.ts
 * dataVolume); `dbDataVolume` replaces the data one after an upgrade.
 */
export const dbDataVolumeName = (prefix: string): string => `${prefix}-db-data`;
export const dbConfigVolumeName = (prefix: string): string => `${prefix}-db-config`;

/**
 * The PostgreSQL major a supabase/postgres tag runs (`supabase/postgres:17.6.1.136` → 17; upstream
 * tags start with the server version). Undefined for a tag that does not say (a digest, `custom`).
 */
export function imageMajor(image: string): number | undefined {
  const tag = /:([^/@]+)(?:@.*)?$/.exec(image)?.[1];
  const major = tag === undefined ? undefined : /^(\d+)\./.exec(tag)?.[1];
  return major === undefined ? undefined : Number(major);
}

export interface DbDataInput {
  readonly stack: string;
  readonly prefix: string;
  readonly target: string;
  readonly dataMajor: number;
  readonly dataVolume: string;
  readonly dbImage: string;
}

/** One problem when the db image's major is not the data's (Docker targets; CNPG upgrades itself). */
export function dbDataMajorProblems(c: DbDataInput): string[] {
  if (c.target === "kubernetes") return [];
  const major = imageMajor(c.dbImage);
  if (major === undefined || major === c.dataMajor) return [];
  const volume = c.dataVolume !== "" ? c.dataVolume : dbDataVolumeName(c.prefix);
  return [
    `${configKey("dbDataMajor")}: the data on volume ${volume} is PostgreSQL ${c.dataMajor}, but the db image ${c.dbImage} runs PostgreSQL ${major}, which cannot start on it. ` +
      `Upgrade the data with: npm run pg-upgrade -- -s ${c.stack} (backup first, upgrades a copy, checks row counts, then sets ${configKey("dbDataMajor")}: ${major}); ` +
      `or keep a PostgreSQL ${c.dataMajor} image (${configKey("imageOverrides")}: ["db=supabase/postgres:${c.dataMajor}.…"]). ` +
      `A new stack with no data yet: set ${configKey("dbDataMajor")}: ${major}`,
  ];
}
