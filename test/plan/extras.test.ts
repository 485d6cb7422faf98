import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations } from "../../components/migrations";
import { exposureViolations } from "../../config/exposure";
import { parseSettings } from "../../config/settings";
import { IMAGES } from "../../config/images";
import { EXTRAS_ON, Plan, VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import {
  container,
  containers,
  env,
  hasContainer,
  isJob,
  publishedBindings,
  serviceOf,
  waitsFor,
} from "./lookups";

const job = (plan: Plan, name: string) => {
  const found = containers(plan).find((c) => serviceOf(c) === name && isJob(c));
  if (!found) throw new Error(`no job ${name}`);
  return found;
};
const uploads = (c: { inputs: Record<string, any> }): Record<string, string> =>
  Object.fromEntries(
    (c.inputs.uploads ?? []).map(
      (u: { file: string; content?: string; contentBase64?: string }) => [
        u.file,
        u.content ?? Buffer.from(u.contentBase64 ?? "", "base64").toString(),
      ],
    ),
  );
const kongServices = (plan: Plan) =>
  parse(uploads(container(plan, "kong"))["/home/kong/kong.yml"]).services;

describe("local defaults: imgproxy on, the other extras off, migrations always", () => {
  const plan = planBeforeAll();

  it("runs imgproxy on the private network only, and turns on Storage's image transformations", () => {
    const imgproxy = container(plan, "imgproxy");
    expect(imgproxy.inputs.healthcheck.tests).toEqual(["CMD", "imgproxy", "health"]);
    expect(imgproxy.inputs.memory).toBe(256);
    expect(imgproxy.inputs.ports ?? []).toEqual([]);
    // MinIO backend: originals come from presigned MinIO URLs, not from a shared volume.
    expect(imgproxy.inputs.volumes ?? []).toEqual([]);
    expect(env(imgproxy).IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES).toBe("true");
    const storage = env(container(plan, "storage"));
    expect([storage.ENABLE_IMAGE_TRANSFORMATION, storage.IMGPROXY_URL]).toEqual([
      "true",
      "http://imgproxy:5001",
    ]);
  });

  it("has no Edge Functions, Supavisor or Grafana unless asked", () => {
    for (const service of ["functions", "supavisor", "grafana"])
      expect(hasContainer(plan, service), service).toBe(false);
    expect(kongServices(plan).some((s: { name: string }) => s.name === "functions-v1")).toBe(false);
  });

  it("runs the migration job on the db image after db, auth and storage are healthy", () => {
    const migrations = job(plan, "migrations");
    expect(migrations.inputs.image).toBe(`sha256:${IMAGES.db}`);
    expect(migrations.inputs.entrypoints).toEqual(["/bin/sh", "/ownstack/migrate.sh"]);
    expect(waitsFor(plan, migrations)).toEqual(["auth", "db", "storage"]);
    expect(env(migrations)).toMatchObject({
      PGHOST: "db",
      PGPORT: "5432",
      PGPASSWORD: plan.outputs.postgresPassword,
      PGCLIENTENCODING: "UTF8",
    });
    expect(migrations.secretInputs.has("envs")).toBe(true);
    const files = Object.keys(uploads(migrations));
    expect(files).toEqual([
      "/ownstack/apply.sql",
      "/ownstack/bootstrap.sql",
      "/ownstack/migrate.sh",
      "/ownstack/migrations.list",
      "/ownstack/runner.sql",
      "/ownstack/webhooks.sql",
    ]);
    expect(uploads(migrations)["/ownstack/bootstrap.sql"]).toContain("CREATE DATABASE _supabase");
    // Database Webhooks for data volumes created before 98-webhooks.sql, ahead of user migrations.
    expect(uploads(migrations)["/ownstack/webhooks.sql"]).toContain(
      "CREATE OR REPLACE FUNCTION supabase_functions.http_request()",
    );
    expect(uploads(migrations)["/ownstack/migrate.sh"]).toMatch(
      /-f bootstrap\.sql\n(#.*\n)?run -U supabase_admin -f webhooks\.sql\nrun -U postgres -f runner\.sql/,
    );
  });

  it("creates the _supabase database on a fresh data directory as well", () => {
    const init = uploads(container(plan, "db"));
    expect(init["/docker-entrypoint-initdb.d/migrations/97-_supabase.sql"]).toMatch(/\\gexec\n$/);
    expect(init["/docker-entrypoint-initdb.d/migrations/99-pooler.sql"]).toContain(
      "CREATE SCHEMA IF NOT EXISTS _supavisor",
    );
  });
});

describe("every extra switched on, locally", () => {
  const plan = planBeforeAll({ ...EXTRAS_ON, "ownstack:storageBackend": "file" });

  it("runs edge-runtime with ownstack's router and the example function, verifying JWTs against the JWKS", () => {
    const functions = container(plan, "functions");
    expect(functions.inputs.command).toEqual([
      "start",
      "--user-worker-request-idle-timeout",
      "150000",
      "--main-service",
      "/home/deno/functions/main",
    ]);
    expect(functions.inputs.healthcheck.tests).toEqual([
      "CMD-SHELL",
      "timeout 1 bash -c '</dev/tcp/127.0.0.1/9000'",
    ]);
    expect(functions.inputs.ports ?? []).toEqual([]);
    // The runtime serves from Studio's Edge Functions volume, seeded with the project's functions.
    const studioFunctions = container(plan, "studio").inputs.volumes.find(
      (v: { containerPath: string }) => v.containerPath === "/app/edge-functions",
    );
    expect(functions.inputs.volumes).toContainEqual(
      expect.objectContaining({
        volumeName: studioFunctions.volumeName,
        containerPath: "/home/deno/functions",
      }),
    );
    const files = uploads(functions);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        "/home/deno/functions/main/index.ts",
        "/home/deno/functions/main/auth.ts",
        "/home/deno/functions/hello/index.ts",
      ]),
    );
    expect(files["/home/deno/functions/main/index.ts"]).toContain("EdgeRuntime.userWorkers.create");
    const vars = env(functions);
    expect(vars.SUPABASE_JWKS).toBe(env(container(plan, "rest")).PGRST_JWT_SECRET);
    expect(JSON.parse(vars.SUPABASE_PUBLISHABLE_KEYS)).toEqual({
      default: plan.outputs.publishableKey,
    });
    expect(vars.VERIFY_JWT).toBe("true");
    expect(vars.SUPABASE_URL).toBe("http://kong:8000");
    expect(plan.outputs.functionNames).toEqual(["hello"]);
  });

  it("routes /functions/v1/ through Kong with upstream's 150 s timeout and no key-auth (the router checks)", () => {
    const route = kongServices(plan).find((s: { name: string }) => s.name === "functions-v1");
    expect(route).toMatchObject({
      url: "http://functions:9000/",
      read_timeout: 160000,
      routes: [{ paths: ["/functions/v1/"], strip_path: true }],
    });
    expect(route.plugins.map((p: { name: string }) => p.name)).toEqual(["cors"]);
  });

  it("publishes Supavisor's session and transaction ports on 127.0.0.1 only, after _supabase exists", () => {
    const supavisor = container(plan, "supavisor");
    expect(supavisor.inputs.ports).toEqual([
      { internal: 5432, external: 5432, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 6543, external: 6543, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    expect(waitsFor(plan, supavisor)).toEqual(["db", "migrations"]);
    const vars = env(supavisor);
    expect(vars.DATABASE_URL).toBe(
      `ecto://supabase_admin:${plan.outputs.postgresPassword}@db:5432/_supabase`,
    );
    expect(vars.POOLER_TENANT_ID).toBe("local");
    expect(vars.VAULT_ENC_KEY).toHaveLength(32);
    expect(supavisor.inputs.command[2]).toBe(
      '/app/bin/migrate && /app/bin/supavisor eval "$(cat /etc/pooler/pooler.exs)" && /app/bin/server',
    );
    const exs = uploads(supavisor)["/etc/pooler/pooler.exs"];
    expect(exs).toContain('"auth_query" => "SELECT * FROM pgbouncer.get_auth($1)"');
    expect(exs).not.toContain(String(plan.outputs.postgresPassword));
    expect(plan.outputs.poolerUrl).toBe(
      `postgres://postgres.local:${plan.outputs.postgresPassword}@127.0.0.1:5432/postgres`,
    );
    expect(plan.secretOutputs.has("poolerUrl")).toBe(true);
  });

  it("mounts the file backend's volume read-only into imgproxy", () => {
    const volumeName = container(plan, "storage").inputs.volumes[0].volumeName;
    expect(container(plan, "imgproxy").inputs.volumes).toEqual([
      { volumeName, containerPath: "/var/lib/storage", readOnly: true },
    ]);
  });

  it("provisions Grafana with Prometheus as its data source, on 127.0.0.1", () => {
    const grafana = container(plan, "grafana");
    expect(grafana.inputs.ports).toEqual([
      { internal: 3000, external: 3030, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    const source = parse(uploads(grafana)["/etc/grafana/provisioning/datasources/ownstack.yaml"]);
    expect(source.datasources).toEqual([
      expect.objectContaining({
        type: "prometheus",
        url: "http://prometheus:9090",
        isDefault: true,
      }),
    ]);
    expect(env(grafana).GF_SECURITY_ADMIN_PASSWORD).toBe(plan.outputs.dashboardPassword);
    expect(plan.outputs.grafanaUrl).toBe("http://127.0.0.1:3030");
  });

  it("gives every extra a memory limit and a healthcheck, and keeps the exposure policy", () => {
    for (const service of ["functions", "supavisor", "imgproxy", "grafana"]) {
      const c = container(plan, service);
      expect(c.inputs.memory, service).toBeGreaterThan(0);
      expect(c.inputs.healthcheck.tests.length, service).toBeGreaterThan(0);
    }
    expect(exposureViolations("local", publishedBindings(plan))).toEqual([]);
  });
});

describe("vps: the pooler is never public, and imgproxy stays off unless asked", () => {
  const plan = planBeforeAll(
    { ...VPS_CONFIG, "ownstack:supavisor": "true", "ownstack:functions": "true" },
    "vps",
  );

  it("publishes nothing for Supavisor or the functions", () => {
    expect(container(plan, "supavisor").inputs.ports ?? []).toEqual([]);
    expect(container(plan, "functions").inputs.ports ?? []).toEqual([]);
    expect(exposureViolations("vps", publishedBindings(plan))).toEqual([]);
    expect(plan.outputs.poolerUrl).toBeUndefined();
    expect(plan.outputs.poolerUser).toBe("postgres.vps");
  });

  it("leaves image transformations off without imgproxy", () => {
    expect(hasContainer(plan, "imgproxy")).toBe(false);
    expect(env(container(plan, "storage")).ENABLE_IMAGE_TRANSFORMATION).toBe("false");
  });
});

describe("migration files from the configured folder", () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "ownstack-plan-migrations-"));
    writeFileSync(join(folder, "10_second.sql"), "ALTER TABLE t ADD COLUMN b int;\n");
    writeFileSync(join(folder, "9_first.sql"), "CREATE TABLE t (a int);\n");
    writeFileSync(join(folder, "notes.txt"), "not a migration");
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("ships them in version order with the seed, and lists them as an output", async () => {
    const seed = join(folder, "..", `${folder.split("/").pop()}-seed.sql`);
    writeFileSync(seed, "INSERT INTO t VALUES (1);\n");
    const plan = await evaluate({ "ownstack:migrationsPath": folder, "ownstack:seedPath": seed });
    rmSync(seed);
    const files = uploads(job(plan, "migrations"));
    expect(files["/ownstack/migrations.list"]).toBe("9 9_first.sql\n10 10_second.sql\n");
    expect(files["/ownstack/migrations/9_first.sql"]).toBe("CREATE TABLE t (a int);\n");
    expect(files["/ownstack/seed.sql"]).toBe("INSERT INTO t VALUES (1);\n");
    expect(plan.outputs.migrationFiles).toEqual(["9_first.sql", "10_second.sql", "seed.sql"]);
  });

  it("refuses misnamed files, duplicate versions and a missing configured seed with the config, naming the key", () => {
    const settings = (config: Record<string, string>) =>
      parseSettings({ "ownstack:migrationsPath": folder, ...config }, "local");
    writeFileSync(join(folder, "add-things.sql"), "SELECT 1;");
    writeFileSync(join(folder, "09_again.sql"), "SELECT 1;");
    expect(() => settings({})).toThrow(
      `ownstack:migrationsPath: ${folder}/9_first.sql: version 9 is already used by 09_again.sql\n` +
        `  - ownstack:migrationsPath: ${folder}/add-things.sql: expected <digits>_<name>.sql such as 20240101120000_create_todos.sql`,
    );
    rmSync(join(folder, "add-things.sql"));
    rmSync(join(folder, "09_again.sql"));
    expect(() => settings({ "ownstack:seedPath": join(folder, "nope.sql") })).toThrow(
      /ownstack:seedPath: .*nope\.sql does not exist/,
    );
    // The default seed path may be absent: nothing to seed.
    expect(loadMigrations(settings({})).seed).toBeUndefined();
  });
});
