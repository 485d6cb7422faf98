import { beforeAll, describe, expect, it } from "vitest";
import { ADDRESSES, ServiceName } from "../../config/services";
import { parseSettings } from "../../config/settings";
import { Settings } from "../../config/settings";
import { Plan } from "../plan/mocks";
import { K8S_CONFIG, evaluateK8s, ofKind } from "./harness";
import { manifest, validateBuiltIn } from "./validate";
import { expectedReachability, planPolicies, planReachability } from "./reach";

/**
 * The namespace's NetworkPolicies, read from the k8s plan with Kubernetes' semantics, let through
 * exactly the connections of the edge table (config/edges.ts) and the kubernetes rows
 * (components/k8s/edges.ts): no path more, none less, on the defaults and with every option on.
 */

const EVERY_OPTION = {
  "ownstack:cnpgBackupPath": "s3://backups/ownstack",
  "ownstack:prometheus": "true",
  "ownstack:grafana": "true",
  "ownstack:imgproxy": "true",
  "ownstack:functions": "true",
  "ownstack:logs": "true",
  "ownstack:qdrant": "true",
  "ownstack:redis": "true",
  "ownstack:ollama": "true",
  "ownstack:ollamaGpu": "nvidia",
  "ownstack:ollamaModels": '["llama3.2:1b"]',
  "ownstack:openWebui": "true",
};
const STACKS: Record<string, Record<string, string>> = {
  defaults: {},
  "every option": EVERY_OPTION,
  "every option, Prometheus Operator": {
    ...EVERY_OPTION,
    "ownstack:prometheusOperator": "true",
  },
  "external database": {
    "ownstack:database": "external",
    "ownstack:databaseUrl": "postgres://admin:pw@pg.example.net:5432/postgres",
  },
};

const plans: Record<string, { plan: Plan; settings: Settings }> = {};
beforeAll(async () => {
  for (const [name, config] of Object.entries(STACKS))
    plans[name] = {
      plan: await evaluateK8s(config),
      settings: parseSettings({ ...K8S_CONFIG, ...config }, "k8s"),
    };
});

describe("the NetworkPolicies let through exactly the edge table", () => {
  it.each(Object.keys(STACKS))("%s: no extra path, no missing one", (name) => {
    const { plan, settings } = plans[name];
    const actual = planReachability(plan, settings);
    const expected = expectedReachability(plan, settings);
    expect({
      extra: actual.filter((e) => !expected.includes(e)),
      missing: expected.filter((e) => !actual.includes(e)),
    }).toEqual({ extra: [], missing: [] });
    expect(actual).toContain(edge("namespace:ingress-nginx", "kong"));
  });

  it.each(Object.keys(STACKS))(
    "%s: every NetworkPolicy passes the Kubernetes OpenAPI schema",
    async (name) => {
      const policies = ofKind(plans[name].plan, "NetworkPolicy");
      expect(policies.length).toBeGreaterThan(5);
      for (const p of policies)
        await expect(validateBuiltIn(p.type, manifest(p)), p.name).resolves.toBeUndefined();
    },
  );

  it.each(Object.keys(STACKS))("%s: a stranger pod and another namespace reach nothing", (name) => {
    const matrix = planReachability(plans[name].plan, plans[name].settings);
    expect(matrix.filter((e) => /^(labels:app=stranger|namespace:elsewhere) /.test(e))).toEqual([]);
  });
});

const edge = (from: string, to: ServiceName, port: "port" | "metrics" = "port") => {
  const address: { port: number; metrics?: { port: number } } = ADDRESSES[to];
  return `${from} -> ${to}:${port === "port" ? address.port : address.metrics!.port}`;
};

