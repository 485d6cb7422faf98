import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { itRefuses, problemsOf, refused, without } from "./problems";
import { parseSettings } from "../../config/settings";
import { K8S_CONFIG } from "../k8s/harness";
import { EVERY_SERVICE } from "../plan/mocks";

describe("kubernetes config is refused before any resource, naming the key and the expected form", () => {
  it("the test config passes", () => {
    expect(problemsOf(K8S_CONFIG, "k8s")).toEqual([]);
  });

  itRefuses("k8s", [
    [
      "a Docker host",
      { ...K8S_CONFIG, "ownstack:dockerHost": "ssh://deploy@203.0.113.10" },
      "ownstack:dockerHost: there is no Docker host on kubernetes",
    ],
    [
      "a Docker socket",
      { ...K8S_CONFIG, "ownstack:dockerSocket": "/run/podman/podman.sock" },
      "ownstack:dockerSocket: there is no Docker socket on kubernetes",
    ],
    [
      "a missing domain",
      without(K8S_CONFIG, "ownstack:domain"),
      "ownstack:domain: required on kubernetes",
    ],
    [
      "a missing cert-manager issuer",
      without(K8S_CONFIG, "ownstack:clusterIssuer"),
      "ownstack:clusterIssuer: required on kubernetes",
    ],
    [
      "MinIO storage",
      without(K8S_CONFIG, "ownstack:storageBackend"),
      "ownstack:storageBackend: MinIO and the file backend do not carry over to kubernetes",
    ],
    [
      "a missing S3 endpoint",
      without(K8S_CONFIG, "ownstack:s3Endpoint"),
      "ownstack:s3Endpoint: required on kubernetes",
    ],
    [
      "missing S3 credentials",
      without(K8S_CONFIG, "ownstack:s3SecretAccessKey"),
      "ownstack:s3SecretAccessKey: required on kubernetes, expected a secret",
    ],
    [
      "plain-HTTP exposure",
      { ...K8S_CONFIG, "ownstack:insecureHttp": "true" },
      "ownstack:insecureHttp: plain-HTTP exposure is refused on kubernetes",
    ],
    [
      "no SMTP host",
      without(K8S_CONFIG, "ownstack:smtpHost"),
      "ownstack:smtpHost: required on kubernetes",
    ],
    [
      "an external database without a URL",
      { ...K8S_CONFIG, "ownstack:database": "external" },
      "ownstack:databaseUrl: required with ownstack:database: external",
    ],
    [
      "a database URL that is not one",
      { ...K8S_CONFIG, "ownstack:database": "external", "ownstack:databaseUrl": "mysql://x" },
      "ownstack:databaseUrl: expected postgres://user:password@host:5432/database",
    ],
    [
      "a database URL whose admin is a Supabase role",
      {
        ...K8S_CONFIG,
        "ownstack:database": "external",
        "ownstack:databaseUrl": "postgres://postgres:pw@db.example.com:5432/postgres",
      },
      "ownstack:databaseUrl: the admin role must not be one of Supabase's login roles (postgres)",
    ],
    [
      "a database URL next to CNPG",
      { ...K8S_CONFIG, "ownstack:databaseUrl": "postgres://admin:pw@db.example.com:5432/postgres" },
      "ownstack:databaseUrl: only read with ownstack:database: external",
    ],
    [
      "backups of an external database",
      {
        ...K8S_CONFIG,
        "ownstack:database": "external",
        "ownstack:databaseUrl": "postgres://admin:pw@h:5432/postgres",
        "ownstack:cnpgBackupPath": "s3://backups/ownstack",
      },
      "ownstack:cnpgBackupPath: backups of an external database",
    ],
    [
      "an unknown database engine",
      { ...K8S_CONFIG, "ownstack:database": "mysql" },
      "ownstack:database: expected one of: cnpg, external",
    ],
    [
      "a backup path that is not S3",
      { ...K8S_CONFIG, "ownstack:cnpgBackupPath": "/backups" },
      "ownstack:cnpgBackupPath: expected an S3 URL such as s3://backups/ownstack",
    ],
    [
      "zero Postgres instances",
      { ...K8S_CONFIG, "ownstack:cnpgInstances": "0" },
      "ownstack:cnpgInstances: expected a whole number of Postgres instances between 1 and 9",
    ],
    [
      "a volume size without unit",
      { ...K8S_CONFIG, "ownstack:cnpgStorageSize": "10" },
      'ownstack:cnpgStorageSize: expected a volume size such as "10Gi"',
    ],
    [
      "a bad namespace",
      { ...K8S_CONFIG, "ownstack:namespace": "My_NS" },
      "ownstack:namespace: expected a Kubernetes namespace name",
    ],
  ]);

  it.each([
    [
      "db=3",
      'unknown tier "db", expected one of: auth, kong, rest, storage, realtime, studio, meta',
    ],
    ["rest=0", 'expected a count between 1 and 20, got "0"'],
    ["realtime=2", "Realtime needs Erlang clustering"],
  ])("refuses the replica count %s", (entry, message) => {
    expect(
      refused({ ...K8S_CONFIG, "ownstack:replicas": JSON.stringify([entry]) }, "k8s"),
    ).toContain(`ownstack:replicas[0]: ${message}`);
  });

  // The optional services not carried over: each toggle is refused by name, with the reason.
  const ON_KUBERNETES = new Set([
    "ownstack:prometheus",
    "ownstack:grafana",
    "ownstack:imgproxy",
    "ownstack:functions",
    "ownstack:qdrant",
    "ownstack:ollama",
    "ownstack:openWebui",
    "ownstack:redis",
    "ownstack:logs",
  ]);
  const REASONS: Record<string, RegExp> = {
    "ownstack:mailpit": /\(Mailpit keeps sign-up mails from reaching users, .*set smtpHost/,
    "ownstack:supavisor": /\(a pooler on kubernetes is CloudNativePG's Pooler \(PgBouncer\)/,
  };
  it.each(Object.keys(EVERY_SERVICE).filter((k) => !ON_KUBERNETES.has(k)))(
    "refuses %s on kubernetes, saying why",
    (key) => {
      const problem = problemsOf({ ...K8S_CONFIG, [key]: "true" }, "k8s").find((p) =>
        p.startsWith(`${key}: not available on kubernetes `),
      );
      expect(problem).toMatch(REASONS[key] ?? /^[^(]+ yet \(docs\/scale-out\.md, "What is left"\)/);
      expect(problem).toMatch(/; remove it or set it to false$/);
    },
  );

  it("never echoes a secret database URL in a problem", () => {
    const url = "postgres://postgres:hunter2secret@db.example.com:5432/postgres";
    const problems = problemsOf(
      { ...K8S_CONFIG, "ownstack:database": "external", "ownstack:databaseUrl": url },
      "k8s",
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).not.toContain("hunter2secret");
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({ "ownstack:target": "kubernetes" }, "k8s");
    const keys = problems.map((p) => p.slice(0, p.indexOf(": ")));
    for (const key of [
      "domain",
      "clusterIssuer",
      "storageBackend",
      "s3Endpoint",
      "s3AccessKeyId",
      "s3SecretAccessKey",
      "smtpHost",
    ])
      expect(keys).toContain(`ownstack:${key}`);
  });

  it("refuses the kubernetes-only keys on the Docker stacks", () => {
    expect(refused({ "ownstack:storageBackend": "s3" })).toContain(
      "ownstack:storageBackend: s3 is for target kubernetes",
    );
    expect(refused({ "ownstack:s3AccessKeyId": "x" })).toContain(
      "ownstack:s3AccessKeyId: only read on target kubernetes",
    );
  });

  it("defaults: namespace ownstack-<stack>, two pods for the stateless tiers, one for Realtime, CNPG with two instances", () => {
    const { kubernetes, publicUrl, studioUrl } = parseSettings(K8S_CONFIG, "k8s");
    expect(kubernetes.namespace).toBe("ownstack-k8s");
    const tiersWith = (pods: number) =>
      Object.entries(kubernetes.replicas)
        .filter(([, n]) => n === pods)
        .map(([tier]) => tier);
    expect(tiersWith(2)).toEqual(["auth", "kong", "rest", "storage"]);
    expect(tiersWith(1)).toEqual(["realtime", "studio", "meta"]);
    expect(Object.keys(kubernetes.replicas)).toEqual([...tiersWith(2), ...tiersWith(1)]);
    expect(kubernetes.database).toBe("cnpg");
    expect(kubernetes.cnpg.instances).toBe(2);
    expect([publicUrl, studioUrl]).toEqual([
      "https://api.example.com",
      "https://studio.example.com",
    ]);
  });
});

describe("Pulumi.k8s.yaml", () => {
  const text = readFileSync(join(__dirname, "..", "..", "Pulumi.k8s.yaml"), "utf8");
  const asConfig = (yaml: string) =>
    Object.fromEntries(Object.entries(parse(yaml).config).map(([k, v]) => [k, String(v)]));

  it("sets target kubernetes, and is refused until the REQUIRED lines are filled in", () => {
    const config = asConfig(text);
    expect(config["ownstack:target"]).toBe("kubernetes");
    const problems = refused(config, "k8s");
    for (const key of ["domain", "clusterIssuer", "s3Endpoint", "smtpHost"])
      expect(problems).toContain(`ownstack:${key}: required on kubernetes`);
  });

  const filledIn = (): string => {
    const lines = text.split("\n");
    return lines
      .map((line, i) => {
        const requiredAbove = lines
          .slice(0, i)
          .reverse()
          .find((l) => !/^\s*# ownstack:/.test(l));
        return requiredAbove?.includes("REQUIRED")
          ? line.replace(/^(\s*)# (ownstack:)/, "$1$2")
          : line;
      })
      .join("\n");
  };
  const secrets = {
    "ownstack:s3AccessKeyId": "AKIA",
    "ownstack:s3SecretAccessKey": "secret",
    "ownstack:smtpPass": "pw",
  };

  it("passes once the lines under REQUIRED are uncommented and the secrets are set", () => {
    expect(problemsOf({ ...asConfig(filledIn()), ...secrets }, "k8s")).toEqual([]);
  });

  it("shows how to turn metrics on: its lines uncommented pass, with the operator or without", () => {
    const metrics = (pattern: RegExp) =>
      filledIn().replace(new RegExp(`^(\\s*)# (ownstack:(${pattern.source}))`, "gm"), "$1$2");
    const own = asConfig(metrics(/prometheus:/));
    expect(own["ownstack:prometheus"]).toBe("true");
    expect(problemsOf({ ...own, ...secrets }, "k8s")).toEqual([]);
    const operator = asConfig(
      metrics(/prometheus|serviceMonitor|grafana|imgproxy|functions:|logs:/),
    );
    expect(operator["ownstack:grafana"]).toBe("true");
    expect(operator["ownstack:imgproxy"]).toBe("true");
    expect(operator["ownstack:functions"]).toBe("true");
    expect(operator["ownstack:logs"]).toBe("true");
    expect(operator["ownstack:prometheusOperator"]).toBe("true");
    expect(operator["ownstack:serviceMonitorLabels"]).toBe('["release=kube-prometheus-stack"]');
    expect(problemsOf({ ...operator, ...secrets }, "k8s")).toEqual([]);
  });
});
