import * as pulumi from "@pulumi/pulumi";
import { Auth, Database, Kong, Mail, Meta, Minio, Realtime, Rest, Secrets, Storage, Studio } from "./components";
import { MAILPIT_SMTP } from "./components/mail";
import { dockerProvider, privateNetwork } from "./components/network";
import { Traefik, publicHostLabels } from "./components/traefik";
import { Ollama } from "./components/ollama";
import { Prometheus } from "./components/prometheus";
import { Qdrant } from "./components/qdrant";
import { Redis } from "./components/redis";
import { detectOllamaGpu } from "./config/gpu";
import { FUNCTIONS_KONG_SERVICE, Functions } from "./components/functions";
import { Grafana } from "./components/grafana";
import { IMGPROXY_URL, Imgproxy } from "./components/imgproxy";
import { Migrations } from "./components/migrations";
import { SigningKeys } from "./components/signingKeys";
import { Supavisor } from "./components/supavisor";
import { loadSettings } from "./config";

// Settings: every key validated at once, before any resource exists.
const { settings, smtpPassword } = loadSettings();

// Secrets: generated once, kept in state as Pulumi secrets, rotated by counter.
const secrets = new Secrets("secrets", { settings });
// Supabase extras: the ES256 signing key, JWKS and sb_ keys (authSigning: es256); hs256 leaves JWT_SECRET alone.
const signing = settings.signing.algorithm === "es256" ? new SigningKeys("signing", { settings, jwtSecret: secrets.jwtSecret }) : undefined;

// One Docker daemon (local socket or the server over SSH) and one private network.
const provider = dockerProvider(settings);
const network = privateNetwork(settings, { provider });
const opts = { providers: [provider] };
const base = { settings, network };
const pg = { postgresPassword: secrets.postgresPassword, jwtSecret: secrets.jwtSecret };
// With Prometheus on, every Supabase service opens its metrics endpoint on the private network.
const metrics = settings.features.prometheus;

// Database first; everything else waits for it to be healthy.
const db = new Database("db", { ...base, password: secrets.postgresPassword }, opts);

// Edge (vps only): Traefik is the one container on ports 80/443, with Let's Encrypt certificates.
const traefik = settings.target === "vps" ? new Traefik("traefik", { ...base, metrics: settings.features.prometheus }, opts) : undefined;
const dashboardAuth = pulumi.interpolate`${settings.auth.dashboardUsername}:${secrets.dashboardPasswordBcrypt}`;

// Mail: Mailpit catches sign-up mails locally; vps uses the configured SMTP provider.
const mail = settings.features.mailpit
  ? new Mail("mail", { ...base, labels: publicHostLabels(settings, [{ sub: "mail", port: 8025, basicAuthUser: dashboardAuth }]) }, opts)
  : undefined;
const smtp = mail
  ? { ...MAILPIT_SMTP, user: "", password: pulumi.secret(""), adminEmail: "admin@localhost", senderName: settings.smtp.senderName }
  : { ...settings.smtp, password: smtpPassword };

// The Supabase core, wired as upstream's docker-compose.
const auth = new Auth("auth", { ...base, ...pg, smtp, metrics, jwtKeys: signing?.jwtKeys, dependsOn: [db.container, ...(mail ? [mail.container] : [])] }, opts);
const rest = new Rest("rest", { ...base, ...pg, metrics, jwks: signing?.jwks, dependsOn: [db.container] }, opts);
const realtime = new Realtime(
  "realtime",
  { ...base, ...pg, anonKey: secrets.anonKey, secretKeyBase: secrets.secretKeyBase, dbEncKey: secrets.realtimeDbEncKey, jwks: signing?.jwks, dependsOn: [db.container] },
  opts,
);
const minio = settings.features.minio
  ? new Minio("minio", { ...base, rootUser: secrets.minioUser, rootPassword: secrets.minioPassword, bucket: settings.storage.bucket }, opts)
  : undefined;
const storage = new Storage(
  "storage",
  {
    ...base,
    ...pg,
    anonKey: secrets.anonKey,
    serviceRoleKey: secrets.serviceRoleKey,
    s3ProtocolAccessKeyId: secrets.s3ProtocolAccessKeyId,
    s3ProtocolAccessKeySecret: secrets.s3ProtocolAccessKeySecret,
    s3: minio && { accessKeyId: secrets.minioUser, secretAccessKey: secrets.minioPassword },
    metrics,
    jwks: signing?.jwks,
    imgproxyUrl: settings.features.imgproxy ? IMGPROXY_URL : undefined,
    dependsOn: [db.container, rest.container, ...(minio ? [minio.container, minio.createBucket] : [])],
  },
  opts,
);
const meta = new Meta("meta", { ...base, postgresPassword: secrets.postgresPassword, cryptoKey: secrets.pgMetaCryptoKey, dependsOn: [db.container] }, opts);
const studio = new Studio(
  "studio",
  {
    ...base,
    ...pg,
    anonKey: secrets.anonKey,
    serviceRoleKey: secrets.serviceRoleKey,
    pgMetaCryptoKey: secrets.pgMetaCryptoKey,
    publishableKey: signing?.publishableKey,
    secretKey: signing?.secretKey,
    dependsOn: [meta.container],
  },
  opts,
);

