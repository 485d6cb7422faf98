import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APPLY_SQL,
  MIGRATE_SH,
  RUNNER_SQL,
  migrationList,
} from "../../components/render/migrations";
import { SEED_VERSION, planMigrations } from "../../config/migrationFiles";
import { renderBootstrapSql } from "../../components/render/initSql";
import { renderWebhooksSql } from "../../components/render/webhooksSql";
import { missingBinaries } from "../support/binaries";
import { Cluster, startCluster } from "../support/postgres";
import { withLogin } from "../support/sql";
import { withoutPgNet } from "../support/supabaseInit";

const PASSWORD = "migrations-test-password";
const sha256 = (text: string) =>
  createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");

let cluster: Cluster;
let port: number;

/** `run` as postgres on one connection to `database`, with the NOTICEs the server sent it. */
const withClient = <T>(database: string, run: (c: pg.Client, notices: string[]) => Promise<T>) =>
  withLogin(
    { host: "127.0.0.1", port },
    "postgres",
    PASSWORD,
    (client) => {
      const notices: string[] = [];
      client.on("notice", (n) => notices.push(n.message ?? ""));
      return run(client, notices);
    },
    database,
  );

beforeAll(async () => {
  cluster = await startCluster({ prefix: "ownstack-migrations-", password: PASSWORD });
  port = cluster.port;
  // Production runs the bootstrap as supabase_admin; the image provides that role.
  await withClient("postgres", (c) =>
    c.query(`CREATE ROLE supabase_admin SUPERUSER LOGIN PASSWORD '${PASSWORD}'`),
  );
  // The image's API roles and extensions schema, which the job's webhooks.sql grants to and uses.
  await withClient("postgres", (c) =>
    c.query(
      "CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN; CREATE ROLE service_role NOLOGIN; CREATE SCHEMA extensions",
    ),
  );
});

afterAll(async () => {
  await cluster?.dispose();
});

describe("migration runner (SQL, on a real Postgres)", () => {
  const apply = (c: pg.Client, version: string, name: string, body: string) =>
    c
      .query<{ status: string }>("SELECT ownstack.apply_migration($1, $2, $3) AS status", [
        version,
        name,
        body,
      ])
      .then((r) => r.rows[0].status);

  const files = [
    {
      name: "10_add_done.sql",
      body: "ALTER TABLE todos ADD COLUMN done boolean NOT NULL DEFAULT false;\n",
    },
    {
      name: "9_create_todos.sql",
      body: "CREATE TABLE todos (id serial PRIMARY KEY, title text NOT NULL);\nINSERT INTO todos (title) VALUES ('first');\n",
    },
  ];

  beforeAll(async () => {
    await withClient("postgres", async (c) => {
      await c.query("CREATE DATABASE runner_sql");
    });
    await withClient("runner_sql", (c) => c.query(RUNNER_SQL));
  });

  it("applies files in numeric version order, each exactly once, recording checksums", async () => {
    const { migrations, problems } = planMigrations(files);
    expect(problems).toEqual([]);
    expect(migrations.map((m) => m.name)).toEqual(["9_create_todos.sql", "10_add_done.sql"]);
    await withClient("runner_sql", async (c) => {
      for (const m of migrations) expect(await apply(c, m.version, m.name, m.body)).toBe("applied");
      const ledger = await c.query(
        "SELECT version, name, checksum FROM ownstack.schema_migrations ORDER BY applied_at, version",
      );
      expect(ledger.rows).toEqual(
        migrations.map((m) => ({ version: m.version, name: m.name, checksum: sha256(m.body) })),
      );
      expect((await c.query("SELECT title, done FROM todos")).rows).toEqual([
        { title: "first", done: false },
      ]);
    });
  });

  it("is idempotent: a second run skips everything and changes nothing", async () => {
    await withClient("runner_sql", async (c) => {
      await c.query(RUNNER_SQL);
      for (const m of planMigrations(files).migrations)
        expect(await apply(c, m.version, m.name, m.body)).toBe("skipped");
      expect(Number((await c.query("SELECT count(*) FROM todos")).rows[0].count)).toBe(1);
      expect(
        Number((await c.query("SELECT count(*) FROM ownstack.schema_migrations")).rows[0].count),
      ).toBe(2);
    });
  });

  it("stops a failing migration with its file name and the SQL error, keeping earlier ones applied", async () => {
    const body = "CREATE TABLE tags (name text);\nINSERT INTO missing_table VALUES (1);\n";
    await withClient("runner_sql", async (c) => {
      const error = await apply(c, "11", "11_broken.sql", body).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toBe(
        'migration 11_broken.sql failed: relation "missing_table" does not exist',
      );
      expect((error as { code?: string }).code).toBe("42P01");
      // The failing file rolled back as a whole; the earlier ones stayed.
      expect((await c.query("SELECT to_regclass('tags') AS t")).rows[0].t).toBeNull();
      expect(
        (await c.query("SELECT version FROM ownstack.schema_migrations ORDER BY version")).rows.map(
          (r) => r.version,
        ),
      ).toEqual(["10", "9"]);
    });
  });

  it("reports a changed, already-applied file as drift and does not re-run it", async () => {
    const changed = files[1].body.replace("'first'", "'changed'");
    await withClient("runner_sql", async (c, notices) => {
      expect(await apply(c, "9", "9_create_todos.sql", changed)).toBe("drift");
      expect(notices.join("\n")).toContain(
        `drift: 9_create_todos.sql was applied as 9_create_todos.sql with checksum ${sha256(files[1].body)}`,
      );
      expect(notices.join("\n")).toContain(`now has checksum ${sha256(changed)}`);
      expect((await c.query("SELECT title FROM todos")).rows).toEqual([{ title: "first" }]);
      const drift = await c.query("SELECT * FROM ownstack.migration_drift($1, $2)", [
        ["9", "10"],
        [sha256(changed), sha256(files[0].body)],
      ]);
      expect(drift.rows).toEqual([
        {
          version: "9",
          name: "9_create_todos.sql",
          recorded: sha256(files[1].body),
          current: sha256(changed),
        },
      ]);
    });
  });

  it("names every misnamed file and duplicate version at once", () => {
    const { problems } = planMigrations([
      { name: "create_todos.sql", body: "" },
      { name: "20240101_a.sql", body: "" },
      { name: "20240101_b.sql", body: "" },
      { name: "20240102_bad name.sql", body: "" },
    ]);
    expect(problems).toEqual([
      "create_todos.sql: expected <digits>_<name>.sql such as 20240101120000_create_todos.sql",
      "20240101_b.sql: version 20240101 is already used by 20240101_a.sql",
      "20240102_bad name.sql: expected <digits>_<name>.sql such as 20240101120000_create_todos.sql",
    ]);
  });
});

