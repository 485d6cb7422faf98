import type { ServiceName } from "./serviceNames";

/**
 * How each container is stopped: the signal its main process treats as "finish and exit", and
 * how long Docker waits for that before SIGKILL. components/container.ts sets it as the
 * container's stop signal and stop timeout (used by `docker stop` and a daemon shutdown) and as
 * the provider's destroy grace (used when `pulumi up` replaces or `pulumi destroy` removes it;
 * without one the provider stops with a timeout of 0, i.e. SIGKILL at once: kreuzwerker/
 * terraform-provider-docker internal/provider/resource_docker_container_funcs.go, delete).
 * Kubernetes pods get the same grace as terminationGracePeriodSeconds (components/k8s/workload.ts).
 */

export type StopSignal = "SIGINT" | "SIGQUIT" | "SIGTERM";

export interface StopPolicy {
  readonly signal: StopSignal;
  /** Seconds between the stop signal and SIGKILL. */
  readonly graceSeconds: number;
}

/** Go, Node and Rust servers here drain in-flight requests on SIGTERM within a few seconds. */
const TERM = (graceSeconds: number): StopPolicy => ({ signal: "SIGTERM", graceSeconds });

export const STOP_POLICY = {
  // Fast shutdown: new connections refused, open sessions ended, then a shutdown checkpoint, so
  // the next start needs no crash recovery (https://www.postgresql.org/docs/current/server-shutdown.html;
  // docker-library/postgres sets STOPSIGNAL SIGINT). SIGTERM (smart) would wait on every pooled
  // connection of the other services and end in SIGKILL. The checkpoint flushes at most
  // shared_buffers (128 MB) plus WAL: 120 s covers it on a slow disk.
  db: { signal: "SIGINT", graceSeconds: 120 },
  // nginx: SIGQUIT is graceful (workers finish open requests), SIGTERM is fast; Kong's image says
  // STOPSIGNAL SIGQUIT (Kong/docker-kong Dockerfile) and workers get
  // nginx_main_worker_shutdown_timeout (10 s by default, kong.conf.default) to drain.
  kong: { signal: "SIGQUIT", graceSeconds: 30 },
  auth: TERM(30),
  rest: TERM(30),
  // BEAM releases run init:stop on SIGTERM (OTP 19.3+), closing sockets and supervisors in order.
  realtime: TERM(30),
  storage: TERM(30),
  // MinIO finishes in-flight uploads on SIGTERM.
  minio: TERM(30),
  meta: TERM(15),
  studio: TERM(15),
  mail: TERM(10),
  // Traefik waits entryPoints.<name>.transport.lifeCycle.graceTimeOut (10 s by default) for open
  // requests after SIGTERM (doc.traefik.io, EntryPoints).
  traefik: TERM(30),
  // Qdrant flushes its WAL and segments on SIGTERM.
  qdrant: TERM(60),
  ollama: TERM(15),
  // Redis writes its AOF/RDB on SIGTERM before exiting (redis.io, SHUTDOWN); a large dataset
  // takes a while.
  redis: TERM(60),
  // Prometheus closes the TSDB head (a WAL checkpoint) on SIGTERM.
  prometheus: TERM(60),
  postgresExporter: TERM(10),
  redisExporter: TERM(10),
  // The edge runtime lets running workers finish their request.
  functions: TERM(30),
  supavisor: TERM(30),
  imgproxy: TERM(30),
  grafana: TERM(30),
  analytics: TERM(30),
  // Vector flushes its sinks on SIGTERM for up to --graceful-shutdown-limit-secs, 60 by default
  // (vector.dev, CLI reference).
  vector: TERM(60),
  // A run in progress (pg_dump, upload) is cut short; the scheduler retries at the next slot.
  backup: TERM(60),
  // Uvicorn finishes open requests on SIGTERM (the image runs `uvicorn` via start.sh with exec);
  // a streaming reply is cut after the grace.
  openWebui: TERM(30),
  // HAProxy stops at once on SIGTERM. The image's SIGUSR1 (soft stop) would wait for the open log
  // and event streams, which never end on their own; the readers reconnect (Vector resumes from
  // the last timestamp it read), so there is nothing to drain.
  dockerProxy: TERM(10),
  // HAProxy stops at once on SIGTERM; a template fetch lasts milliseconds, and GoTrue keeps the
  // body it has when a fetch fails (templatemailer's Cache.load).
  mailTemplates: TERM(10),
} as const satisfies Record<ServiceName, StopPolicy>;

/** One-shot jobs (migrations, bucket creation, model pulls) stop like the servers they call. */
export const JOB_STOP: StopPolicy = TERM(30);

/** The stop policy of a service. */
export const stopPolicy = (service: ServiceName): StopPolicy => STOP_POLICY[service];
