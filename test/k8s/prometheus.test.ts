import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Plan, PlannedResource, VPS_CONFIG, evaluate } from "../plan/mocks";
import { container, env } from "../plan/lookups";
import { problemsOf } from "../config/problems";
import {
  K8S_CONFIG,
  customResources,
  evaluateK8s,
  kubernetesObjects,
  named,
  ofKind,
  podEnv,
} from "./harness";
import { matrixOf } from "./reach";
import { crdErrors, isCustom, manifest, validateBuiltIn } from "./validate";
import { prometheusRuleSpec } from "../../components/k8s/serviceMonitor";
import { renderAlertRules } from "../../components/render/prometheus";
import { memoryColumn } from "../../config/memory";

const PROMETHEUS = { "ownstack:prometheus": "true" };
const OPERATOR = {
  ...PROMETHEUS,
  "ownstack:prometheusOperator": "true",
  "ownstack:serviceMonitorLabels": '["release=kube-prometheus-stack"]',
};

const prometheusConfig = (plan: Plan): string => {
  const secret = ofKind(plan, "Secret").find((s) => s.inputs.stringData?.["prometheus.yml"]);
  if (!secret) throw new Error("no Secret with prometheus.yml");
  return secret.inputs.stringData["prometheus.yml"];
};

/** `host:port` of every scrape target in a prometheus.yml. */
const targets = (yml: string): string[] =>
  parse(yml).scrape_configs.flatMap((j: any) => j.static_configs[0].targets);

/** The Service named `host` serves `port`, and its pods' container declares the port it targets. */
function servesPort(plan: Plan, host: string, port: number): boolean {
  const service = ofKind(plan, "Service").find((s) => s.inputs.metadata.name === host);
  const entry = service?.inputs.spec.ports.find((p: any) => p.port === port);
  const deployment = named(plan, "Deployment", host);
  const ports = deployment.inputs.spec.template.spec.containers[0].ports;
  return ports.some((p: any) => p.name === entry?.targetPort && p.containerPort === port);
}

