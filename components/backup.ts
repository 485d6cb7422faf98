import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { SCHEDULER_ENV } from "../config/backupEnv";
import { Env, ServiceArgs, oneShotContainer, scratchVolume } from "./container";
import { DB_HOST, DB_NAME, DB_PORT } from "./database";
import { MINIO_URL } from "./minio";
import { WAL_ARCHIVE_PATHS } from "./render/walArchive";
import { ServiceComponent } from "./serviceComponent";

/** From the address table, where Prometheus' scrape target comes from too. */
export const BACKUP_METRICS_PORT = ADDRESSES.backup.metrics.port;
export const BACKUP_DIR = "/backups";
const NODE_DIR = "/opt/ownstack-node";
const SCRIPT = "/opt/ownstack/backup-scheduler.js";
/** The file backend's volume, read-only, so that `tar -C <parent> storage` gives docker cp's layout. */
const STORAGE_PARENT = "/mnt/ownstack-storage";
/** Studio's two volumes, read-only, as `snippets` and `edge-functions` (scripts/lib/backup/studio.ts). */
const STUDIO_PARENT = "/mnt/ownstack-studio";
/** Open WebUI's data volume, read-only; the backup takes its `uploads` (scripts/lib/backup/folders.ts). */
const OPEN_WEBUI_PARENT = "/mnt/ownstack-openwebui";

export interface BackupArgs extends ServiceArgs {
  readonly postgresPassword: pulumi.Input<string>;
  /** The current encryption key and, after a rotation, the one before (to re-encrypt kept backups). */
  readonly key: pulumi.Input<string>;
  readonly previousKey?: pulumi.Input<string>;
  readonly db: docker.Container;
  /** Where Storage keeps objects: its file volume, or MinIO with the root credentials. */
  readonly storage:
    | { readonly volume: docker.Volume }
    | {
        readonly minio: docker.Container;
        readonly user: pulumi.Input<string>;
        readonly password: pulumi.Input<string>;
      };
  /** Studio's saved snippets and Edge Functions volumes (Studio.snippetsVolume, .functionsVolume). */
  readonly studio: { readonly snippets: docker.Volume; readonly functions: docker.Volume };
  /** Open WebUI's data volume (OpenWebui.dataVolume), when the stack runs it. */
  readonly openWebuiVolume?: docker.Volume;
  /** The db container's WAL archive (Database.walVolume): base backups, WAL off-site, pruning. */
  readonly walVolume?: docker.Volume;
  /** Secret credentials of the off-site copy (settings.backup.offsite says which kind). */
  readonly offsite?: {
    readonly sftpPrivateKey?: pulumi.Input<string>;
    readonly s3AccessKeyId?: pulumi.Input<string>;
    readonly s3SecretAccessKey?: pulumi.Input<string>;
  };
}

/**
 * The backup scheduler (scripts/backup-scheduler.ts, README "Backups"). It runs in the db image
 * itself: pg_dump then always has the server's exact version (pg_dump refuses a newer server, and
 * an older client may miss what a newer server stores), and the image is already on the host. The
 * db image has no Node, so a one-shot job copies the binary from the pinned Node image into a
 * small volume (Node's official Linux build needs glibc and libstdc++, both in the db image's
 * Ubuntu base). The scheduler itself is our TypeScript, bundled into one file and uploaded, so the
 * container runs the code the tests run. No Docker socket: the database is reached over the
 * private network, file storage and Studio's snippets and functions through their volumes mounted
 * read-only, MinIO over S3.
 */
export class Backup extends ServiceComponent {
  public readonly dataVolume: docker.Volume;

