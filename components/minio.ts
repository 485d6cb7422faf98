import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, internalUrl } from "../config/services";
import { ServiceArgs, oneShotContainer } from "./container";
import { OneShotJob } from "./jobGates";
import { ServiceComponent } from "./serviceComponent";

export interface MinioArgs extends ServiceArgs {
  readonly rootUser: pulumi.Input<string>;
  readonly rootPassword: pulumi.Input<string>;
  readonly bucket: string;
}

export const MINIO_URL = internalUrl("minio");

/** S3 object store for Storage, plus the one-shot job that creates its bucket. */
export class Minio extends ServiceComponent {
  public readonly dataVolume = this.volume("minio-data");
  /** Storage starts only after this job exited 0 (compose: service_completed_successfully). */
  public readonly createBucket: OneShotJob;

  constructor(name: string, args: MinioArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:storage:Minio", name, args, opts);
    const { settings } = args;
    this.serve({
      service: "minio",
      command: ["server", "/data", "--console-address", `:${ADDRESSES.minio.ports.console}`],
      env: {
        MINIO_ROOT_USER: args.rootUser,
        MINIO_ROOT_PASSWORD: args.rootPassword,
        // Prometheus scrapes /minio/v2/metrics/cluster on the private network only.
        MINIO_PROMETHEUS_AUTH_TYPE: "public",
      },
      volumes: [{ volumeName: this.dataVolume.name, containerPath: "/data" }],
      healthcheck: {
        tests: ["CMD", "mc", "ready", "local"],
        interval: "2s",
        timeout: "10s",
        retries: 5,
      },
    });
    this.createBucket = oneShotContainer(
      `${name}-create-bucket`,
      {
        settings,
        job: "minio-createbucket",
        image: settings.images.minio,
        network: args.network,
        // Credentials come from env, so they never show in the job's command line.
        entrypoints: [
          "/bin/sh",
          "-ec",
          `mc alias set local ${MINIO_URL} "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" && mc mb --ignore-existing local/${args.bucket}`,
        ],
        env: { MINIO_ROOT_USER: args.rootUser, MINIO_ROOT_PASSWORD: args.rootPassword },
      },
      { parent: this, dependsOn: [this.container] },
    );
    this.registerOutputs({ container: this.container.id, dataVolume: this.dataVolume.name });
  }
}
