import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import type { Settings } from "../config/settings";
import { Env, Healthcheck } from "./container";
import { OneShotJob } from "./jobGates";
import { DbEndpoint, JwtDbClientArgs, dbUrl } from "./database";
import { MINIO_URL } from "./minio";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

export interface StorageArgs extends JwtDbClientArgs {
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
  /** MinIO's bucket job: Storage fails its first request without the bucket. */
  readonly after?: readonly OneShotJob[];
}

/**
 * Where the file backend keeps objects (upstream's FILE_STORAGE_BACKEND_PATH); imgproxy mounts the
 * same volume at the same path, since Storage hands it `local://` paths below it.
 */
export const STORAGE_FILE_PATH = "/var/lib/storage";

/** What the env needs: the component's args without the Docker wiring, and where Postgres is. */
export type StorageEnvArgs = Omit<StorageArgs, "network" | "dependsOn" | "after"> & {
  readonly db?: DbEndpoint;
};

/** Storage checks itself by the name others call it on; on kubernetes a probe asks localhost. */
export const storageHealthcheck = (host: string): Healthcheck => ({
  tests: wgetCheck(`http://${host}:${ADDRESSES.storage.port}/status`),
});

/** Storage API, on MinIO (upstream's s3 overlay) or on a local volume (upstream's default). */
export class Storage extends ServiceComponent {
  public readonly dataVolume?: docker.Volume;

  constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Storage", name, args, opts);
    const { backend } = args.settings.storage;
    if (backend !== "file" && !args.s3)
      throw new pulumi.ResourceError(
        `\`s3\` credentials are required when storageBackend is ${backend}.`,
        this,
      );
    if (backend === "file") this.dataVolume = this.volume("storage-data");
    this.serve({
      service: "storage",
      env: storageEnv(args),
      volumes: this.dataVolume
        ? [{ volumeName: this.dataVolume.name, containerPath: STORAGE_FILE_PATH }]
        : undefined,
      healthcheck: storageHealthcheck("storage"),
    });
    this.registerOutputs({ container: this.container.id });
  }
}

/** Storage API's env, shared by the storage container and the kubernetes Deployment. */
export function storageEnv(args: StorageEnvArgs): Env {
  const { settings } = args;
  const backend = storageBackendEnv(args);
  return {
    ANON_KEY: args.anonKey,
    SERVICE_KEY: args.serviceRoleKey,
    POSTGREST_URL: internalUrl("rest"),
    AUTH_JWT_SECRET: args.jwtSecret,
    ...(args.jwks ? { JWT_JWKS: args.jwks } : {}),
    DATABASE_URL: dbUrl(
      "supabase_storage_admin",
      args.postgresPassword,
      undefined,
      undefined,
      args.db,
    ),
    STORAGE_PUBLIC_URL: settings.publicUrl,
    REQUEST_ALLOW_X_FORWARDED_PATH: true,
    FILE_SIZE_LIMIT: 52428800,
    TENANT_ID: "stub",
    REGION: backend.region,
    // Without imgproxy, transformations would fail at request time: off unless it runs.
    ENABLE_IMAGE_TRANSFORMATION: args.imgproxyUrl !== undefined,
    ...(args.imgproxyUrl !== undefined ? { IMGPROXY_URL: args.imgproxyUrl } : {}),
    S3_PROTOCOL_ACCESS_KEY_ID: args.s3ProtocolAccessKeyId,
    S3_PROTOCOL_ACCESS_KEY_SECRET: args.s3ProtocolAccessKeySecret,
    ...(args.metrics ? { PROMETHEUS_METRICS_ENABLED: true } : {}),
    ...backend.env,
  };
}

/** Where objects go: MinIO on the private network, a volume, or a real S3 service (kubernetes). */
/**
 * The region Storage signs S3 protocol requests for (its REGION): what an S3 client of
 * `/storage/v1/s3` must be configured with. MinIO and the file backend use upstream's `local`.
 */
export function storageRegion(settings: Settings): string {
  return settings.storage.backend === "s3" ? settings.kubernetes.s3.region : "local";
}

function storageBackendEnv(args: StorageEnvArgs): { region: string; env: Env } {
  const { settings } = args;
  const { backend, bucket } = settings.storage;
  if (backend === "file")
    return {
      region: storageRegion(settings),
      env: {
        STORAGE_BACKEND: "file",
        GLOBAL_S3_BUCKET: bucket,
        FILE_STORAGE_BACKEND_PATH: STORAGE_FILE_PATH,
      },
    };
  const s3 =
    backend === "minio"
      ? // MinIO serves buckets by path, not by virtual host.
        {
          endpoint: MINIO_URL,
          protocol: "http",
          forcePathStyle: true,
          region: storageRegion(settings),
        }
      : {
          ...settings.kubernetes.s3,
          protocol: new URL(settings.kubernetes.s3.endpoint).protocol.replace(":", ""),
        };
  return {
    region: s3.region,
    env: {
      STORAGE_BACKEND: "s3",
      GLOBAL_S3_BUCKET: bucket,
      GLOBAL_S3_ENDPOINT: s3.endpoint,
      GLOBAL_S3_PROTOCOL: s3.protocol,
      GLOBAL_S3_FORCE_PATH_STYLE: s3.forcePathStyle,
      AWS_ACCESS_KEY_ID: args.s3?.accessKeyId ?? "",
      AWS_SECRET_ACCESS_KEY: args.s3?.secretAccessKey ?? "",
      AWS_DEFAULT_REGION: s3.region,
    },
  };
}
