/**
 * The backup scheduler container's environment names: components/backup.ts sets them and
 * scripts/lib/backup/schedulerEnv.ts reads them, so both sides agree on one list.
 */
export const SCHEDULER_ENV = {
  stack: "OWNSTACK_STACK",
  version: "OWNSTACK_VERSION",
  dir: "OWNSTACK_BACKUP_DIR",
  schedule: "OWNSTACK_BACKUP_SCHEDULE",
  retention: "OWNSTACK_BACKUP_RETENTION",
  key: "OWNSTACK_BACKUP_PASSPHRASE",
  previousKey: "OWNSTACK_BACKUP_PREVIOUS_PASSPHRASE",
  metricsPort: "OWNSTACK_BACKUP_METRICS_PORT",
  storageKind: "OWNSTACK_STORAGE_KIND",
  storageMount: "OWNSTACK_STORAGE_MOUNT",
  studioMount: "OWNSTACK_STUDIO_MOUNT",
  openWebuiMount: "OWNSTACK_OPENWEBUI_MOUNT",
  minioUrl: "OWNSTACK_MINIO_URL",
  minioUser: "MINIO_ROOT_USER",
  minioPassword: "MINIO_ROOT_PASSWORD",
  offsite: "OWNSTACK_OFFSITE_URL",
  sftpKey: "OWNSTACK_OFFSITE_SSH_KEY",
  sftpHostKey: "OWNSTACK_OFFSITE_SSH_HOST_KEY",
  s3Endpoint: "OWNSTACK_OFFSITE_S3_ENDPOINT",
  s3Region: "OWNSTACK_OFFSITE_S3_REGION",
  s3AccessKeyId: "AWS_ACCESS_KEY_ID",
  s3SecretAccessKey: "AWS_SECRET_ACCESS_KEY",
  walDir: "OWNSTACK_WAL_DIR",
  pitrRetentionDays: "OWNSTACK_PITR_RETENTION_DAYS",
  walArchiveTimeout: "OWNSTACK_WAL_ARCHIVE_TIMEOUT_SECONDS",
} as const;

/**
 * The stack settings behind the off-site S3 copy's env, named by its S3 errors (an
 * InvalidAccessKeyId says which keys to set again). Every `ownstack:*` name here is a key of
 * config/schema.ts (test/config/backupConfig.test.ts).
 */
export const OFFSITE_S3_SETTINGS = {
  credentials: "ownstack:backupS3AccessKeyId and ownstack:backupS3SecretAccessKey",
  bucket: "the bucket in ownstack:backupOffsite (s3://bucket/prefix)",
  endpoint: "ownstack:backupOffsiteS3Endpoint",
  region: "ownstack:backupOffsiteS3Region",
} as const;
