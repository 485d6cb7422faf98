import { describe, expect, it } from "vitest";
import { EDGES } from "../../config/edges";
import { egressNetworkName } from "../../config/networks";
import { parseCidr } from "../../config/networkPool";
import { EVERY_SERVICE, Plan, VPS_CONFIG, planBeforeAll } from "./mocks";
import { containers, publishedBindings, serviceOf } from "./lookups";
import { PlanNetwork, extraPorts, pairsOf, planNetworks, reachable, tablePairs } from "./reach";

/**
 * Issue #22 on the Docker stacks: which container can open which container's port, computed from
 * the plan's networks (test/plan/reach.ts), against the edge table (config/edges.ts).
 *
 * Docker networks have neither ports nor a direction: a pair network lets the caller open every
 * port of the callee, and the callee every port of the caller. So the comparison is on unordered
 * pairs, exact; what a pair gives beyond the table's `from -> to:port` is listed below as accepted.
 */

const EVERY_OPTION = { ...EVERY_SERVICE, "ownstack:ollamaModels": '["llama3.2:1b"]' };
const unordered = (pairs: Iterable<string>) =>
  new Set([...pairs].map((p) => p.split(" -> ").sort().join(" <-> ")));
const callersOf = (reach: Set<string>, port: string) =>
  [...reach]
    .filter((r) => r.endsWith(` -> ${port}`))
    .map((r) => r.split(" -> ")[0])
    .sort();

/** Why a reachable port beyond the table is there: the pair's other ports, or the reverse way. */
function expectOnlyPairConsequences(extra: string[]) {
  const pairs = new Set(EDGES.map((e) => `${e.from} -> ${e.to}`));
  for (const r of extra) {
    const [from, to] = r.replace(/:\d+$/, "").split(" -> ");
    expect(pairs.has(`${from} -> ${to}`) || pairs.has(`${to} -> ${from}`), r).toBe(true);
  }
}

function expectReachIsTheTable(plan: Plan) {
  const reach = reachable(planNetworks(plan));
  expect(unordered(pairsOf(reach))).toEqual(unordered(tablePairs(plan)));
  const table = EDGES.map((e) => `${e.from} -> ${e.to}:${e.port}`);
  const present = new Set(containers(plan).map(serviceOf));
  for (const e of table.filter((t) => t.split(/ -> |:/, 2).every((s) => present.has(s))))
    expect(reach, e).toContain(e);
  expectOnlyPairConsequences(extraPorts(reach));
  return reach;
}

