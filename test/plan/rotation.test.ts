import { beforeAll, describe, expect, it } from "vitest";
import { ROTATABLE, Rotatable, rotationKey } from "../../config/schema";
import { ROTATION_PLAN } from "../../scripts/lib/rotation-plan";
import { DB_COMMAND, DB_START_PATHS, dbHealthcheckTests } from "../../components/render/dbStart";
import {
  PlannedResource,
  Plan,
  VPS_CONFIG,
  container,
  containers,
  env,
  evaluate,
  label,
} from "./mocks";

/**
 * Bumping one rotation counter must change the inputs of exactly the containers that embed that
 * secret (every container input is ForceNew, so a changed input is a replaced container) and of
 * nothing that holds data it does not need to.
 */

const id = (r: PlannedResource) => `${r.type}::${r.name}`;
const service = (c: PlannedResource) => label(c, "ownstack.service") ?? c.name;

interface Diff {
  readonly containers: string[];
  /** Everything else whose inputs changed, as `type::name`. */
  readonly others: string[];
}

function diff(base: Plan, rotated: Plan): Diff {
  const before = new Map(base.resources.map((r) => [id(r), JSON.stringify(r.inputs)]));
  const changed = rotated.resources.filter((r) => before.get(id(r)) !== JSON.stringify(r.inputs));
  const isContainer = (r: PlannedResource) => r.type === "docker:index/container:Container";
  return {
    containers: changed.filter(isContainer).map(service).sort(),
    others: changed
      .filter((r) => !isContainer(r))
      .map(id)
      .sort(),
  };
}

const rotate = (name: Rotatable, config: Record<string, string> = {}) => ({
  ...config,
  [`ownstack:${rotationKey(name)}`]: "1",
});

describe("rotation on the local stack replaces exactly the consumers", () => {
  let base: Plan;
  const diffs = new Map<Rotatable, Diff>();
  beforeAll(async () => {
    base = await evaluate({}, "local");
    for (const name of ROTATABLE)
      diffs.set(name, diff(base, await evaluate(rotate(name), "local")));
  });

  it("the plan has the services these expectations are about", () => {
    const services = containers(base).map(service);
    expect(services).toEqual(
      expect.arrayContaining([
        "db",
        "auth",
        "rest",
        "realtime",
        "storage",
        "meta",
        "studio",
        "kong",
        "minio",
        "qdrant",
        "redis",
        "redisExporter",
        "prometheus",
        "postgresExporter",
        "migrations",
      ]),
    );
  });

  it("jwt: re-signs the API keys and replaces auth, rest, realtime, storage, studio and kong, not db, minio or qdrant", () => {
    const d = diffs.get("jwt")!;
    // Prometheus scrapes Realtime with a metrics JWT signed by the secret.
    expect(d.containers).toEqual([
      "auth",
      "kong",
      "prometheus",
      "realtime",
      "rest",
      "storage",
      "studio",
    ]);
    expect(d.containers.filter((c) => ["db", "minio", "qdrant", "redis"].includes(c))).toEqual([]);
    // The sb_ keys are API keys too, so they follow the JWT counter; the ES256 signing key does not.
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-jwt-secret",
      "random:index/randomString:RandomString::signing-publishable-key",
      "random:index/randomString:RandomString::signing-secret-key",
      "time:index/static:Static::secrets-api-keys-issued",
    ]);
  });

  it("postgres: replaces db and every service that logs in, and never touches a volume", () => {
    const d = diffs.get("postgres")!;
    expect(d.containers).toEqual([
      "analytics",
      "auth",
      "backup",
      "db",
      "meta",
      "migrations",
      "postgresExporter",
      "realtime",
      "rest",
      "storage",
      "studio",
    ]);
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-postgres-password",
    ]);
  });

  it("minio: replaces minio, its bucket job and storage, not db or qdrant", () => {
    const d = diffs.get("minio")!;
    expect(d.containers).toEqual(["backup", "minio", "minio-createbucket", "storage"]);
    expect(d.containers.filter((c) => ["db", "qdrant"].includes(c))).toEqual([]);
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-minio-password",
      "random:index/randomPassword:RandomPassword::secrets-s3-access-key-id",
      "random:index/randomPassword:RandomPassword::secrets-s3-access-key-secret",
      "random:index/randomString:RandomString::secrets-minio-user",
    ]);
  });

  it("redis: replaces redis and its exporter only", () => {
    const d = diffs.get("redis")!;
    expect(d.containers).toEqual(["redis", "redisExporter"]);
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-redis-password",
    ]);
  });

  it("logflare: replaces analytics, vector and Studio (which queries with the private token) only", () => {
    const d = diffs.get("logflare")!;
    expect(d.containers).toEqual(["analytics", "studio", "vector"]);
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-logflare-private-token",
      "random:index/randomPassword:RandomPassword::secrets-logflare-public-token",
    ]);
  });

  it.each(ROTATABLE.map((n) => [n]))(
    "%s: every replaced container is one the rotation table names",
    (name) => {
      const d = diffs.get(name as Rotatable)!;
      expect(
        d.containers.filter((c) => !ROTATION_PLAN[name as Rotatable].restarts.includes(c)),
      ).toEqual([]);
    },
  );

  it("no rotation changes a volume or the network", () => {
    for (const d of diffs.values())
      expect(d.others.filter((o) => o.startsWith("docker:"))).toEqual([]);
  });
});

