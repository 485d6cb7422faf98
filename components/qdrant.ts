import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, reachableUrl } from "../config/services";
import { Env, Healthcheck, ServiceArgs } from "./container";
import { ServiceComponent } from "./serviceComponent";

export interface QdrantArgs extends ServiceArgs {
  readonly apiKey: pulumi.Input<string>;
}

export const QDRANT_PORT: number = ADDRESSES.qdrant.port;

/**
 * The image is debian-slim with bash but no curl or wget (maintainers declined to add one,
 * qdrant#3491), so the healthcheck speaks HTTP over bash's /dev/tcp. /readyz needs no API key and
 * answers 200 only once every shard is loaded.
 */
export function qdrantReadyCheck(port = QDRANT_PORT): string {
  return `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`;
}

/** Qdrant's healthcheck: ready once its collections are loaded (start period for large ones). */
export const QDRANT_HEALTHCHECK: Healthcheck = {
  tests: ["CMD", "bash", "-c", qdrantReadyCheck()],
  startPeriod: "20s",
};

/** The API key on every route but the health probes; telemetry off. */
export const qdrantEnv = (apiKey: pulumi.Input<string>): Env => ({
  QDRANT__SERVICE__API_KEY: pulumi.secret(apiKey),
  // The default sends anonymous usage statistics to the vendor.
  QDRANT__TELEMETRY_DISABLED: true,
});

/** Qdrant's storage and snapshot folders (the image's volumes). */
export const QDRANT_STORAGE = "/qdrant/storage";
export const QDRANT_SNAPSHOTS = "/qdrant/snapshots";

/** Qdrant vector database: API key required on every route but the health probes. */
export class Qdrant extends ServiceComponent {
  public readonly storageVolume = this.volume("qdrant-storage");
  /** Snapshots are Qdrant's backups; they must outlive a container re-create too. */
  public readonly snapshotsVolume = this.volume("qdrant-snapshots");
  /** Where clients reach it: 127.0.0.1 on local, the private network on vps. */
  public readonly url: string;

  constructor(name: string, args: QdrantArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:ai:Qdrant", name, args, opts);
    this.url = reachableUrl(args.settings, "qdrant");
    this.serve({
      service: "qdrant",
      env: qdrantEnv(args.apiKey),
      volumes: [
        { volumeName: this.storageVolume.name, containerPath: QDRANT_STORAGE },
        { volumeName: this.snapshotsVolume.name, containerPath: QDRANT_SNAPSHOTS },
      ],
      healthcheck: QDRANT_HEALTHCHECK,
    });
    this.registerOutputs({ container: this.container.id, url: this.url });
  }
}
