import { beforeAll, describe, expect, it } from "vitest";
import { ROTATABLE, Rotatable, rotationKey } from "../../config/schema";
import { ROTATION_PLAN } from "../../scripts/lib/rotation-plan";
import { PlannedResource, Plan, VPS_CONFIG, containers, evaluate, label } from "./mocks";

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
    others: changed.filter((r) => !isContainer(r)).map(id).sort(),
  };
}

const rotate = (name: Rotatable, config: Record<string, string> = {}) => ({ ...config, [`ownstack:${rotationKey(name)}`]: "1" });

describe("rotation on the local stack replaces exactly the consumers", () => {
  let base: Plan;
  const diffs = new Map<Rotatable, Diff>();
  beforeAll(async () => {
    base = await evaluate({}, "local");
    for (const name of ROTATABLE) diffs.set(name, diff(base, await evaluate(rotate(name), "local")));
  });

  it("the plan has the services these expectations are about", () => {
    const services = containers(base).map(service);
    expect(services).toEqual(expect.arrayContaining(["db", "auth", "rest", "realtime", "storage", "meta", "studio", "kong", "minio", "redis", "qdrant"]));
  });

  it("jwt: re-signs the API keys and replaces auth, rest, realtime, storage, studio and kong, not db, minio or qdrant", () => {
    const d = diffs.get("jwt")!;
    expect(d.containers).toEqual(["auth", "kong", "realtime", "rest", "storage", "studio"]);
    expect(d.others).toEqual([
      "random:index/randomPassword:RandomPassword::secrets-jwt-secret",
      "time:index/static:Static::secrets-api-keys-issued",
    ]);
  });

  it("postgres: replaces db and every service that logs in, and never touches a volume", () => {
    const d = diffs.get("postgres")!;
    expect(d.containers).toEqual(["auth", "db", "meta", "postgresExporter", "realtime", "rest", "storage", "studio"]);
    expect(d.others).toEqual(["random:index/randomPassword:RandomPassword::secrets-postgres-password"]);
  });

  it("minio: replaces minio, its bucket job and storage, not db or qdrant", () => {
    const d = diffs.get("minio")!;
    expect(d.containers).toEqual(["minio", "minio-createbucket", "storage"]);
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
    expect(d.others).toEqual(["random:index/randomPassword:RandomPassword::secrets-redis-password"]);
  });

  it.each(ROTATABLE.map((n) => [n]))("%s: every replaced container is one the rotation table names", (name) => {
    const d = diffs.get(name as Rotatable)!;
    expect(d.containers.filter((c) => !ROTATION_PLAN[name as Rotatable].restarts.includes(c))).toEqual([]);
  });

  it("no rotation changes a volume or the network", () => {
    for (const d of diffs.values()) expect(d.others.filter((o) => o.startsWith("docker:"))).toEqual([]);
  });
});

describe("rotation on the vps stack", () => {
  it("postgres replaces the same consumers as on local, and Traefik stays", async () => {
    const base = await evaluate(VPS_CONFIG, "vps");
    const d = diff(base, await evaluate(rotate("postgres", VPS_CONFIG), "vps"));
    expect(d.containers).toEqual(["auth", "db", "meta", "postgresExporter", "realtime", "rest", "storage", "studio"]);
  });

  it("dashboard replaces only containers the table names, Kong among them", async () => {
    const base = await evaluate(VPS_CONFIG, "vps");
    const d = diff(base, await evaluate(rotate("dashboard", VPS_CONFIG), "vps"));
    expect(d.containers).toContain("kong");
    expect(d.containers.filter((c) => !ROTATION_PLAN.dashboard.restarts.includes(c))).toEqual([]);
  });
});