describe("the paths users rely on stay open (every option on)", () => {
  const paths: Record<string, string[]> = {
    "the API and Studio through the Ingress": [
      edge("namespace:ingress-nginx", "kong"),
      edge("kong", "studio"),
      edge("kong", "auth"),
      edge("kong", "rest"),
      edge("auth", "db"),
      edge("rest", "db"),
    ],
    "Studio's table and SQL editors": [
      edge("kong", "meta"),
      edge("studio", "meta"),
      edge("meta", "db"),
    ],
    "Edge Functions": [
      edge("kong", "functions"),
      edge("functions", "kong"),
      edge("functions", "db"),
    ],
    "storage uploads and image transformations": [
      edge("kong", "storage"),
      edge("storage", "rest"),
      edge("storage", "imgproxy"),
      edge("storage", "db"),
    ],
    realtime: [edge("kong", "realtime"), edge("realtime", "db")],
    "Database Webhooks (pg_net from the db pods)": [edge("db", "kong"), edge("db", "functions")],
    "logs (Vector to Logflare, the Logs Explorer)": [
      edge("vector", "analytics"),
      edge("studio", "analytics"),
      edge("analytics", "db"),
    ],
    "backups (the CNPG operator drives the Barman Cloud plugin in the instances; WAL streams to replicas)":
      [`namespace:cnpg-system -> db:8000`, edge("db", "db")],
    "schema and migrations": [edge("db-bootstrap", "db"), edge("migrations", "db")],
    metrics: [
      edge("prometheus", "auth", "metrics"),
      edge("prometheus", "postgresExporter", "metrics"),
      edge("postgresExporter", "db"),
      edge("grafana", "prometheus"),
    ],
  };
  it.each(Object.keys(paths))("%s", (path) => {
    const matrix = planReachability(plans["every option"].plan, plans["every option"].settings);
    expect(paths[path].filter((e) => !matrix.includes(e))).toEqual([]);
  });

  it("with the Prometheus Operator, its namespace scrapes instead of a pod of the stack", () => {
    const { plan, settings } = plans["every option, Prometheus Operator"];
    const matrix = planReachability(plan, settings);
    const scraper = `namespace:${settings.kubernetes.monitoring.operatorNamespace}`;
    expect(matrix).toContain(edge(scraper, "auth", "metrics"));
    expect(
      matrix.filter((e) => e.startsWith("prometheus ") || e.includes("-> prometheus:")),
    ).toEqual([]);
  });
});

describe("a connection no table row names is caught", () => {
  it("a hand-added policy letting imgproxy into postgres-meta shows as an extra edge", () => {
    const { plan, settings } = plans["every option"];
    const namespace = planPolicies(plan)[0].namespace;
    const handWritten = {
      name: "allow-imgproxy-to-meta",
      namespace,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": "meta" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "imgproxy" } } }],
            ports: [{ port: ADDRESSES.meta.port, protocol: "TCP" }],
          },
        ],
      },
    };
    const actual = planReachability(plan, settings, [...planPolicies(plan), handWritten]);
    const expected = expectedReachability(plan, settings);
    expect(actual.filter((e) => !expected.includes(e))).toEqual([edge("imgproxy", "meta")]);
  });

  it("a rule without ports opens every port of its pods, each one an extra edge", () => {
    const { plan, settings } = plans.defaults;
    const policies = planPolicies(plan).map((p) =>
      p.name === "edges-to-auth"
        ? { ...p, spec: { ...p.spec, ingress: p.spec.ingress!.map((r) => ({ from: r.from })) } }
        : p,
    );
    const expected = expectedReachability(plan, settings);
    const extra = planReachability(plan, settings, policies).filter((e) => !expected.includes(e));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.every((e) => e.startsWith("kong -> auth:"))).toBe(true);
  });

  it("without the default deny, a stranger reaches the pods no allow selects", () => {
    const { plan, settings } = plans.defaults;
    const policies = planPolicies(plan).filter((p) => p.name !== "default-deny-ingress");
    const matrix = planReachability(plan, settings, policies);
    // The Jobs take no connection, so no allow selects them: only the default deny closes them.
    expect(matrix.filter((e) => e.startsWith("labels:app=stranger -> migrations:"))).not.toEqual(
      [],
    );
    expect(matrix).not.toContain(edge("labels:app=stranger", "auth"));
  });

  it("a missing rule shows as a missing edge", () => {
    const { plan, settings } = plans.defaults;
    const policies = planPolicies(plan).filter((p) => p.name !== "edges-to-meta");
    const actual = planReachability(plan, settings, policies);
    const missing = expectedReachability(plan, settings).filter((e) => !actual.includes(e));
    expect(missing).toEqual([edge("kong", "meta"), edge("studio", "meta")]);
  });
});
