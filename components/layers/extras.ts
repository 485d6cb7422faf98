import { internalUrl } from "../../config/services";
import { Backup } from "../backup";
import { Functions } from "../functions";
import { Grafana } from "../grafana";
import { Imgproxy } from "../imgproxy";
import { Migrations } from "../migrations";
import { OpenWebui } from "../openWebui";
import { Supavisor } from "../supavisor";
import { publicHostLabels } from "../traefik";
import { AiServices } from "./ai";
import { StackContext, baseArgs, dbAndJwt } from "./context";
import { SupabaseCore } from "./core";

export type SupabaseExtras = ReturnType<typeof declareSupabaseExtras>;

/** Supabase extras: migrations always; Edge Functions, Supavisor, imgproxy and Grafana by toggle. */
export function declareSupabaseExtras(ctx: StackContext, core: SupabaseCore, ai: AiServices) {
  const { settings, secrets, signing, opts } = ctx;
  const base = baseArgs(ctx);
  const pg = dbAndJwt(ctx);
  const migrations = new Migrations(
    "migrations",
    {
      ...base,
      postgresPassword: secrets.postgresPassword,
      openWebuiDbPassword: settings.features.openWebui ? secrets.openWebuiDbPassword : undefined,
      dependsOn: [core.db.container, core.auth.container, core.storage.container],
    },
    opts,
  );
  // Chat with Ollama's models (ownstack:openWebui); config checks keep Ollama and Qdrant on with it.
  const openWebui =
    settings.features.openWebui && ai.ollama && ai.qdrant
      ? new OpenWebui(
          "openwebui",
          {
            ...base,
            secretKey: secrets.openWebuiSecretKey,
            dbPassword: secrets.openWebuiDbPassword,
            qdrantApiKey: secrets.qdrantApiKey,
            adminPassword: secrets.openWebuiAdminPassword,
            labels: publicHostLabels(settings, "openWebui"),
            dependsOn: [core.db.container, ai.ollama.container, ai.qdrant.container],
            after: [migrations.job],
          },
          opts,
        )
      : undefined;
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
          functionsVolume: core.studio.functionsVolume,
          dependsOn: [core.kong.container],
        },
        opts,
      )
    : undefined;
  const supavisor = settings.features.supavisor
    ? new Supavisor(
        "supavisor",
        {
          ...base,
          ...pg,
          secretKeyBase: secrets.secretKeyBase,
          vaultEncKey: secrets.vaultEncKey,
          dependsOn: [core.db.container],
          after: [migrations.job],
        },
        opts,
      )
    : undefined;
  const imgproxy = settings.features.imgproxy
    ? new Imgproxy("imgproxy", { ...base, storageVolume: core.storage.dataVolume }, opts)
    : undefined;
  const grafana =
    settings.features.grafana && ai.prometheus
      ? new Grafana(
          "grafana",
          {
            ...base,
            prometheusUrl: internalUrl("prometheus"),
            adminPassword: secrets.dashboardPassword,
            labels: publicHostLabels(settings, "grafana"),
          },
          opts,
        )
      : undefined;
  // Backups, on by default: scheduled, encrypted, optionally copied off-site (README "Backups").
  const minio = core.minio;
  const backup = settings.features.backup
    ? new Backup(
        "backup",
        {
          ...base,
          postgresPassword: secrets.postgresPassword,
          key: secrets.backupKey,
          previousKey: secrets.backupPreviousKey,
          db: core.db.container,
          storage: minio
            ? { minio: minio.container, user: secrets.minioUser, password: secrets.minioPassword }
            : { volume: core.storage.dataVolume! },
          studio: { snippets: core.studio.snippetsVolume, functions: core.studio.functionsVolume },
          openWebuiVolume: openWebui?.dataVolume,
          walVolume: core.db.walVolume,
          offsite: ctx.backupOffsite,
        },
        opts,
      )
    : undefined;
  return { migrations, functions, supavisor, imgproxy, grafana, backup, openWebui };
}