const hasPsql =
  missingBinaries(["psql"], "the migration job shell test", "postgresql-client").length === 0;

describe.skipIf(!hasPsql)("migration job (the production shell loop through psql)", () => {
  let job: string;
  const env = () => ({
    ...process.env,
    OWNSTACK_JOB_ROOT: job,
    PGHOST: "127.0.0.1",
    PGPORT: String(port),
    PGPASSWORD: PASSWORD,
    PGDATABASE: "postgres",
    PGCLIENTENCODING: "UTF8",
  });
  const runJob = () => spawnSync("sh", [join(job, "migrate.sh")], { env: env(), encoding: "utf8" });
  // Quotes, dollar quotes, psql-looking :vars and trailing blank lines must reach Postgres untouched.
  const tricky =
    "CREATE FUNCTION greet(who text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi, ' || who || ' :name' $$;\n\n\n";

  function writeJob(migrations: { name: string; body: string }[], seed?: string) {
    rmSync(job, { recursive: true, force: true });
    mkdirSync(join(job, "migrations"), { recursive: true });
    writeFileSync(join(job, "migrate.sh"), MIGRATE_SH);
    writeFileSync(join(job, "bootstrap.sql"), renderBootstrapSql());
    writeFileSync(join(job, "runner.sql"), RUNNER_SQL);
    writeFileSync(join(job, "webhooks.sql"), withoutPgNet(renderWebhooksSql()));
    writeFileSync(join(job, "apply.sql"), APPLY_SQL);
    const plan = planMigrations(migrations);
    writeFileSync(join(job, "migrations.list"), migrationList(plan.migrations));
    for (const m of plan.migrations) writeFileSync(join(job, "migrations", m.name), m.body);
    if (seed !== undefined) writeFileSync(join(job, "seed.sql"), seed);
  }

  beforeAll(() => {
    job = mkdtempSync(join(tmpdir(), "ownstack-job-"));
  });
  afterAll(() => rmSync(job, { recursive: true, force: true }));

  const first = [
    { name: "20240102000000_greet.sql", body: tricky },
    { name: "20240101000000_notes.sql", body: "CREATE TABLE notes (body text);\n" },
  ];
  const seed = "INSERT INTO notes VALUES ('seeded');\n";

  it("creates _supabase, applies files in order and the seed once, with checksums of the exact bytes", async () => {
    writeJob(first, seed);
    const httpRequest = () =>
      withClient(
        "postgres",
        async (c) =>
          (await c.query("SELECT to_regprocedure('supabase_functions.http_request()')::text AS fn"))
            .rows[0].fn,
      );
    // A database from before ownstack shipped 98-webhooks.sql: the job sets Database Webhooks up.
    expect(await httpRequest()).toBeNull();
    const run = runJob();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "applied 20240101000000_notes.sql",
      "applied 20240102000000_greet.sql",
      "applied seed.sql",
      "ownstack: 2 migration file(s) checked",
    ]);
    expect(await httpRequest()).toBe("supabase_functions.http_request()");
    await withClient("postgres", async (c) => {
      expect((await c.query("SELECT greet('you') AS g")).rows[0].g).toBe("hi, you :name");
      const sums = await c.query(
        "SELECT version, checksum FROM ownstack.schema_migrations ORDER BY version",
      );
      expect(sums.rows).toEqual([
        { version: "20240101000000", checksum: sha256(first[1].body) },
        { version: "20240102000000", checksum: sha256(tricky) },
        { version: SEED_VERSION, checksum: sha256(seed) },
      ]);
    });
    await withClient("_supabase", async (c) => {
      // Data volumes older than the pooler or the log stack get their schemas from the job.
      const schemas = await c.query(
        "SELECT nspname, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname IN ('_analytics', '_supavisor') ORDER BY 1",
      );
      expect(schemas.rows).toEqual([
        { nspname: "_analytics", owner: "supabase_admin" },
        { nspname: "_supavisor", owner: "supabase_admin" },
      ]);
    });
  });

  it("re-runs cleanly: nothing is applied twice and the seed does not run again", async () => {
    const run = runJob();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("skipped 20240101000000_notes.sql");
    expect(run.stdout).toContain("skipped seed.sql");
    await withClient("postgres", async (c) =>
      expect(Number((await c.query("SELECT count(*) FROM notes")).rows[0].count)).toBe(1),
    );
  });

  it("fails the job with the file name and the SQL error, keeping earlier migrations", async () => {
    writeJob([
      ...first,
      { name: "20240103000000_ok.sql", body: "CREATE TABLE ok (x int);\n" },
      { name: "20240104000000_bad.sql", body: "SELECT nope FROM nowhere;\n" },
    ]);
    const run = runJob();
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      'migration 20240104000000_bad.sql failed: relation "nowhere" does not exist',
    );
    expect(run.stderr).toContain(
      "ownstack: 20240104000000_bad.sql failed (see the error above); earlier migrations stay applied",
    );
    await withClient("postgres", async (c) =>
      expect((await c.query("SELECT to_regclass('ok') IS NOT NULL AS ok")).rows[0].ok).toBe(true),
    );
  });

  it("reports drift of an edited, applied file on stderr and carries on", () => {
    writeJob([{ ...first[1], body: "CREATE TABLE notes (body text, edited boolean);\n" }]);
    const run = runJob();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("drift 20240101000000_notes.sql");
    expect(run.stderr).toMatch(/WARNING: +drift: 20240101000000_notes.sql was applied/);
  });

  it("leaves the _supabase bootstrap idempotent", () => {
    expect(() =>
      execFileSync(
        "psql",
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "supabase_admin", "-c", "SELECT 1"],
        { env: env() },
      ),
    ).not.toThrow();
    expect(runJob().status).toBe(0);
  });

  it("a `supabase db diff` migration that adds a Database Webhook (supabase_functions.http_request) applies", async () => {
    writeJob([
      ...first,
      {
        name: "20240105000000_orders.sql",
        body: "CREATE TABLE public.orders (id bigint PRIMARY KEY);\n",
      },
      {
        name: "20240106000000_remote_schema.sql",
        body: `CREATE TRIGGER "order_created" AFTER INSERT ON "public"."orders" FOR EACH ROW EXECUTE FUNCTION "supabase_functions"."http_request"('http://functions:9000/order-created', 'POST', '{"Content-type":"application/json"}', '{}', '5000');\n`,
      },
    ]);
    const run = runJob();
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("applied 20240106000000_remote_schema.sql");
  });
});
