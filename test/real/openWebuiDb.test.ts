import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OPEN_WEBUI_PASSWORD_ENV,
  renderBootstrapSql,
  renderOpenWebuiDbSql,
} from "../../components/render/initSql";
import { OPEN_WEBUI_DB } from "../../config/roles";
import { missingBinaries } from "../support/binaries";
import { Cluster, startCluster } from "../support/postgres";
import { withLogin } from "../support/sql";

const PASSWORD = "openwebui-test-superuser";
const hasPsql =
  missingBinaries(["psql"], "the Open WebUI database bootstrap test", "postgresql-client")
    .length === 0;

describe.skipIf(!hasPsql)("Open WebUI's role and database (bootstrap.sql through psql)", () => {
  let cluster: Cluster;
  let dir: string;
  const { role, database } = OPEN_WEBUI_DB;

  /** The migrations job's bootstrap step: psql as supabase_admin, the password from the env. */
  const bootstrap = (password: string) => {
    const file = join(dir, "bootstrap.sql");
    writeFileSync(file, renderBootstrapSql() + renderOpenWebuiDbSql());
    return spawnSync(
      "psql",
      ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-U", "supabase_admin", "-f", file],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          PGHOST: "127.0.0.1",
          PGPORT: String(cluster.port),
          PGPASSWORD: PASSWORD,
          PGDATABASE: "postgres",
          [OPEN_WEBUI_PASSWORD_ENV]: password,
        },
      },
    );
  };
  const asOpenWebui = (password: string, sql: string) =>
    withLogin(
      { host: "127.0.0.1", port: cluster.port },
      role,
      password,
      (c) => c.query(sql),
      database,
    );

  beforeAll(async () => {
    cluster = await startCluster({ prefix: "ownstack-openwebui-", password: PASSWORD });
    dir = mkdtempSync(join(tmpdir(), "ownstack-openwebui-job-"));
    await withLogin({ host: "127.0.0.1", port: cluster.port }, "postgres", PASSWORD, (c) =>
      c.query(
        `CREATE ROLE supabase_admin SUPERUSER LOGIN PASSWORD '${PASSWORD}'; CREATE ROLE authenticator LOGIN PASSWORD '${PASSWORD}'`,
      ),
    );
  });
  afterAll(async () => {
    await cluster?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the role and its database; Open WebUI can create its tables there", async () => {
    const run = bootstrap("first-password");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    await asOpenWebui("first-password", "CREATE TABLE chat (id text PRIMARY KEY)");
    const owner = await asOpenWebui(
      "first-password",
      "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()",
    );
    expect(owner.rows[0].owner).toBe(role);
  });

  it("re-runs cleanly and applies a rotated password to the existing role, keeping its tables", async () => {
    const run = bootstrap("second-password");
    // The _supabase part notices its schemas exist; nothing of Open WebUI's part speaks.
    expect(run.stderr).not.toMatch(/ERROR|role "openwebui"|database "openwebui"/);
    expect(run.status).toBe(0);
    await expect(asOpenWebui("first-password", "SELECT 1")).rejects.toThrow(/password/);
    const tables = await asOpenWebui(
      "second-password",
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'chat'",
    );
    expect(tables.rows[0].n).toBe(1);
  });

  it("lets no other login role connect to it", async () => {
    await expect(
      withLogin(
        { host: "127.0.0.1", port: cluster.port },
        "authenticator",
        PASSWORD,
        (c) => c.query("SELECT 1"),
        database,
      ),
    ).rejects.toThrow(/permission denied for database/);
  });

  it("never writes the password into the SQL file", () => {
    expect(renderOpenWebuiDbSql()).not.toContain("second-password");
    expect(renderOpenWebuiDbSql()).toContain(
      `\\getenv openwebui_password ${OPEN_WEBUI_PASSWORD_ENV}`,
    );
  });
});
