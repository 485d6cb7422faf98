import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import type { Settings } from "../config/settings";
import { Env, Healthcheck, ServiceArgs } from "./container";
import { ServiceComponent } from "./serviceComponent";
import { STORAGE_FILE_PATH } from "./storage";

export interface ImgproxyArgs extends ServiceArgs {
  /** Storage's volume with the `file` backend; imgproxy reads originals from it directly. */
  readonly storageVolume?: docker.Volume;
}

export const IMGPROXY_URL = internalUrl("imgproxy");

export const IMGPROXY_HEALTHCHECK: Healthcheck = { tests: ["CMD", "imgproxy", "health"] };

/** imgproxy's env on both runtimes. */
export function imgproxyEnv(settings: Settings): Env {
  return {
    IMGPROXY_BIND: `:${ADDRESSES.imgproxy.port}`,
    IMGPROXY_LOCAL_FILESYSTEM_ROOT: "/",
    IMGPROXY_USE_ETAG: true,
    IMGPROXY_AUTO_WEBP: true,
    IMGPROXY_MAX_SRC_RESOLUTION: 16.8,
    // MinIO sits on the private Docker network (an S3 service may sit on the cluster's): imgproxy
    // must be allowed to fetch the presigned URLs Storage hands it from there.
    ...(settings.storage.backend === "file"
      ? {}
      : { IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES: true }),
  };
}

/**
 * imgproxy for Storage's image transformations (upstream's `imgproxy` service in docker/docker-compose.yml). Storage hands it
 * a `local:///var/lib/storage/…` path with the file backend, and a presigned MinIO URL with the
 * minio backend, which imgproxy fetches over the private network.
 */
export class Imgproxy extends ServiceComponent {
  constructor(name: string, args: ImgproxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Imgproxy", name, args, opts);
    const fileBackend = args.settings.storage.backend === "file";
    if (fileBackend && !args.storageVolume)
      throw new pulumi.ResourceError(
        "`storageVolume` is required when storageBackend is file: imgproxy reads the originals from it.",
        this,
      );
    this.serve({
      service: "imgproxy",
      env: imgproxyEnv(args.settings),
      volumes:
        fileBackend && args.storageVolume
          ? [
              {
                volumeName: args.storageVolume.name,
                containerPath: STORAGE_FILE_PATH,
                readOnly: true,
              },
            ]
          : undefined,
      healthcheck: IMGPROXY_HEALTHCHECK,
    });
    this.registerOutputs({ container: this.container.id });
  }
}
