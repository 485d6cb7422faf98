import { stringify } from "yaml";
import { BARMAN_PLUGIN, CNPG_CLUSTER, PRELOAD_LIBRARIES } from "../../../components/k8s/database";
import { DB_NAME } from "../../../components/database";
import type { Settings } from "../../../config/settings";
import { OperatorError } from "../operatorError";
import { RecoveryTarget } from "./pitr";

/**
 * Point-in-time recovery on kubernetes is CloudNativePG's: the Barman Cloud plugin archives WAL
 * and base backups to `cnpgBackupPath` (components/k8s/database.ts), and recovery bootstraps a
 * new Cluster from that object store with `bootstrap.recovery.recoveryTarget.targetTime`
 * (https://cloudnative-pg.io/documentation/current/recovery/ and the plugin's "Restoring a
 * Cluster", https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/). CNPG never recovers in
 * place, so this is a second Cluster beside the live one; it archives nothing until it is made
 * the live one.
 */

export const RECOVERY_CLUSTER = `${CNPG_CLUSTER}-pitr`;

export function cnpgRecoveryCluster(settings: Settings, target: RecoveryTarget): object {
  const k = settings.kubernetes;
  if (k.database !== "cnpg")
    throw new OperatorError(
      "this stack uses an external database (ownstack:database external): point-in-time recovery is your provider's",
    );
  if (k.cnpg.backupPath === "")
    throw new OperatorError(
      "no WAL archive: set ownstack:cnpgBackupPath (s3://bucket/path) so CloudNativePG archives WAL and base backups, then pulumi up",
    );
  const memory = `${settings.memoryMiB.db}Mi`;
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name: RECOVERY_CLUSTER, namespace: k.namespace },
    spec: {
      instances: 1,
      imageName: settings.images.db,
      enableSuperuserAccess: true,
      storage: { size: k.cnpg.storageSize },
      resources: { requests: { memory }, limits: { memory } },
      postgresql: {
        shared_preload_libraries: PRELOAD_LIBRARIES,
        parameters: { "cron.database_name": DB_NAME, wal_level: "logical" },
      },
      bootstrap: {
        recovery: { source: "origin", recoveryTarget: { targetTime: target.text } },
      },
      externalClusters: [
        {
          name: "origin",
          plugin: {
            name: BARMAN_PLUGIN,
            parameters: { barmanObjectName: `${CNPG_CLUSTER}-backups`, serverName: CNPG_CLUSTER },
          },
        },
      ],
    },
  };
}

/** The spec and what to do with it, as `npm run restore -- -s <k8s stack> --to …` prints it. */
export function formatCnpgRecovery(settings: Settings, target: RecoveryTarget): string {
  const ns = settings.kubernetes.namespace;
  return [
    `# CloudNativePG point-in-time recovery of cluster ${CNPG_CLUSTER} to ${target.text}.`,
    `# 1. kubectl apply -f this file; kubectl -n ${ns} get cluster ${RECOVERY_CLUSTER} -w  (Ready when WAL is replayed)`,
    `# 2. check it: kubectl -n ${ns} exec -it ${RECOVERY_CLUSTER}-1 -- psql -U postgres`,
    `# 3. to make it live, dump and restore it into ${CNPG_CLUSTER} (npm run backup / restore with --db-url),`,
    `#    or see https://cloudnative-pg.io/documentation/current/recovery/ to replace the cluster.`,
    `# A target before the oldest base backup or after the last archived WAL fails in step 1;`,
    `# kubectl -n ${ns} get backups lists what the object store holds.`,
    stringify(cnpgRecoveryCluster(settings, target), { lineWidth: 0 }),
  ].join("\n");
}
