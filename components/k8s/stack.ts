import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../../config/services";
import type { UserSecrets } from "../../config";
import { Settings } from "../../config/settings";
import { AUTH_HEALTHCHECK, authEnv } from "../auth";
import { KONG_CONFIG_PATH, KONG_HEALTHCHECK, KONG_PRESTOP, kongConfig, kongEnv } from "../kong";
import { META_HEALTHCHECK, metaEnv } from "../meta";
import { REALTIME_HEALTHCHECK, realtimeEnv } from "../realtime";
import { REST_HEALTHCHECK, restEnv } from "../rest";
import { Secrets } from "../secrets";
import { SigningKeys } from "../signingKeys";
import { storageEnv, storageHealthcheck } from "../storage";
import { IMGPROXY_URL } from "../imgproxy";
import { FUNCTIONS_KONG_SERVICE } from "../functions";
import { KubernetesFunctions } from "./functions";
import { KubernetesLogs } from "./logs";
import {
  STUDIO_FUNCTIONS_FOLDER,
  STUDIO_HEALTHCHECK,
  STUDIO_SNIPPETS_FOLDER,
  studioEnv,
} from "../studio";
import { kubernetesProvider, stackNamespace } from "./cluster";
import { KubernetesDatabase } from "./database";
import { gatewayIngress } from "./ingress";
import { bootstrapJob, migrationsJob } from "./jobs";
import { NetworkPolicies } from "./networkPolicy";
import { KubernetesGrafana } from "./grafana";
import { KubernetesImgproxy } from "./imgproxy";
import { KubernetesMailTemplates } from "./mailTemplates";
import { KubernetesMetrics } from "./prometheus";
import { declareKubernetesAi, kubernetesAiOutputs } from "./ai";
import { KubernetesOpenWebui } from "./openWebui";
import { openWebuiUrl } from "../openWebui";
import { Workload, stackLabels } from "./workload";
import { commonOutputs, studioKeys } from "../layers/common";

/** Secrets that only a kubernetes stack reads from its config. */
export interface KubernetesSecrets {
  readonly smtpPassword: pulumi.Output<string>;
  readonly databaseUrl?: pulumi.Output<string>;
  readonly s3AccessKeyId: pulumi.Output<string>;
  readonly s3SecretAccessKey: pulumi.Output<string>;
  readonly user?: UserSecrets;
}

/**
 * `target: kubernetes`: the Supabase core on a cluster, from the same settings, secrets and env
 * builders as the Docker stacks. Postgres comes from CloudNativePG or a managed database; the
 * stateless tiers are Deployments behind one Ingress, in a namespace closed by NetworkPolicies.
 */
