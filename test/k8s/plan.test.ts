import { beforeAll, describe, expect, it } from "vitest";
import { Plan } from "../plan/mocks";
import { customResources, evaluateK8s, kubernetesObjects, named, ofKind, podEnv } from "./harness";
import { NEVER_PUBLIC } from "../../config/exposure";
import { memoryColumn } from "../../config/memory";
import { callersIn, matrixOf } from "./reach";

const EXTERNAL = {
  "ownstack:database": "external",
  "ownstack:databaseUrl": "postgres://admin:admin-pw@pg.example.net:6432/app?sslmode=require",
};

const BACKUPS = { "ownstack:cnpgBackupPath": "s3://backups/ownstack" };

describe("the k8s stack under mocks", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s(BACKUPS);
  });

  it("declares no Docker resource", () => {
    expect(plan.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
  });

  it("sends every Kubernetes object through the one explicit provider, into the stack's namespace", () => {
    const providers = plan.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers.map((p) => p.inputs.context)).toEqual([undefined]);
    for (const r of kubernetesObjects(plan)) {
      expect(r.provider, r.name).toMatch(/::pulumi:providers:kubernetes::kubernetes::/);
      if (r.type !== "kubernetes:core/v1:Namespace")
        expect(r.inputs.metadata.namespace, r.name).toBe("ownstack-k8s");
    }
    expect(named(plan, "Namespace", "ownstack-k8s")).toBeDefined();
  });

  it("uses the kubeconfig context from config", async () => {
    const other = await evaluateK8s({
      "ownstack:kubeContext": "prod-cluster",
      "ownstack:namespace": "supabase",
    });
    expect(
      other.resources.find((r) => r.type === "pulumi:providers:kubernetes")?.inputs.context,
    ).toBe("prod-cluster");
    expect(named(other, "Namespace", "supabase")).toBeDefined();
  });

  it("every workload has memory requests equal to its limits and startup, readiness and liveness probes", () => {
    const pods = [
      ...ofKind(plan, "Deployment").map((d) => d.inputs.spec.template.spec),
      ...ofKind(plan, "Job").map((j) => j.inputs.spec.template.spec),
    ];
    expect(pods.length).toBeGreaterThanOrEqual(9);
    for (const spec of pods)
      for (const c of spec.containers) {
        expect(c.resources.limits.memory, c.name).toMatch(/^\d+Mi$/);
        expect(c.resources.requests).toEqual(c.resources.limits);
      }
    for (const d of ofKind(plan, "Deployment")) {
      const c = d.inputs.spec.template.spec.containers[0];
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
        expect(c[probe]?.exec?.command?.length, `${d.name} ${probe}`).toBeGreaterThan(0);
    }
  });

  it("limits come from the memory table and its overrides", async () => {
    const other = await evaluateK8s({ "ownstack:memoryLimits": '["kong=512MiB"]' });
    expect(
      named(other, "Deployment", "kong").inputs.spec.template.spec.containers[0].resources.limits
        .memory,
    ).toBe("512Mi");
    expect(
      named(plan, "Deployment", "kong").inputs.spec.template.spec.containers[0].resources.limits
        .memory,
    ).toBe(`${memoryColumn("kubernetes").kong}Mi`);
  });

  it("probes run the Docker healthcheck's command", () => {
    const rest = named(plan, "Deployment", "rest").inputs.spec.template.spec.containers[0];
    expect(rest.readinessProbe.exec.command).toEqual(["postgrest", "--ready"]);
    const realtime = named(plan, "Deployment", "realtime").inputs.spec.template.spec.containers[0];
    expect(realtime.livenessProbe.exec.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    // A probe asks its own pod, never the Service in front of all of them.
    const storage = named(plan, "Deployment", "storage").inputs.spec.template.spec.containers[0];
    expect(storage.readinessProbe.exec.command.join(" ")).toContain("http://localhost:5000/status");
  });

  it("replicas follow config: two for the stateless tiers by default, a PodDisruptionBudget for each replicated tier", async () => {
    const replicas = (p: Plan) =>
      Object.fromEntries(
        ofKind(p, "Deployment").map((d) => [d.inputs.metadata.name, d.inputs.spec.replicas]),
      );
    expect(replicas(plan)).toEqual({
      auth: 2,
      kong: 2,
      meta: 1,
      realtime: 1,
      rest: 2,
      storage: 2,
      studio: 1,
    });
    const scaled = await evaluateK8s({ "ownstack:replicas": '["rest=4", "auth=1"]' });
    expect(replicas(scaled)).toMatchObject({ rest: 4, auth: 1 });
    const budgets = (p: Plan) =>
      ofKind(p, "PodDisruptionBudget")
        .map((b) => b.inputs.metadata.name)
        .sort();
    expect(budgets(plan)).toEqual(["auth", "kong", "rest", "storage"]);
    expect(budgets(scaled)).toEqual(["kong", "rest", "storage"]);
  });

  it("Secrets are secret in state; no generated secret appears in a ConfigMap or any other plain input", () => {
    const secretValues = [
      plan.outputs.postgresPassword,
      plan.outputs.jwtSecret,
      plan.outputs.serviceRoleKey,
      plan.outputs.dashboardPassword,
      "s3-secret-example",
      "smtp-secret",
    ] as string[];
    for (const s of ofKind(plan, "Secret"))
      expect(s.secretInputs.has("stringData"), s.name).toBe(true);
    for (const r of kubernetesObjects(plan)) {
      const plain = JSON.stringify(
        Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.has(k))),
      );
      for (const value of secretValues)
        expect(plain.includes(value), `${r.type} ${r.name}`).toBe(false);
    }
  });

  it("kong.yml is a Secret mounted where Kong reads it; Kong resolves Realtime's tenant host to the Realtime Service", () => {
    const kong = named(plan, "Deployment", "kong").inputs.spec.template.spec;
    expect(kong.containers[0].volumeMounts).toEqual([
      { name: "file-0", mountPath: "/home/kong/kong.yml", subPath: "kong.yml", readOnly: true },
    ]);
    expect(kong.volumes[0].secret.items).toEqual([{ key: "kong.yml", path: "kong.yml" }]);
    const config = ofKind(plan, "Secret").find((s) => s.name === "kong-config");
    expect(config?.inputs.stringData["kong.yml"]).toContain("realtime-dev.supabase-realtime");
    expect(kong.hostAliases).toEqual([
      {
        ip: named(plan, "Service", "realtime").inputs.spec.clusterIP ?? expect.any(String),
        hostnames: ["realtime-dev.supabase-realtime"],
      },
    ]);
  });

  it("every Service is ClusterIP and no pod binds a host port: the Ingress is the only way in", () => {
    for (const s of ofKind(plan, "Service")) expect(s.inputs.spec.type, s.name).toBe("ClusterIP");
    for (const d of ofKind(plan, "Deployment"))
      for (const p of d.inputs.spec.template.spec.containers[0].ports)
        expect(p.hostPort).toBeUndefined();
  });

  it("the Ingress serves api. and studio.<domain> with a cert-manager certificate, and only to the gateway", () => {
    const ingress = named(plan, "Ingress", "ownstack").inputs;
    expect(ingress.metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt-prod",
    });
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([
      { hosts: ["api.example.com", "studio.example.com"], secretName: "ownstack-tls" },
    ]);
    const backends = ingress.spec.rules.flatMap((r: any) =>
      r.http.paths.map((p: any) => p.backend.service.name),
    );
    expect(new Set(backends)).toEqual(new Set(["kong"]));
    for (const service of NEVER_PUBLIC) expect(backends).not.toContain(service);
  });

  it("the namespace denies ingress by default; only the ingress controller reaches the gateway from outside", () => {
    expect(named(plan, "NetworkPolicy", "default-deny-ingress").inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
    });
    // From outside the namespace: the ingress controller to Kong, CNPG's operator to its instances.
    const outside = matrixOf(plan, BACKUPS).filter((e) => e.startsWith("namespace:"));
    expect(outside).toEqual([
      "namespace:cnpg-system -> db:5432",
      "namespace:cnpg-system -> db:8000",
      "namespace:ingress-nginx -> kong:8000",
    ]);
  });

  it("only the services that log in to Postgres (and its own instances and operator) reach it", () => {
    const rule = named(plan, "NetworkPolicy", "edges-to-db").inputs.spec;
    expect(rule.podSelector.matchLabels).toEqual({ "cnpg.io/cluster": "postgres" });
    expect(callersIn(matrixOf(plan, BACKUPS), "db", 5432)).toEqual([
      "auth",
      "db",
      "db-bootstrap",
      "meta",
      "migrations",
      "namespace:cnpg-system",
      "realtime",
      "rest",
      "storage",
      "studio",
    ]);
  });

  it("Postgres is a protected CloudNativePG Cluster on the supabase/postgres image, with daily backups to S3", () => {
    const [cluster] = customResources(plan, "Cluster");
    expect(cluster.options.protect).toBe(true);
    // Dependents (the bootstrap Job, then the services) wait until CNPG reports the cluster Ready.
    expect(cluster.inputs.metadata.annotations["pulumi.com/waitFor"]).toBe("condition=Ready");
    expect(cluster.inputs.spec).toMatchObject({
      instances: 2,
      imageName: expect.stringMatching(/^supabase\/postgres:/),
      storage: { size: "10Gi" },
    });
    expect(cluster.inputs.spec.managed.services.additional[0]).toMatchObject({
      selectorType: "rw",
      serviceTemplate: { metadata: { name: "db" } },
    });
    expect(cluster.inputs.spec.plugins).toEqual([
      {
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "postgres-backups" },
      },
    ]);
    expect(customResources(plan, "ObjectStore")[0].inputs.spec.configuration.destinationPath).toBe(
      "s3://backups/ownstack",
    );
    expect(customResources(plan, "ScheduledBackup")[0].inputs.spec).toMatchObject({
      method: "plugin",
      cluster: { name: "postgres" },
    });
  });

  it("without a backup path there is no ObjectStore, ScheduledBackup or WAL archiver", async () => {
    const bare = await evaluateK8s();
    expect(customResources(bare, "ObjectStore")).toEqual([]);
    expect(customResources(bare, "ScheduledBackup")).toEqual([]);
    expect(customResources(bare, "Cluster")[0].inputs.spec.plugins).toBeUndefined();
  });

  it("with an external database: no Cluster, and the services connect to the host, port and database of its URL", async () => {
    const external = await evaluateK8s(EXTERNAL);
    expect(customResources(external, "Cluster")).toEqual([]);
    expect(() => named(external, "NetworkPolicy", "edges-to-db")).toThrow();
    const env = podEnv(external, named(external, "Deployment", "auth"));
    expect(env.GOTRUE_DB_DATABASE_URL).toMatch(
      /^postgres:\/\/supabase_auth_admin:[^@]+@pg\.example\.net:6432\/app$/,
    );
    expect(podEnv(external, named(external, "Deployment", "realtime"))).toMatchObject({
      DB_HOST: "pg.example.net",
      DB_PORT: "6432",
      DB_NAME: "app",
    });
    const job = ofKind(external, "Secret").find((s) => s.name === "db-bootstrap-env");
    expect(job?.inputs.stringData.ADMIN_URL).toBe(EXTERNAL["ownstack:databaseUrl"]);
  });

  it("the services wait for the database bootstrap Job, and the migrations Job runs after Auth and Storage", () => {
    const bootstrap = ofKind(plan, "Job").find((j) => j.name === "db-bootstrap");
    const migrations = ofKind(plan, "Job").find((j) => j.name === "migrations");
    expect(bootstrap?.inputs.spec.template.spec.containers[0].command).toEqual([
      "/bin/sh",
      "/ownstack/bootstrap.sh",
    ]);
    expect(migrations?.inputs.spec.template.spec.containers[0].command).toEqual([
      "/bin/sh",
      "/ownstack/migrate.sh",
    ]);
    const auth = named(plan, "Deployment", "auth");
    expect(auth.options.dependencies.some((urn) => urn.endsWith("::db-bootstrap"))).toBe(true);
    expect(migrations?.options.dependencies.some((urn) => urn.endsWith("::auth"))).toBe(true);
  });

  it("outputs name the public URLs and keep keys secret", () => {
    expect(plan.outputs).toMatchObject({
      target: "kubernetes",
      apiUrl: "https://api.example.com",
      studioUrl: "https://studio.example.com",
      namespace: "ownstack-k8s",
      database: "cnpg",
    });
    for (const key of [
      "anonKey",
      "serviceRoleKey",
      "postgresPassword",
      "jwtSecret",
      "dashboardPassword",
    ])
      expect(plan.secretOutputs.has(key), key).toBe(true);
  });
});
