import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Env, OneShotJob, ServiceArgs, dataVolume, serviceContainer } from "./container";
import { dbUrl } from "./database";
import { MINIO_URL } from "./minio";

export interface StorageArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  readonly jwtSecret: pulumi.Input<string>;
  /** JWT_JWKS (authSigning: es256); without it ES256 sessions fail and auth.uid() is NULL. */
  readonly jwks?: pulumi.Input<string>;
  /** imgproxy's URL when it runs; image transformations are off without it. */
  readonly imgproxyUrl?: string;
  readonly anonKey: pulumi.Input<string>;
  readonly serviceRoleKey: pulumi.Input<string>;
  readonly s3ProtocolAccessKeyId: pulumi.Input<string>;
  readonly s3ProtocolAccessKeySecret: pulumi.Input<string>;
  /** MinIO root credentials when the backend is `minio`. */
  readonly s3?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
  readonly metrics?: boolean;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** MinIO's bucket job: Storage fails its first request without the bucket. */
  readonly after?: readonly OneShotJob[];
}

/** Storage API, on MinIO (upstream's s3 overlay) or on a local volume (upstream's default). */
export class Storage extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly dataVolume?: docker.Volume;

  constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Storage", name, {}, opts);
    const { settings } = args;
    const region = "local";
    let backendEnv: Env;
    if (settings.storage.backend === "minio") {
      if (!args.s3) throw new pulumi.ResourceError("`s3` credentials are required when storageBackend is minio.", this);
      backendEnv = {
        STORAGE_BACKEND: "s3",
        GLOBAL_S3_BUCKET: settings.storage.bucket,
        GLOBAL_S3_ENDPOINT: MINIO_URL,
        GLOBAL_S3_PROTOCOL: "http",
        // MinIO serves buckets by path, not by virtual host.
        GLOBAL_S3_FORCE_PATH_STYLE: true,
        AWS_ACCESS_KEY_ID: args.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: args.s3.secretAccessKey,
        AWS_DEFAULT_REGION: region,
      };
    } else {
      this.dataVolume = dataVolume(settings, "storage-data", { parent: this });
      backendEnv = { STORAGE_BACKEND: "file", GLOBAL_S3_BUCKET: settings.storage.bucket, FILE_STORAGE_BACKEND_PATH: "/var/lib/storage" };
    }
    this.container = serviceContainer(
      `${name}-container`,
      {
        settings,
        service: "storage",
        image: settings.images.storage,
        network: args.network,
        aliases: ["storage"],
        env: {
          ANON_KEY: args.anonKey,
          SERVICE_KEY: args.serviceRoleKey,
          POSTGREST_URL: "http://rest:3000",
          AUTH_JWT_SECRET: args.jwtSecret,
          ...(args.jwks ? { JWT_JWKS: args.jwks } : {}),
          DATABASE_URL: dbUrl("supabase_storage_admin", args.postgresPassword),
          STORAGE_PUBLIC_URL: settings.publicUrl,
          REQUEST_ALLOW_X_FORWARDED_PATH: true,
          FILE_SIZE_LIMIT: 52428800,
          TENANT_ID: "stub",
          REGION: region,
          // Without imgproxy, transformations would fail at request time: off unless it runs.
          ENABLE_IMAGE_TRANSFORMATION: args.imgproxyUrl !== undefined,
          ...(args.imgproxyUrl !== undefined ? { IMGPROXY_URL: args.imgproxyUrl } : {}),
          S3_PROTOCOL_ACCESS_KEY_ID: args.s3ProtocolAccessKeyId,
          S3_PROTOCOL_ACCESS_KEY_SECRET: args.s3ProtocolAccessKeySecret,
          ...(args.metrics ? { PROMETHEUS_METRICS_ENABLED: true } : {}),
          ...backendEnv,
        },
        volumes: this.dataVolume ? [{ volumeName: this.dataVolume.name, containerPath: "/var/lib/storage" }] : undefined,
        healthcheck: { tests: ["CMD", "wget", "--no-verbose", "--tries=1", "--spider", "http://storage:5000/status"] },
        after: args.after,
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ container: this.container.id });
  }
}
