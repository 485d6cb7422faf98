import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JOB_MEMORY_MIB } from "../../config/memory";
import { Settings } from "../../config/settings";
import { Env } from "../container";
import { jobFiles, loadMigrations, migrationsEnv } from "../migrations";
import { OPEN_WEBUI_PASSWORD_ENV } from "../render/initSql";
import { JOB_ROOT } from "../render/migrations";
import { BOOTSTRAP_ROOT, bootstrapFiles } from "./bootstrap";
import { KubernetesDatabase } from "./database";
import { envSecretData, stackLabels } from "./workload";

export interface RunToCompletionArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  /** Also the pods' `app.kubernetes.io/name`, which NetworkPolicies match. */
  readonly job: string;
  /** The Job's `metadata.name`; default: auto-named from the resource name. */
  readonly jobName?: string;
  readonly image: pulumi.Input<string>;
  readonly command: string[];
  readonly env: Env;
  /** Files mounted read-only under `root`, by path relative to it (sub-folders allowed). */
  readonly files?: { readonly root: string; readonly contents: Record<string, string> };
  /** How long it may run before Kubernetes stops it and `pulumi up` fails; default 30 minutes. */
  readonly deadlineSeconds?: number;
}

/** A Job's deadline unless it says otherwise: migrations and the bootstrap finish in minutes. */
const DEFAULT_DEADLINE_SECONDS = 1800;

/** ConfigMap keys cannot hold `/`; the mount maps each key back to its path. */
const keyOf = (path: string) => path.replace(/\//g, "__");

/**
 * Docker's one-shot container as a Job: `pulumi up` waits for it to complete and fails if it
 * fails (pulumi-kubernetes' Job await), and everything that depends on it starts after. The env
 * Secret and the files ConfigMap are auto-named, so a changed file or password makes a new Job,
 * which runs again.
 */
export class RunToCompletion extends pulumi.ComponentResource {
  public readonly job: k8s.batch.v1.Job;
  /** The pod's name label, which NetworkPolicies select (components/k8s/edges.ts). */
  public readonly pod: string;

  constructor(name: string, args: RunToCompletionArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:kubernetes:RunToCompletion", name, {}, opts);
    const { settings, namespace } = args;
    this.pod = args.job;
    const labels = stackLabels(settings, args.job);
    const env = new k8s.core.v1.Secret(
      `${name}-env`,
      { metadata: { namespace, labels }, type: "Opaque", stringData: envSecretData(args.env) },
      { parent: this, dependsOn: opts.dependsOn },
    );
    const mounted = args.files && this.filesVolume(name, args.files, labels, namespace, opts);
    const memory = `${JOB_MEMORY_MIB}Mi`;
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: { name: args.jobName, namespace, labels },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: args.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              containers: [
                {
                  name: args.job,
                  image: args.image,
                  command: args.command,
                  envFrom: [{ secretRef: { name: env.metadata.name } }],
                  resources: { requests: { memory }, limits: { memory } },
                  securityContext: { allowPrivilegeEscalation: false },
                  volumeMounts: mounted && [mounted.mount],
                },
              ],
              volumes: mounted && [mounted.volume],
            },
          },
        },
      },
      {
        parent: this,
        dependsOn: opts.dependsOn,
        // A Job's pod template is immutable: a changed one replaces it, and a fixed name must be
        // free before its successor is created.
        deleteBeforeReplace: args.jobName !== undefined,
        // pulumi-kubernetes waits 10 minutes for a Job by default; it may run to its deadline.
        customTimeouts: args.deadlineSeconds
          ? { create: `${args.deadlineSeconds}s`, update: `${args.deadlineSeconds}s` }
          : undefined,
      },
    );
    this.registerOutputs({ job: this.job.metadata.name });
  }

  /** The files as a ConfigMap, mounted as a read-only folder tree. */
  private filesVolume(
    name: string,
    files: NonNullable<RunToCompletionArgs["files"]>,
    labels: Record<string, string>,
    namespace: pulumi.Input<string>,
    opts: pulumi.ComponentResourceOptions,
  ) {
    const paths = Object.keys(files.contents).sort();
    const map = new k8s.core.v1.ConfigMap(
      `${name}-files`,
      {
        metadata: { namespace, labels },
        data: Object.fromEntries(paths.map((p) => [keyOf(p), files.contents[p]])),
      },
      { parent: this, dependsOn: opts.dependsOn },
    );
    return {
      mount: { name: "files", mountPath: files.root, readOnly: true },
      volume: {
        name: "files",
        configMap: {
          name: map.metadata.name,
          items: paths.map((p) => ({ key: keyOf(p), path: p })),
        },
      },
    };
  }
}

/** What a Job that logs in to the stack's database needs. */
export interface DatabaseJobArgs {
  readonly settings: Settings;
  readonly namespace: pulumi.Input<string>;
  readonly db: KubernetesDatabase;
  readonly postgresPassword: pulumi.Input<string>;
}

/**
 * The database bootstrap, which is also the password rotation: it creates what the image's first
 * start creates on Docker, and applies the current password to every login role on each run.
 */
export function bootstrapJob(
  { settings, namespace, db, postgresPassword }: DatabaseJobArgs,
  opts: pulumi.ComponentResourceOptions,
) {
  return new RunToCompletion(
    "db-bootstrap",
    {
      settings,
      namespace,
      job: "db-bootstrap",
      // The image Docker runs: it ships psql and Supabase's schema SQL.
      image: settings.images.db,
      command: ["/bin/sh", `${BOOTSTRAP_ROOT}/bootstrap.sh`],
      env: {
        ADMIN_URL: db.adminUrl,
        PGHOST: db.endpoint.host,
        PGPORT: db.endpoint.port,
        PGDATABASE: db.endpoint.name,
        POSTGRES_PASSWORD: postgresPassword,
      },
      files: {
        root: BOOTSTRAP_ROOT,
        contents: bootstrapFiles(settings.auth.jwtExpiry, settings.features.logs),
      },
    },
    opts,
  );
}

/**
 * `supabase/migrations` through the same runner, files and env as the Docker one-shot job; with
 * Open WebUI, also its role and database, from the same bootstrap.sql and password env as there.
 */
export function migrationsJob(
  { settings, namespace, db, postgresPassword }: DatabaseJobArgs,
  opts: pulumi.ComponentResourceOptions,
  openWebuiDbPassword?: pulumi.Input<string>,
) {
  const { migrations, seed } = loadMigrations(settings);
  const prefix = `${JOB_ROOT}/`;
  const openWebui = openWebuiDbPassword !== undefined;
  const files = Object.fromEntries(
    jobFiles(migrations, seed, openWebui).map((f) => [
      String(f.file).slice(prefix.length),
      String(f.content),
    ]),
  );
  const run = new RunToCompletion(
    "migrations",
    {
      settings,
      namespace,
      job: "migrations",
      image: settings.images.db,
      command: ["/bin/sh", `${JOB_ROOT}/migrate.sh`],
      env: {
        ...migrationsEnv(postgresPassword, db.endpoint),
        ...(openWebui ? { [OPEN_WEBUI_PASSWORD_ENV]: pulumi.secret(openWebuiDbPassword) } : {}),
      },
      files: { root: JOB_ROOT, contents: files },
    },
    opts,
  );
  return {
    run,
    files: [...migrations.map((m) => m.name), ...(seed !== undefined ? ["seed.sql"] : [])],
  };
}
