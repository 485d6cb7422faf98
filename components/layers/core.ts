import * as pulumi from "@pulumi/pulumi";
import { Auth } from "../auth";
import { enabledServices } from "../../config/budget";
import { Database } from "../database";
import { DockerProxy } from "../dockerProxy";
import { MailTemplates } from "../mailTemplates";
import { FUNCTIONS_KONG_SERVICE } from "../functions";
import { IMGPROXY_URL } from "../imgproxy";
import { Kong } from "../kong";
import { MAILPIT_SMTP, Mail } from "../mail";
import { Meta } from "../meta";
import { Minio } from "../minio";
import { Realtime } from "../realtime";
import { Rest } from "../rest";
import { Storage } from "../storage";
import { Studio } from "../studio";
import { Traefik, publicHostLabels } from "../traefik";
import { studioKeys } from "./common";
import { StackContext, baseArgs, dbAndJwt } from "./context";

export type SupabaseCore = ReturnType<typeof declareSupabaseCore>;

/**
 * The Supabase core, wired as upstream's docker-compose: db first, then the services that wait for
 * it, then Kong as the single front door (Traefik in front of it on vps).
 */
export function declareSupabaseCore(ctx: StackContext, smtpPassword: pulumi.Output<string>) {
  const { settings, secrets, signing, opts } = ctx;
  const base = baseArgs(ctx);
  const pg = dbAndJwt(ctx);
  // With Prometheus on, every Supabase service opens its metrics endpoint on the private network.
  const metrics = settings.features.prometheus;

  const db = new Database("db", { ...base, password: secrets.postgresPassword }, opts);

  // The Docker API, read-only, for Traefik (vps) and Vector (logs): the only container with the socket.
  const dockerProxy = enabledServices(settings).includes("dockerProxy")
    ? new DockerProxy("dockerProxy", base, opts)
    : undefined;

  // Edge (vps only): Traefik is the one container on ports 80/443, with Let's Encrypt certificates.
  const traefik =
    settings.target === "vps"
      ? new Traefik("traefik", { ...base, metrics, dockerProxy: dockerProxy! }, opts)
      : undefined;

  // Mail: Mailpit catches sign-up mails locally; vps uses the configured SMTP provider.
  const mail = settings.features.mailpit
    ? new Mail(
        "mail",
        { ...base, labels: publicHostLabels(settings, "mail", ctx.dashboardAuth) },
        opts,
      )
    : undefined;
  const smtp = mail
    ? {
        ...MAILPIT_SMTP,
        user: "",
        password: pulumi.secret(""),
        adminEmail: "admin@localhost",
        senderName: settings.smtp.senderName,
      }
    : { ...settings.smtp, password: smtpPassword };

  // GoTrue fetches its mail template bodies over HTTP only: a small server of the project's files.
  const mailTemplates = settings.features.mailTemplates
    ? new MailTemplates("mailTemplates", base, opts)
    : undefined;

  const auth = new Auth(
    "auth",
    {
      ...base,
      ...pg,
      smtp,
      metrics,
      jwtKeys: signing?.jwtKeys,
      secretEnv: ctx.userSecrets?.authEnv,
      samlPrivateKey: secrets.samlPrivateKey,
      dependsOn: [
        db.container,
        ...(mail ? [mail.container] : []),
        ...(mailTemplates ? [mailTemplates.container] : []),
      ],
    },
    opts,
  );
  const rest = new Rest(
    "rest",
    { ...base, ...pg, metrics, jwks: signing?.jwks, dependsOn: [db.container] },
    opts,
  );
  const realtime = new Realtime(
    "realtime",
    {
      ...base,
      ...pg,
      anonKey: secrets.anonKey,
      secretKeyBase: secrets.secretKeyBase,
      dbEncKey: secrets.realtimeDbEncKey,
      jwks: signing?.jwks,
      dependsOn: [db.container],
    },
    opts,
  );
  const minio = settings.features.minio
    ? new Minio(
        "minio",
        {
          ...base,
          rootUser: secrets.minioUser,
          rootPassword: secrets.minioPassword,
          bucket: settings.storage.bucket,
        },
        opts,
      )
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
      dependsOn: [db.container, rest.container, ...(minio ? [minio.container] : [])],
      after: minio ? [minio.createBucket] : [],
    },
    opts,
  );
  const meta = new Meta(
    "meta",
    {
      ...base,
      postgresPassword: secrets.postgresPassword,
      cryptoKey: secrets.pgMetaCryptoKey,
      dependsOn: [db.container],
    },
    opts,
  );
  const studio = new Studio(
    "studio",
    {
      ...base,
      ...pg,
      ...studioKeys(secrets, signing),
      logflarePrivateToken: settings.features.logs ? secrets.logflarePrivateToken : undefined,
      openAiKey: ctx.userSecrets?.studioOpenAiKey,
      dependsOn: [meta.container],
    },
    opts,
  );

  // API routes with key-auth, Studio behind basic auth at `/`; on vps api.<domain> and
  // studio.<domain> both reach Kong through Traefik.
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
      labels: publicHostLabels(settings, "kong"),
      dependsOn: [
        auth.container,
        rest.container,
        realtime.container,
        storage.container,
        studio.container,
      ],
    },
    opts,
  );

  return {
    db,
    dockerProxy,
    traefik,
    mail,
    mailTemplates,
    auth,
    rest,
    realtime,
    minio,
    storage,
    meta,
    studio,
    kong,
  };
}
