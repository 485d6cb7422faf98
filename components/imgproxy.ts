import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import { ServiceArgs } from "./container";
import { ServiceComponent } from "./serviceComponent";
import { STORAGE_FILE_PATH } from "./storage";

export interface ImgproxyArgs extends ServiceArgs {
  /** Storage's volume with the `file` backend; imgproxy reads originals from it directly. */
  readonly storageVolume?: docker.Volume;
}

export const IMGPROXY_URL = internalUrl("imgproxy");

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
      env: {
        IMGPROXY_BIND: `:${ADDRESSES.imgproxy.port}`,
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: "/",
        IMGPROXY_USE_ETAG: true,
        IMGPROXY_AUTO_WEBP: true,
        IMGPROXY_MAX_SRC_RESOLUTION: 16.8,
        // MinIO sits on the private Docker network; imgproxy must be allowed to fetch from it.
        ...(fileBackend ? {} : { IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES: true }),
      },
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
      healthcheck: { tests: ["CMD", "imgproxy", "health"] },
    });
    this.registerOutputs({ container: this.container.id });
  }
}