export function declareKubernetesStack(
  settings: Settings,
  secrets: Secrets,
  signing: SigningKeys | undefined,
  config: KubernetesSecrets,
) {
  const provider = kubernetesProvider(settings);
  const ns = stackNamespace(settings, provider);
  const namespace = ns.metadata.name;
  const opts: pulumi.ComponentResourceOptions = { providers: [provider], dependsOn: [ns] };
  const { replicas } = settings.kubernetes;

  const s3Credentials = new k8s.core.v1.Secret(
    "s3-credentials",
    {
      metadata: { namespace, labels: stackLabels(settings, "s3") },
      type: "Opaque",
      // Key names the Barman Cloud plugin's examples use.
      stringData: pulumi.secret({
        ACCESS_KEY_ID: config.s3AccessKeyId,
        ACCESS_SECRET_KEY: config.s3SecretAccessKey,
      }),
    },
    { provider, dependsOn: [ns] },
  );
  const db = new KubernetesDatabase(
    "db",
    {
      settings,
      namespace,
      postgresPassword: secrets.postgresPassword,
      databaseUrl: config.databaseUrl,
      s3Credentials,
    },
    opts,
  );
  const dbJob = { settings, namespace, db, postgresPassword: secrets.postgresPassword };
  const bootstrap = bootstrapJob(dbJob, { ...opts, dependsOn: [ns, db] });
  const afterDb: pulumi.ComponentResourceOptions = { ...opts, dependsOn: [ns, bootstrap] };

  const pg = {
    settings,
    postgresPassword: secrets.postgresPassword,
    jwtSecret: secrets.jwtSecret,
    db: db.endpoint,
  };
  const base = { settings, namespace };
  // With Prometheus on, every Supabase service opens its metrics endpoint, as on Docker (layers/core.ts).
  const metrics = settings.features.prometheus;
  // GoTrue fetches its mail template bodies over HTTP only, as on Docker (layers/core.ts).
  const mailTemplates = settings.features.mailTemplates
    ? new KubernetesMailTemplates("mailTemplates", base, opts)
    : undefined;
  const auth = new Workload(
    "auth",
    {
      ...base,
      service: "auth",
      image: settings.images.auth,
      replicas: replicas.auth,
      env: authEnv({
        ...pg,
        smtp: { ...settings.smtp, password: config.smtpPassword },
        jwtKeys: signing?.jwtKeys,
        secretEnv: config.user?.authEnv,
        samlPrivateKey: secrets.samlPrivateKey,
        metrics,
      }),
      healthcheck: AUTH_HEALTHCHECK,
    },
    afterDb,
  );
  const rest = new Workload(
    "rest",
    {
      ...base,
      service: "rest",
      image: settings.images.rest,
      replicas: replicas.rest,
      args: ["postgrest"],
      env: restEnv({ ...pg, metrics, jwks: signing?.jwks }),
      healthcheck: REST_HEALTHCHECK,
    },
    afterDb,
  );
  const realtime = new Workload(
    "realtime",
    {
      ...base,
      service: "realtime",
      image: settings.images.realtime,
      replicas: replicas.realtime,
      env: realtimeEnv({
        ...pg,
        anonKey: secrets.anonKey,
        secretKeyBase: secrets.secretKeyBase,
        dbEncKey: secrets.realtimeDbEncKey,
        jwks: signing?.jwks,
      }),
      healthcheck: REALTIME_HEALTHCHECK,
    },
    afterDb,
  );
  const storage = new Workload(
    "storage",
    {
      ...base,
      service: "storage",
      image: settings.images.storage,
      replicas: replicas.storage,
      env: storageEnv({
        ...pg,
        anonKey: secrets.anonKey,
        serviceRoleKey: secrets.serviceRoleKey,
        s3ProtocolAccessKeyId: secrets.s3ProtocolAccessKeyId,
        s3ProtocolAccessKeySecret: secrets.s3ProtocolAccessKeySecret,
        s3: { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey },
        metrics,
        jwks: signing?.jwks,
        imgproxyUrl: settings.features.imgproxy ? IMGPROXY_URL : undefined,
      }),
      // A probe must ask its own pod, not the Service in front of all of them.
      healthcheck: storageHealthcheck("localhost"),
    },
    afterDb,
  );
  const meta = new Workload(
    "meta",
    {
      ...base,
      service: "meta",
      image: settings.images.meta,
      replicas: replicas.meta,
      env: metaEnv(secrets.postgresPassword, secrets.pgMetaCryptoKey, db.endpoint),
      healthcheck: META_HEALTHCHECK,
    },
    afterDb,
  );
  // Studio's saved snippets and its Edge Functions folder, as Docker's studio-snippets and functions
  // volumes: data, protected like them.
  const studioData = new k8s.core.v1.PersistentVolumeClaim(
    "studio-data",
    {
      metadata: { name: "studio-data", namespace, labels: stackLabels(settings, "studio") },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    { provider, dependsOn: [ns], protect: true },
  );
  const studio = new Workload(
    "studio",
    {
      ...base,
      service: "studio",
      image: settings.images.studio,
      replicas: replicas.studio,
      env: studioEnv({
        ...pg,
        ...studioKeys(secrets, signing),
        openAiKey: config.user?.studioOpenAiKey,
        logflarePrivateToken: settings.features.logs ? secrets.logflarePrivateToken : undefined,
      }),
      healthcheck: STUDIO_HEALTHCHECK,
      data: {
        claim: studioData,
        mounts: [
          { path: STUDIO_SNIPPETS_FOLDER, subPath: "snippets" },
          { path: STUDIO_FUNCTIONS_FOLDER, subPath: "edge-functions" },
        ],
      },
    },
    afterDb,
  );

  // kong.yml holds the API keys and the dashboard password: a Secret, mounted as Docker uploads it.
  const kongFile = new k8s.core.v1.Secret(
    "kong-config",
    {
      metadata: { namespace, labels: stackLabels(settings, "kong") },
      type: "Opaque",
      stringData: {
        "kong.yml": kongConfig({
          settings,
          anonKey: secrets.anonKey,
          serviceRoleKey: secrets.serviceRoleKey,
          dashboardPassword: secrets.dashboardPassword,
          metrics,
          translation: signing?.translation,
          extraServices: settings.features.functions ? [FUNCTIONS_KONG_SERVICE] : undefined,
        }),
      },
    },
    { provider, dependsOn: [ns] },
  );
  const kong = new Workload(
    "kong",
    {
      ...base,
      service: "kong",
      image: settings.images.kong,
      replicas: replicas.kong,
      env: kongEnv({ settings, metrics }),
      healthcheck: KONG_HEALTHCHECK,
      files: [{ path: KONG_CONFIG_PATH, secret: kongFile, key: "kong.yml" }],
      // Kubernetes stops with SIGTERM, nginx's fast stop; `kong quit` is the graceful one (SIGQUIT,
      // as on Docker). It waits 15 s for the endpoint to leave the Service, then up to 10 s for
      // open requests, inside the 30 s grace: Kong/charts charts/kong/values.yaml does the same.
      preStop: KONG_PRESTOP,
      // kong.yml reaches Realtime as realtime-dev.supabase-realtime, because Realtime takes its
      // tenant from the Host's first label (supabase/realtime#746). No Service can have that name,
      // so the gateway's pods resolve it to Realtime's ClusterIP, which is fixed for its lifetime.
      hostAliases: [
        { ip: realtime.service.spec.clusterIP, hostnames: [ADDRESSES.realtime.aliases[1]] },
      ],
    },
    { ...opts, dependsOn: [ns, auth, rest, realtime, storage, studio] },
  );

  const migrations = migrationsJob(
    dbJob,
    { ...opts, dependsOn: [ns, bootstrap, auth, storage] },
    settings.features.openWebui ? secrets.openWebuiDbPassword : undefined,
  );
  const observability = metrics
    ? new KubernetesMetrics("prometheus", { ...base, secrets, db: db.endpoint }, afterDb)
    : undefined;
  // Storage's image transformations, on when imgproxy runs, as on Docker (layers/core.ts).
  const imgproxy = settings.features.imgproxy
    ? new KubernetesImgproxy("imgproxy", base, opts)
    : undefined;
  // Edge Functions behind Kong's /functions/v1, as on Docker (layers/extras.ts).
  const functions = settings.features.functions
    ? new KubernetesFunctions("functions", { ...pg, namespace, secrets, signing }, afterDb)
    : undefined;
  // Grafana reads Prometheus (config/checks.ts refuses it alone), as on Docker.
  const grafana = settings.features.grafana
    ? new KubernetesGrafana("grafana", { ...base, adminPassword: secrets.dashboardPassword }, opts)
    : undefined;
  const ai = declareKubernetesAi({ ...base, secrets }, opts);
  // Chat on Ollama and Qdrant (config checks keep both on with it), after its database exists.
  const openWebui =
    settings.features.openWebui && ai.ollama && ai.qdrant
      ? new KubernetesOpenWebui(
          "openwebui",
          {
            ...base,
            db: db.endpoint,
            secretKey: secrets.openWebuiSecretKey,
            dbPassword: secrets.openWebuiDbPassword,
            qdrantApiKey: secrets.qdrantApiKey,
            adminPassword: secrets.openWebuiAdminPassword,
          },
          { ...opts, dependsOn: [ns, migrations.run, ai.ollama, ai.qdrant] },
        )
      : undefined;
  // Studio's Logs Explorer: Logflare, and Vector on every node (layers/logs.ts on Docker).
  const logs = settings.features.logs
    ? new KubernetesLogs("logs", { ...base, secrets, db }, afterDb)
    : undefined;
  const ingress = gatewayIngress(settings, namespace, kong.service, { provider, dependsOn: [ns] });
  const core = { auth, rest, realtime, storage, meta, studio, kong };
  // Every pod the stack declares, so that the policies open the edges among them and no other.
  const pods = [
    bootstrap,
    migrations.run,
    ...Object.values(core),
    observability?.postgresExporter,
    observability?.redisExporter,
    observability?.prometheus,
    grafana?.workload,
    imgproxy?.workload,
    mailTemplates?.workload,
    functions?.workload,
    ai.qdrant?.workload,
    ai.ollama?.workload,
    ai.ollama?.pull,
    ai.redis?.workload,
    openWebui?.workload,
    logs?.analytics,
    logs ? { pod: logs.agentPod } : undefined,
  ].flatMap((w) => (w ? [w.pod] : []));
  new NetworkPolicies(
    "network-policies",
    { settings, namespace, pods, databasePods: db.podLabels },
    opts,
  );

  return {
    provider,
    namespace,
    db,
    bootstrap,
    ...core,
    migrations,
    ingress,
    observability,
    grafana,
    imgproxy,
    mailTemplates,
    functions,
    ai,
    openWebui,
    logs,
  };
}

/** The kubernetes stack's outputs, under the same names as the Docker stacks' where they mean the same. */
export function kubernetesOutputs(
  settings: Settings,
  secrets: Secrets,
  signing: SigningKeys | undefined,
  config: KubernetesSecrets,
): Record<string, unknown> {
  const stack = declareKubernetesStack(settings, secrets, signing, config);
  return {
    ...commonOutputs(settings, secrets, signing),
    namespace: stack.namespace,
    database: settings.kubernetes.database,
    gateway: stack.kong.service.metadata.name,
    migrationFiles: stack.migrations.files,
    functionNames: stack.functions?.names,
    ...kubernetesAiOutputs(stack.ai, secrets),
    openWebuiUrl: stack.openWebui ? openWebuiUrl(settings) : undefined,
    openWebuiAdminEmail: stack.openWebui ? settings.openWebui.adminEmail : undefined,
    openWebuiAdminPassword: stack.openWebui ? secrets.openWebuiAdminPassword : undefined,
  };
}
