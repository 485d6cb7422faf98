import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EDGES, edgeKey, reachabilityMarkdown } from "../../config/edges";
import { ADDRESSES, SERVICES, type ServiceName } from "../../config/services";
import { EVERY_SERVICE, Plan, PlannedResource, VPS_CONFIG, planBeforeAll } from "./mocks";
import { containers, env, hasContainer, serviceOf } from "./lookups";

/**
 * The edge table (config/edges.ts) against the plan: every `host:port` a container's env, command,
 * entrypoint or uploaded config file points at, and every `*_HOST`/`*_HOSTNAME` env naming a
 * neighbour, must be a row of the table, so the table cannot silently miss a connection.
 */

const EVERY_OPTION = { ...EVERY_SERVICE, "ownstack:ollamaModels": '["llama3.2:1b"]' };

/** Network alias -> service, from every alias the table gives a service. */
const SERVICE_OF_ALIAS = new Map<string, ServiceName>(
  SERVICES.flatMap((s) => ADDRESSES[s].aliases.map((a): [string, ServiceName] => [a, s])),
);
const ALIAS = [...SERVICE_OF_ALIAS.keys()]
  .sort((a, b) => b.length - a.length)
  .map((a) => a.replace(/[.]/g, "\\."))
  .join("|");
/** `alias:port` not inside a longer name (`db:5432`, `@db:5432/`, `http://realtime-dev.supabase-realtime:4000`). */
const HOST_PORT = new RegExp(`(?<![\\w.-])(${ALIAS}):(\\d+)(?![\\w-])`, "g");

/** What a container's process reads: env, command, entrypoint and uploaded files. */
function textOf(c: PlannedResource): string {
  const i = c.inputs;
  return [
    ...(i.envs ?? []),
    ...(i.command ?? []),
    ...(i.entrypoints ?? []),
    ...(i.uploads ?? []).map((u: { content?: string }) => u.content ?? ""),
  ].join("\n");
}

/** The `from -> to:port` connections a container is configured to open. */
export function configuredEdges(c: PlannedResource): string[] {
  const from = serviceOf(c);
  const found = new Set<string>();
  const add = (alias: string, port: number) => {
    const to = SERVICE_OF_ALIAS.get(alias)!;
    if (to !== from) found.add(edgeKey({ from: from as never, to, port }));
  };
  for (const m of textOf(c).matchAll(HOST_PORT)) add(m[1], Number(m[2]));
  const e = env(c);
  for (const [key, value] of Object.entries(e)) {
    const prefix = /^(.*)HOST(NAME)?$/.exec(key);
    if (!prefix || !SERVICE_OF_ALIAS.has(value)) continue;
    const portKey = `${prefix[1]}PORT`;
    add(value, Number(e[portKey] ?? ADDRESSES[SERVICE_OF_ALIAS.get(value)!].port));
  }
  return [...found];
}

const TABLE = new Set(EDGES.map(edgeKey));

function expectEveryConfiguredEdgeInTable(plan: Plan) {
  const configured = containers(plan).flatMap(configuredEdges);
  expect(configured.length).toBeGreaterThan(20);
  expect(configured.filter((e) => !TABLE.has(e))).toEqual([]);
  return new Set(configured);
}

describe.each([
  ["local, defaults", {}, "local"],
  ["local, every option", EVERY_OPTION, "local"],
  ["vps, every option", { ...VPS_CONFIG, ...EVERY_OPTION }, "vps"],
])("the edge table covers the %s plan", (_name, config, stack) => {
  const plan = planBeforeAll(config, stack);

  it("holds every host:port a container is configured to open", () => {
    const configured = expectEveryConfiguredEdgeInTable(plan);
    // The paths Studio and the API depend on are among them, read from the real env/config.
    for (const path of [
      "kong -> meta:8080",
      "studio -> meta:8080",
      "kong -> rest:3000",
      "kong -> storage:5000",
      "kong -> functions:9000",
      "storage -> minio:9000",
      "storage -> db:5432",
      "backup -> db:5432",
      "functions -> kong:8000",
    ].filter((path) => path.split(/ -> |:/, 2).every((s) => hasContainer(plan, s))))
      expect(configured, path).toContain(path);
  });
});

describe("the edge table", () => {
  it("names each connection once, on a port the callee listens on", () => {
    expect(new Set(EDGES.map(edgeKey)).size).toBe(EDGES.length);
    for (const e of EDGES) {
      const a: { port: number; ports?: Record<string, number>; metrics?: { port: number } } =
        ADDRESSES[e.to];
      expect([a.port, ...Object.values(a.ports ?? {}), a.metrics?.port], edgeKey(e)).toContain(
        e.port,
      );
    }
  });

  it("keeps the paths of Studio, logs, webhooks and backups", () => {
    for (const path of [
      "kong -> meta:8080",
      "studio -> analytics:4000",
      "vector -> analytics:4000",
      "db -> kong:8000",
      "db -> functions:9000",
      "kong -> realtime:4000",
      "backup -> minio:9000",
      "prometheus -> rest:3001",
    ])
      expect(TABLE, path).toContain(path);
  });

  it("leaves postgres-meta and PostgREST's admin port to their few callers", () => {
    const callers = (to: string) =>
      EDGES.filter((e) => `${e.to}:${e.port}` === to)
        .map((e) => e.from)
        .sort();
    expect(callers("meta:8080")).toEqual(["kong", "studio"]);
    expect(callers("rest:3001")).toEqual(["prometheus"]);
    expect(callers("postgresExporter:9187")).toEqual(["prometheus"]);
  });

  it("is what README's 'What can reach what' shows (npm run edges:readme regenerates it)", () => {
    const readme = readFileSync("README.md", "utf8");
    const start = readme.indexOf("<!-- edges:start -->\n");
    const end = readme.indexOf("<!-- edges:end -->");
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start + "<!-- edges:start -->\n".length, end)).toBe(reachabilityMarkdown());
  });
});
