import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapFiles } from "../../components/k8s/bootstrap";
import { ALL_LOGIN_ROLES } from "../../config/roles";
import { missingBinaries } from "../support/binaries";
import { Cluster, startCluster } from "../support/postgres";
import { IMAGE_ROLES_SQL, Login, loginTable, runSql } from "../support/sql";

/**
 * The kubernetes bootstrap Job's script, run for real through psql against a Postgres whose only
 * role is the engine's superuser `postgres` (what CloudNativePG creates), with a stand-in for the
 * image's SQL folder: its role script, a migration that demotes postgres and one that must run
 * as supabase_admin and only once.
 */

const ADMIN_PASSWORD = "engine-admin-password";
const hasPsql =
  missingBinaries(["psql"], "the kubernetes bootstrap Job test", "postgresql-client").length === 0;

describe.skipIf(!hasPsql)(
  "kubernetes database bootstrap (the Job's shell script through psql)",
  () => {
    let cluster: Cluster;
    let at: Login;
    let root: string;
    beforeAll(async () => {
      cluster = await startCluster({ prefix: "ownstack-k8s-bootstrap-", password: ADMIN_PASSWORD });
      at = { host: "127.0.0.1", port: cluster.port };
      root = mkdtempSync(join(tmpdir(), "ownstack-k8s-job-"));
      const job = join(root, "job");
      mkdirSync(job);
      for (const [name, content] of Object.entries(bootstrapFiles(3600, true)))
        writeFileSync(join(job, name), content);
      const image = join(root, "image");
      mkdirSync(join(image, "init-scripts"), { recursive: true });
      mkdirSync(join(image, "migrations"));
      // The engine already has postgres: the image's role script without that line.
      writeFileSync(
        join(image, "init-scripts", "00-initial-schema.sql"),
        IMAGE_ROLES_SQL.replace(/^CREATE ROLE postgres .*$/m, ""),
      );
      writeFileSync(
        join(image, "migrations", "10000000000000_demote-postgres.sql"),
        "ALTER ROLE postgres NOSUPERUSER;\n",
      );
      // Not idempotent on purpose: a second run must not apply it again.
      writeFileSync(
        join(image, "migrations", "20000000000000_owned.sql"),
        "CREATE TABLE public.image_owned (id int);\n",
      );
    });
    afterAll(async () => {
      await cluster?.dispose();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const run = (password: string, adminPassword = ADMIN_PASSWORD) =>
      spawnSync("sh", [join(root, "job", "bootstrap.sh")], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          OWNSTACK_JOB_ROOT: join(root, "job"),
          OWNSTACK_IMAGE_SQL: join(root, "image"),
          ADMIN_URL: `postgres://postgres:${adminPassword}@127.0.0.1:${at.port}/postgres`,
          PGHOST: "127.0.0.1",
          PGPORT: String(at.port),
          PGDATABASE: "postgres",
          POSTGRES_PASSWORD: password,
        },
      });

    it("creates Supabase's roles and schema, and every login role takes the stack password", async () => {
      const first = run("first-password");
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(first.stdout).toContain("skipping");
      const logins = await loginTable(at, ALL_LOGIN_ROLES, "first-password");
      expect(Object.values(logins).every(Boolean), JSON.stringify(logins)).toBe(true);
      const owner = await runSql(
        at,
        "postgres",
        "first-password",
        "SELECT tableowner FROM pg_tables WHERE tablename = 'image_owned'",
      );
      expect(owner.at(-1)?.rows).toEqual([{ tableowner: "supabase_admin" }]);
    });

    it("leaves the engine's admin a superuser: the demoting migration is skipped", async () => {
      const rows = (
        await runSql(
          at,
          "postgres",
          "first-password",
          "SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'",
        )
      ).at(-1)?.rows;
      expect(rows).toEqual([{ rolsuper: true }]);
    });

    it("applies the database settings Supabase's services read", async () => {
      const rows = (
        await runSql(
          at,
          "postgres",
          "first-password",
          "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = '_realtime')::int AS realtime, (SELECT count(*) FROM pg_database WHERE datname = '_supabase')::int AS supabase",
        )
      ).at(-1)?.rows;
      expect(rows).toEqual([{ realtime: 1, supabase: 1 }]);
    });

    it("creates Logflare's _analytics schema in _supabase, owned by supabase_admin (logs: true)", () => {
      const owner = spawnSync(
        "psql",
        [
          "-X",
          "-tA",
          "-d",
          "_supabase",
          "-c",
          "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = '_analytics'",
        ],
        {
          encoding: "utf8",
          env: {
            PATH: process.env.PATH,
            PGHOST: "127.0.0.1",
            PGPORT: String(at.port),
            PGUSER: "supabase_admin",
            PGPASSWORD: "first-password",
          },
        },
      );
      expect(owner.stderr).toBe("");
      expect(owner.stdout.trim()).toBe("supabase_admin");
    });

    it("reruns as the password rotation: the schema step is skipped, every role takes the new password", async () => {
      // The engine's admin now has the stack password (the script set it); the rotation connects with it.
      const second = run("second-password", "first-password");
      // IF NOT EXISTS notices only.
      expect(second.stderr).not.toMatch(/ERROR|FATAL/);
      expect(second.status).toBe(0);
      expect(second.stdout).not.toContain("image_owned");
      expect(
        Object.values(await loginTable(at, ALL_LOGIN_ROLES, "second-password")).every(Boolean),
      ).toBe(true);
      expect(
        Object.values(await loginTable(at, ALL_LOGIN_ROLES, "first-password")).some(Boolean),
      ).toBe(false);
    });
  },
);
