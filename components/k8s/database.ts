import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { DB_HOST, DB_NAME, DB_PORT, DEFAULT_DB, DbEndpoint } from "../database";
import { stackLabels } from "./workload";

/** The CloudNativePG Cluster's name; its own Services are `postgres-rw`, `-ro`, `-r`. */
export const CNPG_CLUSTER = "postgres";

/** The Barman Cloud plugin (https://github.com/cloudnative-pg/plugin-barman-cloud), CNPG's backup path since 1.26. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";

/**
 * Libraries the supabase/postgres image preloads in its postgresql.conf that Supabase's services
 * rely on: pg_net (database webhooks), pg_cron, pg_stat_statements (Studio's query performance),
 * pgaudit. CloudNativePG writes its own postgresql.conf, so they are listed here.
 */
export const PRELOAD_LIBRARIES = ["pg_cron", "pg_net", "pg_stat_statements", "pgaudit"];

export interface KubernetesDatabaseArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly postgresPassword: pulumi.Output<string>;
  /** `database: external`: the admin URL (secret). */
  readonly databaseUrl?: pulumi.Output<string>;
  /** S3 credentials Secret (keys ACCESS_KEY_ID, ACCESS_SECRET_KEY) for the backups. */
  readonly s3Credentials: k8s.core.v1.Secret;
}

/**
 * Postgres from an engine that owns it: a CloudNativePG Cluster (replicas, failover, backups) or a
 * managed database by URL. Either way the services see `DbEndpoint` and `adminUrl`, and the
 * bootstrap Job makes the schema and roles the supabase/postgres image makes on Docker.
 */
export class KubernetesDatabase extends pulumi.ComponentResource {
  /** Where the services connect: `db:5432/postgres` (a Service CNPG keeps on the primary) or the managed host. */
  public readonly endpoint: DbEndpoint;
  /** Admin connection for the bootstrap and rotation Jobs (secret). */
  public readonly adminUrl: pulumi.Output<string>;
  public readonly cluster?: k8s.apiextensions.CustomResource;
  /** The pods that run Postgres, for NetworkPolicies; absent for a managed database. */
  public readonly podLabels?: Record<string, string>;

  constructor(
    name: string,
    args: KubernetesDatabaseArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("ownstack:kubernetes:Database", name, {}, opts);
    const { settings, namespace } = args;
    if (settings.kubernetes.database === "external") {
      if (!args.databaseUrl)
        throw new pulumi.ResourceError("`databaseUrl` is required with database external.", this);
      const url = args.databaseUrl.apply((u) => new URL(u));
      // The host is part of a secret, so the parts stay secret too.
      this.endpoint = {
        host: pulumi.secret(url.apply((u) => u.hostname)),
        port: pulumi.secret(url.apply((u) => Number(u.port || DB_PORT))),
        name: pulumi.secret(url.apply((u) => decodeURIComponent(u.pathname.slice(1)) || DB_NAME)),
      };
      this.adminUrl = args.databaseUrl;
      this.registerOutputs({});
      return;
    }

    const { cnpg } = settings.kubernetes;
    const labels = stackLabels(settings, "db");
    this.endpoint = DEFAULT_DB;
    this.adminUrl = pulumi.secret(
      pulumi.interpolate`postgres://postgres:${args.postgresPassword}@${DB_HOST}:${DB_PORT}/${DB_NAME}`,
    );
    this.podLabels = { "cnpg.io/cluster": CNPG_CLUSTER };
    const superuser = new k8s.core.v1.Secret(
      `${name}-superuser`,
      {
        metadata: { namespace, labels },
        type: "kubernetes.io/basic-auth",
        stringData: pulumi.secret({ username: "postgres", password: args.postgresPassword }),
      },
      { parent: this, dependsOn: opts.dependsOn },
    );
    const backups = cnpg.backupPath !== "";
    const objectStore = backups
      ? new k8s.apiextensions.CustomResource(
          `${name}-backups`,
          {
            apiVersion: "barmancloud.cnpg.io/v1",
            kind: "ObjectStore",
            metadata: { name: `${CNPG_CLUSTER}-backups`, namespace, labels },
            spec: {
              retentionPolicy: cnpg.backupRetention,
              configuration: {
                destinationPath: cnpg.backupPath,
                endpointURL: settings.kubernetes.s3.endpoint,
                s3Credentials: {
                  accessKeyId: { name: args.s3Credentials.metadata.name, key: "ACCESS_KEY_ID" },
                  secretAccessKey: {
                    name: args.s3Credentials.metadata.name,
                    key: "ACCESS_SECRET_KEY",
                  },
                },
                wal: { compression: "gzip" },
                data: { compression: "gzip" },
              },
            },
          },
          { parent: this, dependsOn: opts.dependsOn },
        )
      : undefined;
    const memory = `${settings.memoryMiB.db}Mi`;
    this.cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: {
          name: CNPG_CLUSTER,
          namespace,
          labels,
          // pulumi-kubernetes has no await logic for custom resources: without this the bootstrap
          // Job would start before Postgres accepts connections. The first start pulls the image
          // and runs initdb on every instance, hence the long timeout.
          annotations: {
            "pulumi.com/waitFor": "condition=Ready",
            "pulumi.com/timeoutSeconds": "1800",
          },
        },
        spec: {
          instances: cnpg.instances,
          // The image Docker runs, so the same extensions (pg_net, pg_graphql, pgjwt, vault…) exist.
          imageName: settings.images.db,
          enableSuperuserAccess: true,
          superuserSecret: { name: superuser.metadata.name },
          storage: { size: cnpg.storageSize },
          resources: { requests: { memory }, limits: { memory } },
          postgresql: {
            shared_preload_libraries: PRELOAD_LIBRARIES,
            parameters: {
              "cron.database_name": DB_NAME,
              // Realtime's Postgres Changes read the WAL through logical replication.
              wal_level: "logical",
              max_replication_slots: "10",
              max_wal_senders: "10",
            },
          },
          affinity: { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname" },
          // `db` on the primary: the services' DSNs are the ones the Docker stacks use.
          managed: {
            services: {
              additional: [
                { selectorType: "rw", serviceTemplate: { metadata: { name: DB_HOST, labels } } },
              ],
            },
          },
          ...(objectStore
            ? {
                plugins: [
                  {
                    name: BARMAN_PLUGIN,
                    isWALArchiver: true,
                    parameters: { barmanObjectName: `${CNPG_CLUSTER}-backups` },
                  },
                ],
              }
            : {}),
        },
      },
      // The data lives here: a destroy or a replace must be a deliberate act.
      { parent: this, protect: true, dependsOn: objectStore ? [objectStore] : opts.dependsOn },
    );
    if (objectStore)
      new k8s.apiextensions.CustomResource(
        `${name}-scheduled-backup`,
        {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "ScheduledBackup",
          metadata: { name: `${CNPG_CLUSTER}-daily`, namespace, labels },
          spec: {
            // CNPG's cron has a seconds field: 03:00 every day.
            schedule: "0 0 3 * * *",
            cluster: { name: CNPG_CLUSTER },
            method: "plugin",
            pluginConfiguration: { name: BARMAN_PLUGIN },
            backupOwnerReference: "self",
            immediate: true,
          },
        },
        { parent: this, dependsOn: [this.cluster] },
      );
    this.registerOutputs({ cluster: this.cluster.metadata });
  }
}