describe.each([
  ["local, defaults", {}, "local"],
  ["local, every option", EVERY_OPTION, "local"],
  ["vps, defaults", VPS_CONFIG, "vps"],
  ["vps, every option", { ...VPS_CONFIG, ...EVERY_OPTION }, "vps"],
])("the %s plan's Docker networks", (_name, config, stack) => {
  const plan = planBeforeAll(config, stack);
  const prefix = `ownstack-${stack}`;

  it("let each container open exactly its edges' containers, no pair more, none missing", () => {
    expectReachIsTheTable(plan);
  });

  it("keep Postgres, postgres-meta, PostgREST's admin port and the exporters to their few callers", () => {
    const reach = reachable(planNetworks(plan));
    const present = new Set(containers(plan).map(serviceOf));
    const dbUsers = EDGES.filter((e) => e.to === "db").map((e) => e.from);
    // kong: the reverse of db -> kong (Database Webhooks); Docker networks have no direction.
    expect(callersOf(reach, "db:5432")).toEqual(
      [...dbUsers, "kong"].filter((s) => present.has(s)).sort(),
    );
    // db: the reverse of meta -> db, the server postgres-meta administers.
    expect(callersOf(reach, "meta:8080")).toEqual(["db", "kong", "studio"]);
    // PostgREST's admin port shares the pairs of its API port (kong, storage) and db's reverse.
    const restAdmin = callersOf(reach, "rest:3001");
    expect(restAdmin).toEqual(
      ["db", "kong", "prometheus", "storage"].filter((s) => present.has(s)),
    );
    for (const exporter of ["postgresExporter:9187", "redisExporter:9121"]) {
      const callers = callersOf(reach, exporter);
      // Besides Prometheus, only the one server each exporter reads (the reverse way).
      expect(
        callers.filter((c) => !["prometheus", "db", "redis"].includes(c)),
        exporter,
      ).toEqual([]);
    }
    for (const outsider of ["imgproxy", "ollama", "functions"])
      expect(callersOf(reach, "meta:8080"), outsider).not.toContain(outsider);
    for (const outsider of ["imgproxy", "ollama"])
      expect(callersOf(reach, "db:5432"), outsider).not.toContain(outsider);
  });

  it("keep Studio, logs, functions, storage, realtime, webhooks and backups on their paths", () => {
    const reach = reachable(planNetworks(plan));
    const present = new Set(containers(plan).map(serviceOf));
    for (const path of [
      "studio -> meta:8080",
      "kong -> meta:8080",
      "studio -> analytics:4000",
      "vector -> analytics:4000",
      "kong -> functions:9000",
      "kong -> storage:5000",
      "storage -> minio:9000",
      "storage -> imgproxy:5001",
      "kong -> realtime:4000",
      "db -> kong:8000",
      "db -> functions:9000",
      "backup -> db:5432",
      "backup -> minio:9000",
      "traefik -> kong:8000",
    ].filter((p) => p.split(/ -> |:/, 2).every((s) => present.has(s))))
      expect(reach, path).toContain(path);
  });

  it("are internal except the egress network, whose members cannot talk to each other", () => {
    const networks = planNetworks(plan);
    const egress = networks.filter((n) => !n.internal);
    expect(egress.map((n) => n.name)).toEqual([egressNetworkName(prefix)]);
    expect(egress[0].icc).toBe(false);
    expect(networks.filter((n) => n.internal).every((n) => n.members.length === 2)).toBe(true);
    // A container that publishes a host port needs a network with a route out.
    const publishers = [...new Set(publishedBindings(plan).map((b) => b.service))];
    const onEgress = egress[0].members.map((m) => m.service);
    for (const p of publishers) expect(onEgress, p).toContain(p);
    expect(onEgress).not.toContain("meta");
    expect(onEgress).not.toContain("imgproxy");
  });

  it("each have their own subnet inside the pool, none overlapping", () => {
    const networks = planNetworks(plan);
    const pool = parseCidr("10.201.0.0/16")!;
    const ranges = networks.map((n) => parseCidr(n.subnet)!);
    for (const r of ranges) expect(Math.floor(r.base / 65536)).toBe(pool.base / 65536);
    const starts = ranges.map((r) => r.base);
    expect(new Set(starts).size).toBe(networks.length);
    const sorted = [...ranges].sort((a, b) => a.base - b.base);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i].base).toBeGreaterThanOrEqual(
        sorted[i - 1].base + 2 ** (32 - sorted[i - 1].prefix),
      );
  });

  it("answer to the callee's aliases only where it is called", () => {
    const meta = planNetworks(plan).find((n) => n.name === `${prefix}-net-db-meta`) as PlanNetwork;
    expect(meta.members).toEqual(
      expect.arrayContaining([
        { service: "db", aliases: ["db"] },
        { service: "meta", aliases: [] },
      ]),
    );
  });
});

