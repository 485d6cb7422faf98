import * as pulumi from "@pulumi/pulumi";
import { declareAiServices } from "./components/layers/ai";
import { StackContext } from "./components/layers/context";
import { declareSupabaseCore } from "./components/layers/core";
import { declareSupabaseExtras } from "./components/layers/extras";
import { dockerProvider, privateNetwork } from "./components/network";
import { Secrets } from "./components/secrets";
import { SigningKeys } from "./components/signingKeys";
import { loadSettings } from "./config";

// Settings: every key validated at once, before any resource exists.
const { settings, smtpPassword, dockerTls } = loadSettings();

// Secrets: generated once, kept in state as Pulumi secrets, rotated by counter. With
// authSigning es256 (the default) also the ES256 signing key, JWKS and sb_ API keys.
const secrets = new Secrets("secrets", { settings });
const signing = settings.signing.algorithm === "es256" ? new SigningKeys("signing", { settings, jwtSecret: secrets.jwtSecret }) : undefined;

// One Docker daemon (this machine, or the server over SSH) and one private network.
const provider = dockerProvider(settings, dockerTls);
const ctx: StackContext = {
  settings,
  secrets,
  signing,
  network: privateNetwork(settings, { provider }),
  opts: { providers: [provider] },
  dashboardAuth: pulumi.interpolate`${settings.auth.dashboardUsername}:${secrets.dashboardPasswordBcrypt}`,
};

// The services: Supabase core behind Kong (and Traefik on vps), then AI/cache/observability, then extras.
const core = declareSupabaseCore(ctx, smtpPassword);
const ai = declareAiServices(ctx, core);
const extras = declareSupabaseExtras(ctx, core, ai);
const { db, traefik, mail, minio, kong } = core;
const { qdrant, ollama, redis, prometheus } = ai;
const { migrations, functions, supavisor, imgproxy, grafana } = extras;

// Outputs: what a user and `npm run env|verify|backup` need. Keys and passwords stay secret.
const local = settings.target === "local";
export const target = settings.target;
export const apiUrl = settings.publicUrl;
export const studioUrl = settings.studioUrl;
export const mailpitUrl = mail ? (local ? `http://127.0.0.1:${settings.ports.mailpit}` : `https://mail.${settings.vps.domain}`) : undefined;
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
  supavisor && local
    ? pulumi.secret(pulumi.interpolate`postgres://${supavisor.user}:${secrets.postgresPassword}@127.0.0.1:${settings.ports.poolerSession}/postgres`)
    : undefined;
export const imgproxyContainer = imgproxy?.container.name;
export const grafanaUrl = grafana ? (local ? `http://127.0.0.1:${settings.ports.grafana}` : `https://grafana.${settings.vps.domain}`) : undefined;
