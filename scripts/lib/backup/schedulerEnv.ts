import { join } from "node:path";
import { SCHEDULER_ENV } from "../../../config/backupEnv";
import { keyId } from "../../../config/backupKey";
import { OffsiteConfig, parseOffsiteUrl } from "./offsite";
import { PgTarget, urlTarget } from "./pg";
import type { PitrConfig } from "./pitrSchedule";
import { Retention, parseRetention } from "../../../config/backupRetention";
import { S3Client } from "./s3";
import { Schedule, parseSchedule } from "../../../config/backupSchedule";
import { StorageReader } from "./storage";
import { mountedFileStorage, s3Storage } from "./storageDirect";
import { StudioReader, mountedStudio } from "./studio";
import { FolderReader, OPEN_WEBUI_FILES, mountedFolders } from "./folders";

/**
 * The scheduler container's environment, as components/backup.ts sets it, read into typed
 * options. Every name is listed in SCHEDULER_ENV so the component and this reader agree.
 */

export { SCHEDULER_ENV } from "../../../config/backupEnv";

export interface SchedulerConfig {
  readonly prefix: string;
  readonly version: string;
  readonly root: string;
  readonly schedule: Schedule;
  readonly retention: Retention;
  readonly key?: string;
  readonly previousKey?: string;
  readonly keyId?: string;
  readonly metricsPort: number;
  readonly target: PgTarget;
  readonly storage?: StorageReader;
  /** Studio's two volumes, mounted read-only under one folder. */
  readonly studio?: StudioReader;
  /** Open WebUI's data volume, mounted read-only (its uploads). */
  readonly openWebui?: FolderReader;
  readonly offsite?: OffsiteConfig;
  /** Point-in-time recovery, when the WAL archive is mounted (OWNSTACK_WAL_DIR). */
  readonly pitr?: PitrConfig;
}

/** Reads the env; throws one error listing every problem (the container then restarts visibly). */
export function schedulerConfig(env: NodeJS.ProcessEnv): SchedulerConfig {
  const problems: string[] = [];
  const get = (k: keyof typeof SCHEDULER_ENV) => env[SCHEDULER_ENV[k]] ?? "";
  const need = (k: keyof typeof SCHEDULER_ENV) => {
    const v = get(k);
    if (v === "") problems.push(`${SCHEDULER_ENV[k]} is not set`);
    return v;
  };
  const schedule = parseSchedule(get("schedule") || "17 3 * * *");
  if (typeof schedule === "string") problems.push(`${SCHEDULER_ENV.schedule}: ${schedule}`);
  const { retention, problems: retentionProblems } = parseRetention(
    (get("retention") || "daily=7,weekly=4").split(","),
  );
  problems.push(...retentionProblems.map((p) => `${SCHEDULER_ENV.retention}${p}`));
  const root = get("dir") || "/backups";
  const key = get("key") || undefined;

  let storage: StorageReader | undefined;
  if (get("storageKind") === "file") storage = mountedFileStorage(need("storageMount"));
  else if (get("storageKind") === "minio") {
    const endpoint = need("minioUrl");
    storage = s3Storage(
      new S3Client({
        endpoint,
        region: "us-east-1",
        accessKeyId: need("minioUser"),
        secretAccessKey: need("minioPassword"),
      }),
      endpoint,
      join(root, ".storage-staging"),
    );
  }

  let offsite: OffsiteConfig | undefined;
  if (get("offsite") !== "") {
    const u = parseOffsiteUrl(get("offsite"));
    if (typeof u === "string") problems.push(`${SCHEDULER_ENV.offsite}: ${u}`);
    else if (u.kind === "sftp")
      offsite = { ...u, privateKey: need("sftpKey"), hostKey: need("sftpHostKey") };
    else
      offsite = {
        ...u,
        endpoint: {
          endpoint:
            get("s3Endpoint") || `https://s3.${get("s3Region") || "us-east-1"}.amazonaws.com`,
          region: get("s3Region") || "us-east-1",
          accessKeyId: need("s3AccessKeyId"),
          secretAccessKey: need("s3SecretAccessKey"),
        },
      };
  }
  const prefix = need("stack");
  const pg = {
    host: env.PGHOST ?? "db",
    port: env.PGPORT ?? "5432",
    user: env.PGUSER ?? "supabase_admin",
    database: env.PGDATABASE ?? "postgres",
  };
  if (problems.length > 0 || typeof schedule === "string")
    throw new Error(`backup scheduler: ${problems.join("; ")}`);
  return {
    prefix,
    version: get("version") || "unknown",
    root,
    schedule,
    retention,
    key,
    previousKey: get("previousKey") || undefined,
    keyId: key && keyId(key),
    metricsPort: Number(get("metricsPort") || 9188),
    // The password comes from PGPASSWORD in the environment, never from a URL or the command line.
    target: urlTarget(
      `postgres://${encodeURIComponent(pg.user)}@${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}`,
    ),
    storage,
    studio: get("studioMount") !== "" ? mountedStudio(get("studioMount")) : undefined,
    openWebui:
      get("openWebuiMount") !== ""
        ? mountedFolders(OPEN_WEBUI_FILES, get("openWebuiMount"))
        : undefined,
    offsite,
    pitr:
      get("walDir") !== ""
        ? {
            walDir: get("walDir"),
            retentionDays: Number(get("pitrRetentionDays") || 7),
            archiveTimeoutSeconds: Number(get("walArchiveTimeout") || 60),
          }
        : undefined,
  };
}
