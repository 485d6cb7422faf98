import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DB_START_PATHS } from "../../components/render/dbStart";
import { OperatorError } from "../../scripts/lib/operatorError";
import type { UpgradeCheck } from "../../scripts/lib/upgrade/copy";
import { dockerCli } from "../../scripts/lib/upgrade/docker";
import {
  PgUpgradeOptions,
  formatPgUpgradeReport,
  runPgUpgrade,
} from "../../scripts/lib/upgrade/run";
import { fakeCommand, runScript } from "../support/project";

/**
 * The Docker side of `npm run pg-upgrade` against a stand-in docker CLI (images cannot be pulled
 * here): which containers and volumes it makes, in which order, what it never touches, and that
 * the password reaches docker only through the environment. The restore-and-compare step it
 * calls is proven on two real PostgreSQL majors in test/real/pgUpgrade.test.ts.
 */

const PASSWORD = "s3cret-pw";

/**
 * Keeps containers and volumes as files in its folder; the db container runs on PostgreSQL
 * `pgVersion` data. Each call is one line in the log: the arguments, then whether the password
 * came through the environment.
 */
function fakeDocker(opts: { pgVersion?: string; leftover?: string } = {}) {
  const docker = fakeCommand(
    "docker",
    (log) => `#!/bin/sh
state="$(dirname "${log}")/state"; mkdir -p "$state"
echo "$* | pw-env=\${POSTGRES_PASSWORD:+set}" >> "${log}"
last() { for a in "$@"; do l="$a"; done; echo "$l"; }
case "$1" in
  container) [ -e "$state/c-$3" ] ;;
  volume)
    case "$2" in
      inspect) [ -e "$state/v-$3" ] ;;
      create) n=$(last "$@"); touch "$state/v-$n"; echo "$n" ;;
      rm) rm "$state/v-$3" ;;
    esac ;;
  inspect)
    case "$3" in
      "{{.Config.Image}}") echo "supabase/postgres:17.6.1.136" ;;
      "{{.State.Running}}") echo true ;;
      *) printf 'PATH=/usr/bin\\nPOSTGRES_PASSWORD=${PASSWORD}\\n' ;;
    esac ;;
  exec) case "$3" in cat) echo "${opts.pgVersion ?? "17"}" ;; esac ;;
  ps) printf 'ownstack-local-db\\nownstack-local-kong\\nownstack-local-auth\\n' ;;
  create) touch "$state/c-$3" ;;
  cp) (cd "$2" && find . -type f | sort | sed "s|^|  file |") >> "${log}" ;;
  rm) rm "$state/c-$2" ;;
esac
`,
  );
  const state = `${dirname(docker.log)}/state`;
  mkdirSync(state, { recursive: true });
  // The stack's running db; with `leftover`, a volume an earlier attempt left.
  writeFileSync(`${state}/c-ownstack-local-db`, "");
  if (opts.leftover) writeFileSync(`${state}/v-${opts.leftover}`, "");
  return docker;
}

const check = (ok: boolean): UpgradeCheck => ({
  folder: "/backups/local-2026-12-06T04-30-00.000Z",
  fromVersion: "17.6",
  toVersion: "18.1",
  tables: 12,
  mismatches: ok ? [] : ["public.items: 40 → 39"],
  ok,
  restore: {
    folder: "/backups/local-2026-12-06T04-30-00.000Z",
    database: "postgres",
    replaced: false,
    rolesCreated: [],
    tables: 12,
    policies: 3,
    largeObjects: 0,
    storageBuckets: null,
    otherDatabases: [],
    studio: null,
    openWebui: null,
    notes: [],
  },
});

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function upgrade(
  over: Partial<PgUpgradeOptions> & { ok?: boolean; pgVersion?: string; leftover?: string } = {},
) {
  const docker = fakeDocker(over);
  made.push(docker.bin);
  const config: string[] = [];
  const ups: string[] = [];
  const saved = process.env.PATH;
  process.env.PATH = `${docker.bin}:${saved}`;
  const calls = () =>
    existsSync(docker.log) ? readFileSync(docker.log, "utf8").trim().split("\n") : [];
  try {
    const report = await runPgUpgrade({
      stack: "local",
      prefix: "ownstack-local",
      dbContainer: "ownstack-local-db",
      dataVolume: "ownstack-local-db-data",
      configVolume: "ownstack-local-db-config",
      dataMajor: 17,
      newImage: "supabase/postgres:18.1.0.1",
      toMajor: 18,
      jwtExpiry: 3600,
      drill: false,
      docker: dockerCli(undefined),
      backup: async (oldImage) => `/backups/local-2026-12-06T04-30-00.000Z (${oldImage})`,
      upgrade: async () => check(over.ok ?? true),
      setConfig: (k, v) => config.push(`${k}=${v}`),
      dataBytes: async () => 3 * 1024 ** 3,
      up: () => (ups.push("up"), true),
      ...over,
    });
    return { report, calls: calls(), config, ups };
  } catch (err) {
    return { error: err as Error, calls: calls(), config, ups };
  } finally {
    process.env.PATH = saved;
  }
}

