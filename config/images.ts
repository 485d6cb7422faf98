/**
 * Every pinned image in one table. Supabase tags follow the official docker-compose.yml
 * (https://github.com/supabase/supabase/blob/master/docker/docker-compose.yml); the others are each project's release tags.
 * A user can override any entry with `ownstack:imageOverrides: ["kong=kong:3.9.3"]`.
 */
export const IMAGES = {
  db: "supabase/postgres:17.6.1.136",
  auth: "supabase/gotrue:v2.196.0",
  rest: "postgrest/postgrest:v14.17",
  realtime: "supabase/realtime:v2.134.10",
  storage: "supabase/storage-api:v1.74.0",
  meta: "supabase/postgres-meta:v0.99.0",
  studio: "supabase/studio:2026.09.07-sha-7996410",
  // Kong OSS ends at 3.9.x; upstream's opt-in Kong overlay pins kong/kong:3.9.3 (the Docker library
  // `kong` image stops at 3.9.2).
  kong: "kong/kong:3.9.3",
  mail: "axllent/mailpit:v1.31.4",
  // minio/minio was deleted from Docker Hub in Sept 2026. pgsty/minio is a rebuild with the same CLI
  // and env, bundling `mc` and curl; its last MinIO-named tag. Its successor is pgsty/silo.
  minio: "pgsty/minio:RELEASE.2026-08-04T00-00-00Z",
  traefik: "traefik:v3.7.13",
  qdrant: "qdrant/qdrant:v1.19.0",
  ollama: "ollama/ollama:0.32.15",
  ollamaRocm: "ollama/ollama:0.32.15-rocm",
  // Valkey: BSD-3, wire-compatible with Redis 7.2; redis 8.x is tri-licensed with AGPLv3.
  redis: "valkey/valkey:9.1.2-alpine",
  prometheus: "prom/prometheus:v3.14.0",
  // Supabase extras as upstream's docker-compose.yml pins them; Grafana from its release notes.
  functions: "supabase/edge-runtime:v1.76.2",
  supavisor: "supabase/supavisor:2.9.12",
  imgproxy: "darthsim/imgproxy:v3.31.4",
  grafana: "grafana/grafana:13.2.3",
  postgresExporter: "prometheuscommunity/postgres-exporter:v0.19.1",
  // The `-alpine` build (pushed by upstream's release workflow for every tag): the plain tag is
  // scratch, with no shell or wget for a healthcheck.
  redisExporter: "oliver006/redis_exporter:v1.86.0-alpine",
  // The logs overlay (supabase/supabase docker/docker-compose.logs.yml): Logflare on the Postgres
  // backend and Vector's alpine build (busybox wget for the healthcheck).
  analytics: "supabase/logflare:1.43.1",
  vector: "timberio/vector:0.53.0-alpine",
  // Open WebUI's release tag (github.com/open-webui/open-webui/releases/tag/v0.9.5); the image
  // ships curl and jq, which its own Dockerfile HEALTHCHECK uses.
  openWebui: "ghcr.io/open-webui/open-webui:v0.9.5",
  // The Docker API proxy: the official HAProxy image, LTS branch (docker-library/official-images
  // library/haproxy: 3.4.3-alpine is `lts-alpine`), with our rendered haproxy.cfg; alpine for
  // busybox wget in the healthcheck.
  dockerProxy: "haproxy:3.4.3-alpine",
  // The mail template server: the same HAProxy image, serving the project's template files.
  mailTemplates: "haproxy:3.4.3-alpine",
  // The backup scheduler runs in the db image (pg_dump of the server's own version); this image only
  // lends it the Node binary (nodejs/docker-node 22/bookworm-slim, glibc like the db image's Ubuntu).
  backupNode: "node:22.23.2-bookworm-slim",
} as const;

/**
 * The major of every stack's data until it is upgraded: the db pin has been supabase/postgres 17
 * since the first release. When the pin above moves to a new major this stays, so existing stacks are
 * refused (and pointed at pg-upgrade) rather than started on old data.
 */
export const DB_DATA_MAJOR_DEFAULT = 17;

export type ImageKey = keyof typeof IMAGES;
export const IMAGE_KEYS = Object.keys(IMAGES) as ImageKey[];