describe("prometheus: true on kubernetes", () => {
  it("is accepted, and the operator keys are refused where they mean nothing", () => {
    expect(problemsOf({ ...K8S_CONFIG, ...PROMETHEUS }, "k8s")).toEqual([]);
    expect(problemsOf({ ...K8S_CONFIG, ...OPERATOR }, "k8s")).toEqual([]);
    expect(problemsOf({ ...K8S_CONFIG, "ownstack:prometheusOperator": "true" }, "k8s")).toContain(
      "ownstack:prometheusOperator: ServiceMonitors are declared only with Prometheus on, expected ownstack:prometheus: true as well (or no prometheusOperator)",
    );
    expect(
      problemsOf(
        { ...K8S_CONFIG, ...PROMETHEUS, "ownstack:serviceMonitorLabels": '["release"]' },
        "k8s",
      ).join("\n"),
    ).toContain(
      'ownstack:serviceMonitorLabels[0]: expected "key=value" Kubernetes labels such as "release=kube-prometheus-stack"',
    );
    expect(
      problemsOf(
        { ...K8S_CONFIG, ...PROMETHEUS, "ownstack:prometheusOperatorNamespace": "mon" },
        "k8s",
      ),
    ).toContain(
      "ownstack:prometheusOperatorNamespace: only read with the Prometheus Operator, expected ownstack:prometheusOperator: true as well (or no prometheusOperatorNamespace)",
    );
    expect(problemsOf({ ...VPS_CONFIG, "ownstack:prometheusOperator": "true" }, "vps")).toContain(
      "ownstack:prometheusOperator: only read on target kubernetes, expected no prometheusOperator on the vps stack",
    );
  });

  describe("with a Prometheus of the stack's own", () => {
    let plan: Plan;
    let docker: Plan;
    beforeAll(async () => {
      plan = await evaluateK8s(PROMETHEUS);
      docker = await evaluate({ ...VPS_CONFIG, ...PROMETHEUS }, "k8s");
    });

    it("every scrape target is a Service of the namespace serving that port from its pods", () => {
      const all = targets(prometheusConfig(plan)).filter((t) => !t.startsWith("localhost:"));
      expect(all.sort()).toEqual([
        "auth:9100",
        "kong:8100",
        "postgres-exporter:9187",
        "realtime:4000",
        "rest:3001",
        "storage:5000",
      ]);
      for (const target of all) {
        const [host, port] = target.split(":");
        expect(servesPort(plan, host, Number(port)), target).toBe(true);
      }
    });

    it("renders the Docker stack's scrape config, less the jobs of services kubernetes does not run", () => {
      const onDocker = parse(
        container(docker, "prometheus").inputs.uploads.find((u: any) =>
          u.file.endsWith("prometheus.yml"),
        ).content,
      );
      const onKubernetes = parse(prometheusConfig(plan));
      const others = new Set(["traefik", "minio", "backup"]);
      expect(onKubernetes).toEqual({
        ...onDocker,
        rule_files: undefined,
        scrape_configs: onDocker.scrape_configs.filter((j: any) => !others.has(j.job_name)),
      });
      expect(onKubernetes.rule_files).toBeUndefined();
    });

    it("the scraped services open their metrics as on Docker, with the same env", () => {
      for (const service of ["auth", "rest", "storage", "kong"]) {
        const onKubernetes = podEnv(plan, named(plan, "Deployment", service));
        const onDocker = env(container(docker, service));
        for (const key of [
          "GOTRUE_METRICS_ENABLED",
          "PGRST_ADMIN_SERVER_HOST",
          "PROMETHEUS_METRICS_ENABLED",
          "KONG_STATUS_LISTEN",
          "KONG_PLUGINS",
        ])
          expect(onKubernetes[key], `${service} ${key}`).toBe(onDocker[key]);
      }
      expect(podEnv(plan, named(plan, "Deployment", "postgres-exporter"))).toEqual(
        env(container(docker, "postgresExporter")),
      );
    });

    it("mounts the config and the rules where the image's CMD reads them, and keeps the samples on a protected claim", () => {
      const spec = named(plan, "Deployment", "prometheus").inputs.spec.template.spec;
      expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual([
        "/etc/prometheus/prometheus.yml",
        "/etc/prometheus/ownstack-rules.yml",
        "/prometheus",
      ]);
      expect(spec.securityContext.fsGroup).toBe(65534);
      const rules = ofKind(plan, "Secret").find((s) => s.inputs.stringData?.["ownstack-rules.yml"]);
      expect(rules?.inputs.stringData["ownstack-rules.yml"]).toBe(
        renderAlertRules({ backup: false }),
      );
      const claim = named(plan, "PersistentVolumeClaim", "prometheus-data");
      expect([claim.options.protect, claim.options.retainOnDelete]).toEqual([true, true]);
    });

    it("NetworkPolicies let the Prometheus pod in to exactly the scraped ports, and the exporter in to Postgres", () => {
      const matrix = matrixOf(plan, PROMETHEUS);
      const opened = matrix
        .filter((e) => e.startsWith("prometheus "))
        .map((e) => e.slice("prometheus -> ".length));
      const scraped = targets(prometheusConfig(plan))
        .filter((t) => !t.startsWith("localhost:"))
        .map((t) => t.replace("postgres-exporter", "postgresExporter"));
      expect(opened.sort()).toEqual(scraped.sort());
      expect(matrix.filter((e) => e.startsWith("postgresExporter "))).toEqual([
        "postgresExporter -> db:5432",
      ]);
    });

    it("declares no ServiceMonitor, and every object passes the Kubernetes OpenAPI schema", async () => {
      expect(customResources(plan, "ServiceMonitor")).toEqual([]);
      for (const r of kubernetesObjects(plan).filter((r) => !isCustom(r)))
        await expect(validateBuiltIn(r.type, manifest(r)), r.name).resolves.toBeUndefined();
    });

    it("every container has a memory limit from the table, requests equal to limits", () => {
      for (const service of ["prometheus", "postgres-exporter"]) {
        const c = named(plan, "Deployment", service).inputs.spec.template.spec.containers[0];
        expect(c.resources.requests).toEqual(c.resources.limits);
      }
      const limit = (name: string) =>
        named(plan, "Deployment", name).inputs.spec.template.spec.containers[0].resources.limits
          .memory;
      expect(limit("prometheus")).toBe(`${memoryColumn("kubernetes").prometheus}Mi`);
      expect(limit("postgres-exporter")).toBe(`${memoryColumn("kubernetes").postgresExporter}Mi`);
    });
  });

  describe("with the Prometheus Operator", () => {
    let plan: Plan;
    let monitors: PlannedResource[];
    beforeAll(async () => {
      plan = await evaluateK8s(OPERATOR);
      monitors = customResources(plan, "ServiceMonitor");
    });

    it("declares one ServiceMonitor per scrape job and no Prometheus of its own", () => {
      expect(monitors.map((m) => m.inputs.metadata.name).sort()).toEqual([
        "auth",
        "kong",
        "postgres",
        "realtime",
        "rest",
        "storage",
      ]);
      expect(ofKind(plan, "Deployment").map((d) => d.inputs.metadata.name)).not.toContain(
        "prometheus",
      );
      for (const m of monitors)
        expect(m.inputs.metadata.labels.release, m.name).toBe("kube-prometheus-stack");
    });

    it("only the operator's namespace is let in to the metrics ports", () => {
      const matrix = matrixOf(plan, OPERATOR);
      const scraped = matrix.filter((e) => e.startsWith("namespace:monitoring "));
      expect(scraped).toHaveLength(monitors.length);
      expect(matrix.filter((e) => e.startsWith("prometheus "))).toEqual([]);
    });

    it("every ServiceMonitor passes the CRD schema of prometheus-operator v0.93.0", () => {
      for (const m of monitors) expect(crdErrors(m.inputs), m.name).toEqual([]);
    });

    it("a misspelt or mistyped ServiceMonitor field fails the CRD schema", () => {
      const m = monitors[0].inputs;
      expect(crdErrors({ ...m, spec: { ...m.spec, endpoint: m.spec.endpoints } }).join()).toContain(
        "endpoint",
      );
      const badInterval = structuredClone(m);
      badInterval.spec.endpoints[0].interval = "fifteen seconds";
      expect(crdErrors(badInterval).join()).toContain("/spec/endpoints/0/interval");
    });

    it("each endpoint names a port of the Service it selects, and Realtime's token is in the Secret it names", () => {
      for (const m of monitors) {
        const service = ofKind(plan, "Service").find((s) =>
          Object.entries(m.inputs.spec.selector.matchLabels).every(
            ([k, v]) => s.inputs.metadata.labels[k] === v,
          ),
        );
        expect(service, m.name).toBeDefined();
        const names = service!.inputs.spec.ports.map((p: any) => p.name);
        expect(names, m.name).toContain(m.inputs.spec.endpoints[0].port);
      }
      const realtime = monitors.find((m) => m.inputs.metadata.name === "realtime")!;
      const ref = realtime.inputs.spec.endpoints[0].authorization.credentials;
      // Auto-named: the mocks append eight characters to the resource name, as pulumi-kubernetes does.
      const secret = ofKind(plan, "Secret").find(
        (s) => s.name === ref.name.replace(/-[a-z0-9]{8}$/, ""),
      );
      expect(secret?.inputs.stringData[ref.key]).toMatch(/^eyJ/);
      expect(secret?.secretInputs.has("stringData")).toBe(true);
    });

    it("the Docker alert rules as a PrometheusRule pass its CRD schema", () => {
      const rules = renderAlertRules({ backup: true, pitr: true });
      const object = {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        spec: prometheusRuleSpec(rules),
      };
      expect(object.spec.groups.flatMap((g: any) => g.rules).length).toBe(8);
      expect(crdErrors(object)).toEqual([]);
      expect(
        crdErrors({ ...object, spec: { groups: [{ name: "x", rules: [{ alert: 1 }] }] } }).join(),
      ).toContain("/spec/groups/0/rules/0");
    });
  });
});