  constructor(name: string, args: BackupArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:ops:Backup", name, args, opts);
    const { settings } = args;
    const b = settings.backup;
    const kind = b.offsite.startsWith("sftp://")
      ? "sftp"
      : b.offsite.startsWith("s3://")
        ? "s3"
        : undefined;
    if (kind === "sftp" && args.offsite?.sftpPrivateKey === undefined)
      throw new pulumi.ResourceError(
        "`offsite.sftpPrivateKey` is required for an sftp:// backupOffsite.",
        this,
      );
    if (
      kind === "s3" &&
      (args.offsite?.s3AccessKeyId === undefined || args.offsite.s3SecretAccessKey === undefined)
    )
      throw new pulumi.ResourceError(
        "`offsite.s3AccessKeyId` and `offsite.s3SecretAccessKey` are required for an s3:// backupOffsite.",
        this,
      );

    this.dataVolume = this.volume("backups");
    const runtime = scratchVolume(settings, `${name}-node-runtime`, "backup-node", {
      parent: this,
    });
    const copyNode = oneShotContainer(
      `${name}-node`,
      {
        settings,
        job: "backup-node",
        image: settings.images.backupNode,
        network: args.network,
        entrypoints: ["/bin/sh", "-ec"],
        command: [
          `cp /usr/local/bin/node ${NODE_DIR}/node.new && mv ${NODE_DIR}/node.new ${NODE_DIR}/node`,
        ],
        volumes: [{ volumeName: runtime.name, containerPath: NODE_DIR }],
      },
      { parent: this },
    );

    const env: Env = {
      [SCHEDULER_ENV.stack]: settings.stack,
      [SCHEDULER_ENV.version]: ownstackVersion(),
      [SCHEDULER_ENV.dir]: BACKUP_DIR,
      [SCHEDULER_ENV.schedule]: b.schedule,
      [SCHEDULER_ENV.retention]: Object.entries(b.retention)
        .map(([unit, n]) => `${unit}=${n}`)
        .join(","),
      [SCHEDULER_ENV.key]: args.key,
      [SCHEDULER_ENV.metricsPort]: BACKUP_METRICS_PORT,
      PGHOST: DB_HOST,
      PGPORT: DB_PORT,
      PGUSER: "supabase_admin",
      PGDATABASE: DB_NAME,
      PGPASSWORD: args.postgresPassword,
      ...(args.previousKey !== undefined ? { [SCHEDULER_ENV.previousKey]: args.previousKey } : {}),
      ...("minio" in args.storage
        ? {
            [SCHEDULER_ENV.storageKind]: "minio",
            [SCHEDULER_ENV.minioUrl]: MINIO_URL,
            [SCHEDULER_ENV.minioUser]: args.storage.user,
            [SCHEDULER_ENV.minioPassword]: args.storage.password,
          }
        : { [SCHEDULER_ENV.storageKind]: "file", [SCHEDULER_ENV.storageMount]: STORAGE_PARENT }),
      [SCHEDULER_ENV.studioMount]: STUDIO_PARENT,
      ...(args.openWebuiVolume ? { [SCHEDULER_ENV.openWebuiMount]: OPEN_WEBUI_PARENT } : {}),
      ...(args.walVolume
        ? {
            [SCHEDULER_ENV.walDir]: WAL_ARCHIVE_PATHS.dir,
            [SCHEDULER_ENV.pitrRetentionDays]: b.pitr.retentionDays,
            [SCHEDULER_ENV.walArchiveTimeout]: b.pitr.archiveTimeoutSeconds,
          }
        : {}),
      ...(kind !== undefined ? { [SCHEDULER_ENV.offsite]: b.offsite } : {}),
      ...(kind === "sftp"
        ? {
            [SCHEDULER_ENV.sftpKey]: args.offsite!.sftpPrivateKey!,
            [SCHEDULER_ENV.sftpHostKey]: b.sftpHostKey,
          }
        : {}),
      ...(kind === "s3"
        ? {
            [SCHEDULER_ENV.s3AccessKeyId]: args.offsite!.s3AccessKeyId!,
            [SCHEDULER_ENV.s3SecretAccessKey]: args.offsite!.s3SecretAccessKey!,
            [SCHEDULER_ENV.s3Region]: b.s3Region,
            ...(b.s3Endpoint !== "" ? { [SCHEDULER_ENV.s3Endpoint]: b.s3Endpoint } : {}),
          }
        : {}),
    };

    this.serve(
      {
        service: "backup",
        image: settings.images.db,
        entrypoints: [`${NODE_DIR}/node`],
        command: [SCRIPT, "run"],
        env,
        uploads: [{ file: SCRIPT, content: pulumi.output(schedulerBundle()), permissions: "0644" }],
        volumes: [
          { volumeName: runtime.name, containerPath: NODE_DIR, readOnly: true },
          { volumeName: this.dataVolume.name, containerPath: BACKUP_DIR },
          ...("volume" in args.storage
            ? [
                {
                  volumeName: args.storage.volume.name,
                  containerPath: `${STORAGE_PARENT}/storage`,
                  readOnly: true,
                },
              ]
            : []),
          {
            volumeName: args.studio.snippets.name,
            containerPath: `${STUDIO_PARENT}/snippets`,
            readOnly: true,
          },
          {
            volumeName: args.studio.functions.name,
            containerPath: `${STUDIO_PARENT}/edge-functions`,
            readOnly: true,
          },
          ...(args.openWebuiVolume
            ? [
                {
                  volumeName: args.openWebuiVolume.name,
                  containerPath: OPEN_WEBUI_PARENT,
                  readOnly: true,
                },
              ]
            : []),
          // The same path as in the db container, so restore_command reads it unchanged.
          ...(args.walVolume
            ? [{ volumeName: args.walVolume.name, containerPath: WAL_ARCHIVE_PATHS.dir }]
            : []),
        ],
        healthcheck: {
          tests: [
            "CMD",
            `${NODE_DIR}/node`,
            "-e",
            `fetch("http://127.0.0.1:${BACKUP_METRICS_PORT}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
          ],
          // Several probes must fit inside pulumi up's 90 s wait after the start period
          // (test/plan/limits.test.ts); the server answers as soon as Node has loaded the bundle.
          interval: "10s",
          startPeriod: "20s",
        },
        after: [copyNode],
      },
      [args.db, ...("minio" in args.storage ? [args.storage.minio] : [])],
    );
    this.registerOutputs({ container: this.container.id, dataVolume: this.dataVolume.name });
  }
}

const ownstackVersion = () =>
  (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string })
    .version;

let bundle: Promise<string> | undefined;
/**
 * scripts/backup-scheduler.ts and what it imports, as one CommonJS file for Node 22. ssh2's
 * optional native helpers stay out: it falls back to its pure-JS code when they are missing.
 * esbuild's output is the same for the same sources, so a plan is the same twice in a row. The
 * async API runs esbuild as a child process (its sync API waits on a worker thread instead).
 */
export function schedulerBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(__dirname, "..", "scripts", "backup-scheduler.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    external: ["*.node", "cpu-features"],
    write: false,
    logLevel: "silent",
  }).then((r) => r.outputFiles[0].text);
  return bundle;
}