// Kong is the single front door: API routes with key-auth, Studio behind basic auth at `/`.
const kong = new Kong(
  "kong",
  {
    ...base,
    anonKey: secrets.anonKey,
    serviceRoleKey: secrets.serviceRoleKey,
    dashboardPassword: secrets.dashboardPassword,
    metrics,
    translation: signing?.translation,
    extraServices: settings.features.functions ? [FUNCTIONS_KONG_SERVICE] : undefined,
    // api.<domain> and studio.<domain> both reach Kong; Studio sits behind Kong's basic auth at `/`.
    labels: publicHostLabels(settings, [
      { sub: "api", port: 8000 },
      { sub: "studio", port: 8000 },
    ]),
    dependsOn: [auth.container, rest.container, realtime.container, storage.container, studio.container],
  },
  opts,
);

// AI, cache and observability (issue: Qdrant, GPU-aware Ollama, Redis, Prometheus).
const qdrant = settings.features.qdrant ? new Qdrant("qdrant", { ...base, apiKey: secrets.qdrantApiKey }, opts) : undefined;
// Reads this machine's GPUs only for local with ollamaGpu=auto; the decision and why are logged.
const ollama = settings.features.ollama ? new Ollama("ollama", { ...base, gpu: detectOllamaGpu(settings) }, opts) : undefined;
const redis = settings.features.redis ? new Redis("redis", { ...base, password: secrets.redisPassword }, opts) : undefined;
const prometheus = metrics
  ? new Prometheus(
      "prometheus",
      {
        ...base,
        jwtSecret: secrets.jwtSecret,
        issuedAt: secrets.apiKeysIssuedAt,
        postgresPassword: secrets.postgresPassword,
        db: db.container,
        qdrantApiKey: qdrant && secrets.qdrantApiKey,
        redis: redis && { password: secrets.redisPassword, container: redis.container },
        // vps: prometheus.<domain> behind the dashboard's basic auth; never a host port.
        labels: publicHostLabels(settings, [{ sub: "prometheus", port: 9090, basicAuthUser: dashboardAuth }]),
      },
      opts,
    )
  : undefined;

// Supabase extras: migrations always; Edge Functions, Supavisor, imgproxy and Grafana by toggle.
const migrations = new Migrations(
  "migrations",
  { ...base, postgresPassword: secrets.postgresPassword, dependsOn: [db.container, auth.container, storage.container] },
  opts,
);
const functions = settings.features.functions
  ? new Functions(
      "functions",
      {
        ...base,
        ...pg,
        anonKey: secrets.anonKey,
        serviceRoleKey: secrets.serviceRoleKey,
        jwks: signing?.jwks,
        publishableKey: signing?.publishableKey,
        secretKey: signing?.secretKey,
        dependsOn: [kong.container],
      },
      opts,
    )
  : undefined;
const supavisor = settings.features.supavisor
  ? new Supavisor(
      "supavisor",
      { ...base, ...pg, secretKeyBase: secrets.secretKeyBase, vaultEncKey: secrets.vaultEncKey, dependsOn: [db.container, migrations.job] },
      opts,
    )
  : undefined;
const imgproxy = settings.features.imgproxy ? new Imgproxy("imgproxy", { ...base, storageVolume: storage.dataVolume }, opts) : undefined;
const grafana =
  settings.features.grafana && prometheus
    ? new Grafana(
        "grafana",
        {
          ...base,
          prometheusUrl: "http://prometheus:9090",
          adminPassword: secrets.dashboardPassword,
          labels: publicHostLabels(settings, [{ sub: "grafana", port: 3000 }]),
        },
        opts,
      )
    : undefined;

// Outputs: what a user and `npm run env|verify|backup` need. Keys and passwords stay secret.
export const target = settings.target;
export const apiUrl = settings.publicUrl;
export const studioUrl = settings.studioUrl;
export const mailpitUrl = mail ? `http://127.0.0.1:${settings.ports.mailpit}` : undefined;
export const dashboardUsername = settings.auth.dashboardUsername;
export const dashboardPassword = secrets.dashboardPassword;
export const anonKey = secrets.anonKey;
export const serviceRoleKey = secrets.serviceRoleKey;
export const jwtSecret = secrets.jwtSecret;
export const postgresPassword = secrets.postgresPassword;
export const dbContainer = db.containerName;
export const minioContainer = minio?.container.name;
export const storageBucket = settings.storage.bucket;
export const keysCommand = `pulumi stack output --show-secrets -s ${settings.stack} anonKey && pulumi stack output --show-secrets -s ${settings.stack} serviceRoleKey`;
export const gateway = kong.container.name;
export const edge = traefik?.container.name;
export const qdrantUrl = qdrant?.url;
export const qdrantApiKey = qdrant ? secrets.qdrantApiKey : undefined;
export const ollamaUrl = ollama?.url;
export const redisUrl = redis?.url;
export const prometheusUrl = prometheus?.url;
export const signingKeyId = signing?.kid;
export const publishableKey = signing?.publishableKey;
export const secretKey = signing?.secretKey;
export const migrationFiles = migrations.files;
export const migrationLog = migrations.log;
export const functionsUrl = functions ? `${settings.publicUrl}/functions/v1` : undefined;
export const functionNames = functions?.names;
export const poolerUser = supavisor?.user;
export const poolerUrl =
  supavisor && settings.target === "local"
    ? pulumi.secret(pulumi.interpolate`postgres://${supavisor.user}:${secrets.postgresPassword}@127.0.0.1:${settings.ports.poolerSession}/postgres`)
    : undefined;
export const imgproxyContainer = imgproxy?.container.name;
export const grafanaUrl = grafana ? (settings.target === "vps" ? `https://grafana.${settings.vps.domain}` : `http://127.0.0.1:${settings.ports.grafana}`) : undefined;
