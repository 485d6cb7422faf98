import * as pulumi from "@pulumi/pulumi";
import { BackupCredentials, DockerTls, UserSecrets } from "../../config";
import { reachableAddress, reachableUrl } from "../../config/services";
import { Settings } from "../../config/settings";
import { StackNetworks, dockerProvider } from "../network";
import { Secrets } from "../secrets";
import { SigningKeys } from "../signingKeys";
import { declareAiServices } from "./ai";
import { commonOutputs } from "./common";
import { StackContext } from "./context";
import { declareSupabaseCore } from "./core";
import { declareSupabaseExtras } from "./extras";
import { declareLogs } from "./logs";

/** target local or vps: the stack on one Docker daemon; returns the stack outputs. */
export function declareDockerStack(
  settings: Settings,
  secrets: Secrets,
  signing: SigningKeys | undefined,
  smtpPassword: pulumi.Output<string>,
  dockerTls: DockerTls,
  backupCredentials: BackupCredentials = {},
  userSecrets: UserSecrets = {},
): Record<string, unknown> {
  // One Docker daemon (this machine, or the server over SSH) and the networks of its edge table.
  const provider = dockerProvider(settings, dockerTls);
  const ctx: StackContext = {
    settings,
    secrets,
    signing,
    network: new StackNetworks(settings, { provider }),
    opts: { providers: [provider] },
    dashboardAuth: pulumi.interpolate`${settings.auth.dashboardUsername}:${secrets.dashboardPasswordBcrypt}`,
    backupOffsite: backupCredentials,
    userSecrets,
  };

  // The services: Supabase core behind Kong (and Traefik on vps), then AI/cache/observability, then extras.
  const core = declareSupabaseCore(ctx, smtpPassword);
  const ai = declareAiServices(ctx, core);
  const extras = declareSupabaseExtras(ctx, core, ai);
  // Studio's Logs Explorer (ownstack:logs): Logflare and Vector.
  declareLogs(ctx, core, extras);
  const { db, traefik, mail, minio, kong } = core;
  const { qdrant, ollama, redis, prometheus } = ai;
  const { migrations, functions, supavisor, imgproxy, grafana, backup, openWebui } = extras;

  // Outputs: what a user and `npm run env|verify|backup` need. Keys and passwords stay secret.
  const local = settings.target === "local";
  const outputs: Record<string, unknown> = {
    ...commonOutputs(settings, secrets, signing),
    mailpitUrl: mail ? reachableUrl(settings, "mail") : undefined,
    dbContainer: db.containerName,
    minioContainer: minio?.container.name,
    gateway: kong.container.name,
    edge: traefik?.container.name,
    qdrantUrl: qdrant?.url,
    qdrantApiKey: qdrant ? secrets.qdrantApiKey : undefined,
    ollamaUrl: ollama?.url,
    redisUrl: redis?.url,
    prometheusUrl: prometheus?.url,
    migrationFiles: migrations.files,
    migrationLog: migrations.log,
    functionsUrl: functions ? `${settings.publicUrl}/functions/v1` : undefined,
    functionNames: functions?.names,
    poolerUser: supavisor?.user,
    poolerUrl:
      supavisor && local
        ? pulumi.secret(
            pulumi.interpolate`postgres://${supavisor.user}:${secrets.postgresPassword}@${reachableAddress(settings, "supavisor")}/postgres`,
          )
        : undefined,
    imgproxyContainer: imgproxy?.container.name,
    grafanaUrl: grafana ? reachableUrl(settings, "grafana") : undefined,
    openWebuiUrl: openWebui?.url,
    openWebuiAdminEmail: openWebui ? settings.openWebui.adminEmail : undefined,
    openWebuiAdminPassword: openWebui ? secrets.openWebuiAdminPassword : undefined,
    openWebuiContainer: openWebui?.containerName,
    // Keep this key outside the machine: without it no encrypted backup can be restored.
    backupEncryptionKey: backup ? secrets.backupKey : undefined,
    backupContainer: backup?.containerName,
  };
  return outputs;
}