describe("rotation with every optional consumer on", () => {
  const ALL_ON = {
    "ownstack:functions": "true",
    "ownstack:supavisor": "true",
    "ownstack:grafana": "true",
  };
  // The secrets that Edge Functions, Supavisor or Grafana embed; the others were checked above.
  const WITH_OPTIONAL_CONSUMERS: Rotatable[] = [
    "jwt",
    "postgres",
    "dashboard",
    "realtime",
    "vault",
    "signingKey",
  ];
  const diffs = new Map<Rotatable, Diff>();
  beforeAll(async () => {
    const base = await evaluate(ALL_ON, "local");
    for (const name of WITH_OPTIONAL_CONSUMERS)
      diffs.set(name, diff(base, await evaluate(rotate(name, ALL_ON), "local")));
  });

  it("jwt also replaces Edge Functions and Supavisor", () => {
    expect(diffs.get("jwt")!.containers).toEqual([
      "auth",
      "functions",
      "kong",
      "prometheus",
      "realtime",
      "rest",
      "storage",
      "studio",
      "supavisor",
    ]);
  });

  it("postgres also replaces Edge Functions and Supavisor", () => {
    expect(diffs.get("postgres")!.containers).toEqual([
      "analytics",
      "auth",
      "backup",
      "db",
      "functions",
      "meta",
      "migrations",
      "postgresExporter",
      "realtime",
      "rest",
      "storage",
      "studio",
      "supavisor",
    ]);
  });

  it.each(WITH_OPTIONAL_CONSUMERS.map((n) => [n]))(
    "%s: every replaced container is one the rotation table names",
    (name) => {
      const d = diffs.get(name as Rotatable)!;
      expect(
        d.containers.filter((c) => !ROTATION_PLAN[name as Rotatable].restarts.includes(c)),
      ).toEqual([]);
    },
  );
});

describe("rotation on the vps stack", () => {
  let base: Plan;
  beforeAll(async () => {
    base = await evaluate(VPS_CONFIG, "vps");
  });

  it("postgres replaces db and its clients (Prometheus and its exporter are off by default on vps); Traefik stays", async () => {
    const d = diff(base, await evaluate(rotate("postgres", VPS_CONFIG), "vps"));
    expect(d.containers).toEqual([
      "auth",
      "backup",
      "db",
      "meta",
      "migrations",
      "realtime",
      "rest",
      "storage",
      "studio",
    ]);
  });

  it("dashboard replaces only containers the table names, Kong among them", async () => {
    const d = diff(base, await evaluate(rotate("dashboard", VPS_CONFIG), "vps"));
    expect(d.containers).toContain("kong");
    expect(d.containers.filter((c) => !ROTATION_PLAN.dashboard.restarts.includes(c))).toEqual([]);
  });
});

describe("the db container re-applies the Postgres password on every start", () => {
  it("runs the start wrapper around upstream's command and is healthy only once the password is applied", async () => {
    const db = container(await evaluate({}, "local"), "db");
    expect(db.inputs.entrypoints).toEqual(["/bin/sh", DB_START_PATHS.script]);
    expect(db.inputs.command).toEqual(DB_COMMAND);
    expect(db.inputs.healthcheck.tests).toEqual(dbHealthcheckTests());
    const uploads: { file: string; content: string }[] = db.inputs.uploads;
    expect(uploads.map((u) => u.file)).toEqual(
      expect.arrayContaining([DB_START_PATHS.script, DB_START_PATHS.rotateSql]),
    );
    // The wrapper files read the password from the environment; only init SQL embeds it, as a secret.
    const password = env(db).POSTGRES_PASSWORD;
    expect(
      uploads.filter((u) => u.file.startsWith("/etc/ownstack/") && u.content.includes(password)),
    ).toEqual([]);
    expect(db.secretInputs.has("uploads")).toBe(true);
  });
});