describe("the accepted extra ports on the every-option plans", () => {
  const local = planBeforeAll(EVERY_OPTION, "local");
  const vps = planBeforeAll({ ...VPS_CONFIG, ...EVERY_OPTION }, "vps");

  it("local: every port a pair opens beyond the table's, listed", () => {
    expect(extraPorts(reachable(planNetworks(local)))).toMatchInlineSnapshot(`
      [
        "analytics -> studio:3000",
        "analytics -> vector:9001",
        "auth -> kong:8000",
        "auth -> kong:8100",
        "auth -> mail:8025",
        "auth -> prometheus:9090",
        "backup -> minio:9001",
        "backup -> prometheus:9090",
        "db -> analytics:4000",
        "db -> auth:9100",
        "db -> auth:9999",
        "db -> backup:9188",
        "db -> kong:8100",
        "db -> meta:8080",
        "db -> openWebui:8080",
        "db -> postgresExporter:9187",
        "db -> realtime:4000",
        "db -> rest:3000",
        "db -> rest:3001",
        "db -> storage:5000",
        "db -> studio:3000",
        "db -> supavisor:4000",
        "dockerProxy -> vector:9001",
        "functions -> kong:8100",
        "imgproxy -> storage:5000",
        "kong -> auth:9100",
        "kong -> db:5432",
        "kong -> prometheus:9090",
        "kong -> rest:3001",
        "mail -> auth:9100",
        "mail -> auth:9999",
        "meta -> kong:8000",
        "meta -> kong:8100",
        "meta -> studio:3000",
        "minio -> backup:9188",
        "minio -> prometheus:9090",
        "minio -> storage:5000",
        "minio-createbucket -> minio:9001",
        "ollama -> openWebui:8080",
        "postgresExporter -> prometheus:9090",
        "prometheus -> auth:9999",
        "prometheus -> grafana:3000",
        "prometheus -> kong:8000",
        "prometheus -> minio:9001",
        "prometheus -> rest:3000",
        "qdrant -> openWebui:8080",
        "qdrant -> prometheus:9090",
        "realtime -> kong:8000",
        "realtime -> kong:8100",
        "realtime -> prometheus:9090",
        "redis -> redisExporter:9121",
        "redisExporter -> prometheus:9090",
        "rest -> kong:8000",
        "rest -> kong:8100",
        "rest -> prometheus:9090",
        "rest -> storage:5000",
        "storage -> kong:8000",
        "storage -> kong:8100",
        "storage -> minio:9001",
        "storage -> prometheus:9090",
        "storage -> rest:3001",
        "studio -> kong:8100",
      ]
    `);
  });

  it("vps: every port a pair opens beyond the table's, listed", () => {
    expect(extraPorts(reachable(planNetworks(vps)))).toMatchInlineSnapshot(`
      [
        "analytics -> studio:3000",
        "analytics -> vector:9001",
        "auth -> kong:8000",
        "auth -> kong:8100",
        "auth -> mail:8025",
        "auth -> prometheus:9090",
        "backup -> minio:9001",
        "backup -> prometheus:9090",
        "db -> analytics:4000",
        "db -> auth:9100",
        "db -> auth:9999",
        "db -> backup:9188",
        "db -> kong:8100",
        "db -> meta:8080",
        "db -> postgresExporter:9187",
        "db -> realtime:4000",
        "db -> rest:3000",
        "db -> rest:3001",
        "db -> storage:5000",
        "db -> studio:3000",
        "db -> supavisor:4000",
        "dockerProxy -> traefik:443",
        "dockerProxy -> traefik:80",
        "dockerProxy -> traefik:8082",
        "dockerProxy -> vector:9001",
        "functions -> kong:8100",
        "grafana -> traefik:443",
        "grafana -> traefik:80",
        "grafana -> traefik:8082",
        "imgproxy -> storage:5000",
        "kong -> auth:9100",
        "kong -> db:5432",
        "kong -> prometheus:9090",
        "kong -> rest:3001",
        "kong -> traefik:443",
        "kong -> traefik:80",
        "kong -> traefik:8082",
        "mail -> auth:9100",
        "mail -> auth:9999",
        "mail -> traefik:443",
        "mail -> traefik:80",
        "mail -> traefik:8082",
        "meta -> kong:8000",
        "meta -> kong:8100",
        "meta -> studio:3000",
        "minio -> backup:9188",
        "minio -> prometheus:9090",
        "minio -> storage:5000",
        "minio-createbucket -> minio:9001",
        "postgresExporter -> prometheus:9090",
        "prometheus -> auth:9999",
        "prometheus -> grafana:3000",
        "prometheus -> kong:8000",
        "prometheus -> minio:9001",
        "prometheus -> rest:3000",
        "prometheus -> traefik:443",
        "prometheus -> traefik:80",
        "qdrant -> prometheus:9090",
        "realtime -> kong:8000",
        "realtime -> kong:8100",
        "realtime -> prometheus:9090",
        "redis -> redisExporter:9121",
        "redisExporter -> prometheus:9090",
        "rest -> kong:8000",
        "rest -> kong:8100",
        "rest -> prometheus:9090",
        "rest -> storage:5000",
        "storage -> kong:8000",
        "storage -> kong:8100",
        "storage -> minio:9001",
        "storage -> prometheus:9090",
        "storage -> rest:3001",
        "studio -> kong:8100",
        "traefik -> kong:8100",
        "traefik -> mail:1025",
      ]
    `);
  });

  it("catch a hand-added network join: imgproxy on the db and meta network", () => {
    const db = local.resources.find((r) => r.inputs.name === "ownstack-local-net-db-meta")!;
    const tampered: Plan = {
      ...local,
      resources: local.resources.map((r) =>
        serviceOf(r) === "imgproxy" && r.type === "docker:index/container:Container"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                networksAdvanced: [...r.inputs.networksAdvanced, { name: db.inputs.name }],
              },
            }
          : r,
      ),
    };
    const reach = reachable(planNetworks(tampered));
    expect(reach).toContain("imgproxy -> meta:8080");
    expect(reach).toContain("imgproxy -> db:5432");
    expect(() => expectReachIsTheTable(tampered)).toThrow();
  });
});