const commands = (calls: string[]) =>
  calls.filter((c) => !c.startsWith("  file ")).map((c) => c.split(" | ")[0]);

describe("pg-upgrade on Docker: the command sequence", () => {
  it("stops the other services, upgrades on a volume of its own, swaps by config, keeps the old volume", async () => {
    const { report, calls, config, ups } = await upgrade();
    const cmds = commands(calls);
    const index = (prefix: string) => cmds.findIndex((c) => c.startsWith(prefix));
    expect(cmds.filter((c) => /^stop /.test(c))).toEqual([
      "stop ownstack-local-auth",
      "stop ownstack-local-kong",
      "stop -t 120 ownstack-local-pg-upgrade-pg18",
      "stop -t 120 ownstack-local-db",
    ]);
    expect(cmds).toContain(
      "volume create --label ownstack.stack=local --label ownstack.data=true --label ownstack.pg-major=18 ownstack-local-db-data-pg18",
    );
    // The pgsodium key travels as a copy; the new server never writes the live db-config.
    expect(cmds).toContain(
      "run --rm --user root --entrypoint cp -v ownstack-local-db-config:/from:ro -v ownstack-local-db-config-pg18-scratch:/to supabase/postgres:17.6.1.136 -a /from/. /to/",
    );
    const create = calls.find((c) => c.startsWith("create "))!;
    expect(create).toContain("-e POSTGRES_PASSWORD -e POSTGRES_PORT");
    expect(create).toContain(
      `-v ownstack-local-db-data-pg18:/var/lib/postgresql/data -v ownstack-local-db-config-pg18-scratch:/etc/postgresql-custom --entrypoint /bin/sh supabase/postgres:18.1.0.1 ${DB_START_PATHS.script} postgres`,
    );
    expect(create).toMatch(/\| pw-env=set$/);
    // The init SQL and the start wrapper the stack uploads, rendered by the program's modules.
    expect(calls).toContain("  file ./99-roles.sql");
    expect(calls).toContain("  file ./db-start.sh");
    expect(calls.join("\n")).not.toContain(PASSWORD);
    // The old data volume is never mounted, written or removed.
    expect(cmds.filter((c) => /ownstack-local-db-data( |:|$)/.test(c))).toEqual([]);
    expect(index("start ownstack-local-pg-upgrade-pg18")).toBeLessThan(
      index("stop -t 120 ownstack-local-pg-upgrade-pg18"),
    );
    expect(cmds).toContain("volume rm ownstack-local-db-config-pg18-scratch");
    expect(cmds).not.toContain("volume rm ownstack-local-db-data-pg18");
    expect(cmds.at(-1)).toBe(
      "run --rm --user root --entrypoint sh -v ownstack-local-db-config:/vol supabase/postgres:18.1.0.1 -c mkdir -p /vol/conf.d && chown -R postgres:postgres /vol",
    );
    expect(config).toEqual([
      "ownstack:dbDataVolume=ownstack-local-db-data-pg18",
      "ownstack:dbDataMajor=18",
    ]);
    expect(ups).toEqual(["up"]);
    const text = formatPgUpgradeReport(report!);
    expect(text).toContain(
      "the db now runs on ownstack-local-db-data-pg18; the PostgreSQL 17.6 data stays on ownstack-local-db-data, untouched",
    );
    expect(text).toContain('pulumi config set -s local ownstack:dbDataVolume ""');
    expect(text).toContain("pulumi config set -s local ownstack:dbDataMajor 17");
    expect(text).toContain('ownstack:imageOverrides: ["db=supabase/postgres:17.6.1.136"]');
    expect(text).toContain(
      "supabase/postgres:17.6.1.136 -c mkdir -p /vol/conf.d && chown -R postgres:postgres /vol",
    );
  });

  it("--drill stops nothing, sets nothing and removes its copy", async () => {
    const { report, calls, config, ups } = await upgrade({ drill: true });
    const cmds = commands(calls);
    expect(cmds.filter((c) => /^stop /.test(c))).toEqual([
      "stop -t 120 ownstack-local-pg-upgrade-pg18-drill",
    ]);
    expect(cmds).toContain("volume rm ownstack-local-db-data-pg18-drill");
    expect(cmds).toContain("volume rm ownstack-local-db-config-pg18-drill-scratch");
    expect(cmds.some((c) => c.includes("ownstack-local-db-config:/vol"))).toBe(false);
    expect(config).toEqual([]);
    expect(ups).toEqual([]);
    expect(formatPgUpgradeReport(report!)).toContain(
      "the upgrade will work: run it without --drill",
    );
  });

  it("does not swap a copy whose rows differ: the copy goes, the services start again, the config stays", async () => {
    const { error, calls, config, ups } = await upgrade({ ok: false });
    expect(error).toBeInstanceOf(OperatorError);
    expect(error!.message).toContain(
      "differs from the backup in 1 table (public.items: 40 → 39); not swapped",
    );
    const cmds = commands(calls);
    expect(cmds).toContain("volume rm ownstack-local-db-data-pg18");
    expect(cmds.slice(-2)).toEqual(["start ownstack-local-auth", "start ownstack-local-kong"]);
    expect(cmds).not.toContain("stop -t 120 ownstack-local-db");
    expect(config).toEqual([]);
    expect(ups).toEqual([]);
  });

  it("refuses before any change when dbDataMajor is not what PG_VERSION on the volume says", async () => {
    const { error, calls } = await upgrade({ pgVersion: "15" });
    expect(error?.message).toBe(
      "ownstack:dbDataMajor is 17 but ownstack-local-db runs on PostgreSQL 15 data; set ownstack:dbDataMajor: 15; nothing was changed",
    );
    expect(commands(calls).filter((c) => /^(stop|create|volume create|run)/.test(c))).toEqual([]);
  });

  it("refuses data above --max-size before anything stops, naming the size, the limit and pg_upgrade", async () => {
    let backups = 0;
    const big = await upgrade({
      dataBytes: async () => 60 * 1024 ** 3,
      backup: async () => (backups++, "/backups/x"),
    });
    expect(big.error?.message).toBe(
      "the databases hold 60.0 GiB, more than --max-size 50.0 GiB: pg-upgrade copies by dump and restore, which needs 60.0 GiB more disk for the copy besides the backup and keeps the stack down while it runs; raise --max-size to go ahead (try --drill first to time it), or upgrade in place with pg_upgrade as supabase/supabase docker/utils/upgrade-pg17.sh does; nothing was changed",
    );
    expect(backups).toBe(0);
    expect(commands(big.calls).filter((c) => /^(stop|create|volume create|run)/.test(c))).toEqual(
      [],
    );
    // A raised limit lets the same data through.
    const raised = await upgrade({
      dataBytes: async () => 60 * 1024 ** 3,
      maxBytes: 80 * 1024 ** 3,
    });
    expect(raised.error).toBeUndefined();
    expect(raised.config).toEqual([
      "ownstack:dbDataVolume=ownstack-local-db-data-pg18",
      "ownstack:dbDataMajor=18",
    ]);
  });

  it("refuses what an earlier attempt left, and an image that is no newer major", async () => {
    const left = await upgrade({ leftover: "ownstack-local-db-data-pg18" });
    expect(left.error?.message).toMatch(
      /^volume ownstack-local-db-data-pg18 already exists from an earlier attempt/,
    );
    expect(commands(left.calls).filter((c) => /^(stop|create)/.test(c))).toEqual([]);
    const same = await upgrade({ toMajor: 17, newImage: "supabase/postgres:17.6.1.136" });
    expect(same.error?.message).toMatch(
      /is PostgreSQL 17 and the data is PostgreSQL 17 \(ownstack:dbDataMajor\); nothing to upgrade/,
    );
    expect(same.calls).toEqual([]);
  });
});

describe("npm run pg-upgrade arguments", () => {
  it.each(["abc", "0", "-5", "1e3"])(
    "--max-size %s is refused in one line before the stack is read (exit 2)",
    async (value) => {
      const r = await runScript("pg-upgrade", ["-s", "local", `--max-size=${value}`], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(
        `pg-upgrade: --max-size must be a number of GiB above 0, got "${value}"`,
      );
    },
  );
});
