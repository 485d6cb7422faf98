import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  LOG_SOURCES,
  LogSource,
  TOKEN_ENV,
  VECTOR_API_ADDRESS,
  renderKubernetesVectorYaml,
  renderVectorYaml,
  vectorConfig,
} from "../../components/render/vector";

/**
 * No Vector binary can be had from npm or Debian here, so `vector validate` does not run in the
 * tests: these check the topology Vector would check (every input exists, nothing dangles), where
 * logs go, and that the file carries no secret. The VRL programs are upstream's, not re-checked.
 */

const containers = Object.fromEntries(
  (Object.keys(LOG_SOURCES) as LogSource[]).map((s) => [s, `ownstack-local-${s}`]),
) as Record<LogSource, string>;
const input = {
  stack: "local",
  containers,
  self: "ownstack-local-vector",
  analyticsUrl: "http://analytics:4000",
  dockerHost: "tcp://docker-proxy:2375",
};
const config = parse(renderVectorYaml(input)) as {
  api: { enabled: boolean; address: string };
  sources: Record<string, { type: string; include_labels: string[]; exclude_containers: string[] }>;
  transforms: Record<
    string,
    { type: string; inputs: string[]; route?: Record<string, string>; source?: string }
  >;
  sinks: Record<
    string,
    { type: string; inputs: string[]; uri: string; request: { headers: Record<string, string> } }
  >;
};

/** Every component id an `inputs` entry may name: sources, transforms and the route outputs. */
function outputs(): Set<string> {
  const ids = new Set([...Object.keys(config.sources), ...Object.keys(config.transforms)]);
  for (const [id, t] of Object.entries(config.transforms))
    for (const r of Object.keys(t.route ?? {})) ids.add(`${id}.${r}`);
  return ids;
}

describe("vector.yml", () => {
  it("round-trips through YAML to the object it was rendered from", () => {
    expect(config).toEqual(JSON.parse(JSON.stringify(vectorConfig(input))));
  });

  it("wires every input to a component that exists", () => {
    const ids = outputs();
    const inputs = [...Object.values(config.transforms), ...Object.values(config.sinks)].flatMap(
      (c) => c.inputs,
    );
    expect(inputs.filter((i) => !ids.has(i))).toEqual([]);
  });

  it("leaves no source, transform or route output unread", () => {
    const read = new Set(
      [...Object.values(config.transforms), ...Object.values(config.sinks)].flatMap(
        (c) => c.inputs,
      ),
    );
    const routeOutputs = [...outputs()].filter((id) => id.includes("."));
    expect([...Object.keys(config.sources), ...routeOutputs].filter((id) => !read.has(id))).toEqual(
      [],
    );
    // A transform is read by another transform or a sink; `router` by its route outputs.
    const unread = Object.keys(config.transforms).filter(
      (id) => !read.has(id) && ![...read].some((r) => r.startsWith(`${id}.`)),
    );
    expect(unread).toEqual([]);
  });

  it("has the topology of upstream's vector.yml: one route per service, one Logflare source per sink", () => {
    const topology = Object.fromEntries(
      Object.entries(config.sinks).map(([id, s]) => [id, { inputs: s.inputs, uri: s.uri }]),
    );
    expect(topology).toMatchInlineSnapshot(`
      {
        "logflare_auth": {
          "inputs": [
            "auth_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=gotrue.logs.prod",
        },
        "logflare_db": {
          "inputs": [
            "db_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=postgres.logs",
        },
        "logflare_functions": {
          "inputs": [
            "functions_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=deno-relay-logs",
        },
        "logflare_kong": {
          "inputs": [
            "kong_err",
            "kong_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=cloudflare.logs.prod",
        },
        "logflare_realtime": {
          "inputs": [
            "realtime_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=realtime.logs.prod",
        },
        "logflare_rest": {
          "inputs": [
            "rest_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=postgREST.logs.prod",
        },
        "logflare_storage": {
          "inputs": [
            "storage_logs",
          ],
          "uri": "http://analytics:4000/api/logs?source_name=storage.logs.prod.2",
        },
      }
    `);
  });

  it("routes each service by the container name Docker reports", () => {
    expect(config.transforms.router.route).toEqual(
      Object.fromEntries(
        (Object.keys(LOG_SOURCES) as LogSource[]).map((s) => [
          s,
          `match(string(.appname) ?? "", r'^ownstack-local-${s}(-[0-9a-f]{8})?$')`,
        ]),
      ),
    );
  });

  it("posts every sink to analytics on the private network, never through the public gateway", () => {
    for (const sink of Object.values(config.sinks)) {
      expect(sink.type).toBe("http");
      expect(new URL(sink.uri).origin).toBe("http://analytics:4000");
    }
  });

  it("reads only this stack's containers through the Docker API proxy, not its own output, and keeps its API on loopback", () => {
    expect(config.sources.docker_host).toEqual({
      type: "docker_logs",
      docker_host: "tcp://docker-proxy:2375",
      include_labels: ["ownstack.stack=local"],
      exclude_containers: ["ownstack-local-vector"],
    });
    expect(config.api).toEqual({ enabled: true, address: VECTOR_API_ADDRESS });
    expect(VECTOR_API_ADDRESS.startsWith("127.0.0.1:")).toBe(true);
  });

  it("takes the ingest token from the environment: the file holds no secret", () => {
    for (const sink of Object.values(config.sinks))
      expect(sink.request.headers["x-api-key"]).toBe(`\${${TOKEN_ENV}?${TOKEN_ENV} is required}`);
    // Nothing in the text looks like a generated token (long runs of letters and digits).
    expect(renderVectorYaml(input).match(/[A-Za-z0-9]{32,}/g)).toBeNull();
  });
});

describe("vector.yml for the kubernetes agent", () => {
  const k8s = parse(
    renderKubernetesVectorYaml({
      namespace: "ownstack-k8s",
      dataDir: "/var/lib/vector/ownstack-k8s",
      analyticsUrl: "http://analytics:4000",
    }),
  );

  it("differs from Docker's only in the source and how an event names its service", () => {
    expect(k8s.sinks).toEqual(config.sinks);
    const { project_logs: k8sShape, router: k8sRouter, ...k8sPrograms } = k8s.transforms;
    const { project_logs: dockerShape, router, ...programs } = config.transforms;
    expect(k8sPrograms).toEqual(programs);
    expect(k8sShape.inputs).toEqual(["pod_logs"]);
    expect(dockerShape.inputs).toEqual(["docker_host"]);
    expect(Object.keys(k8sRouter.route)).toEqual(Object.keys(router.route!));
    expect(k8s.sources).toEqual({
      pod_logs: {
        type: "kubernetes_logs",
        self_node_name: "${VECTOR_SELF_NODE_NAME}",
        extra_field_selector: "metadata.namespace=ownstack-k8s",
      },
    });
  });

  it("names a service by its pod label, CloudNativePG's instances as db, and routes on that name", () => {
    expect(k8s.transforms.project_logs.source).toContain(
      '.appname = .kubernetes.pod_labels."app.kubernetes.io/name"',
    );
    expect(k8s.transforms.project_logs.source).toMatch(
      /if exists\(\.kubernetes\.pod_labels\."cnpg\.io\/cluster"\) \{\n {2}\.appname = "db"\n\}/,
    );
    expect(k8s.transforms.router.route.db).toBe(
      `match(string(.appname) ?? "", r'^db(-[0-9a-f]{8})?$')`,
    );
    expect(k8s.data_dir).toBe("/var/lib/vector/ownstack-k8s");
  });
});
