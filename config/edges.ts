import { ADDRESSES, type ServiceName } from "./services";

/**
 * The edge table: who opens a connection to whom, on which port, and why. Upstream runs every
 * container on one flat network, so a compromised imgproxy or a user's Edge Function can open
 * postgres-meta (any SQL as `postgres`), PostgREST's admin port or Postgres itself; this table is
 * the list of connections the stack actually needs, and the plan test (test/plan/edges.test.ts)
 * fails when a container's env, command or config file points at a `host:port` missing here.
 *
 * Adding a service's edges is one line per connection: `edge("caller", "callee", "port", "why")`,
 * where the caller is the container's `ownstack.service` label (a service, or a one-shot job such
 * as `migrations`) and the port is the callee's `port`, one of its `ports` or its `metrics` port in
 * config/services.ts, so the number stays the one the callee listens on.
 */

/** A container that opens connections: a long-running service, or a one-shot job by its label. */
export type Caller =
  | ServiceName
  | "migrations"
  | "minio-createbucket"
  | "ollama-pull"
  // The database itself calls out: pg_net runs Database Webhooks' HTTP requests.
  | "db";

/** Which of the callee's ports: its main `port`, a named one of `ports`, or `metrics`. */
export type PortName = "port" | "metrics" | string;

export interface Edge {
  readonly from: Caller;
  readonly to: ServiceName;
  readonly port: number;
  /** What the connection is for, shown in README's "What can reach what". */
  readonly why: string;
}

function portOf(to: ServiceName, name: PortName): number {
  const address: {
    port: number;
    ports?: Readonly<Record<string, number>>;
    metrics?: { port: number };
  } = ADDRESSES[to];
  const port =
    name === "port"
      ? address.port
      : name === "metrics"
        ? address.metrics?.port
        : address.ports?.[name];
  if (port === undefined) throw new Error(`edge table: ${to} has no port named ${name}`);
  return port;
}

const edge = (from: Caller, to: ServiceName, port: PortName, why: string): Edge => ({
  from,
  to,
  port: portOf(to, port),
  why,
});

/** Every service that logs in to Postgres (its DSN or PGHOST in its env). */
const DATABASE_USERS: readonly Caller[] = [
  "auth",
  "rest",
  "realtime",
  "storage",
  "meta",
  "studio",
  "functions",
  "supavisor",
  "analytics",
  "postgresExporter",
  "backup",
  "migrations",
  "openWebui",
];

export const EDGES: readonly Edge[] = [
  // The gateway: upstream's kong.yml routes (components/render/kong.ts). No /analytics/v1: upstream
  // docker/volumes/api/kong.yml has left that route commented out; Studio calls Logflare directly.
  edge("kong", "auth", "port", "/auth/v1"),
  edge("kong", "rest", "port", "/rest/v1, /graphql/v1"),
  edge("kong", "realtime", "port", "/realtime/v1 (as realtime-dev.supabase-realtime)"),
  edge("kong", "storage", "port", "/storage/v1"),
  edge("kong", "functions", "port", "/functions/v1"),
  edge("kong", "meta", "port", "/pg (Studio's table and SQL editors)"),
  edge("kong", "studio", "port", "/ (Studio behind basic auth)"),
  // Studio: its table editor and SQL editor call postgres-meta, the Logs Explorer Logflare.
  edge("studio", "meta", "port", "table editor, SQL editor"),
  edge("studio", "analytics", "port", "Logs Explorer"),
  edge("studio", "kong", "port", "the API, as the browser does"),
  // Storage: objects in MinIO, image transforms, RLS checks through PostgREST.
  edge("storage", "minio", "port", "S3 backend"),
  edge("storage", "imgproxy", "port", "image transformations"),
  edge("storage", "rest", "port", "POSTGREST_URL"),
  // Auth sends sign-up mail through Mailpit on local.
  edge("auth", "mail", "smtp", "SMTP (Mailpit)"),
  // Edge Functions call the API and verify JWTs against it.
  edge("functions", "kong", "port", "SUPABASE_URL"),
  // Database Webhooks: pg_net posts from inside Postgres (supabase_functions.http_request).
  edge("db", "kong", "port", "Database Webhooks (pg_net)"),
  edge("db", "functions", "port", "Database Webhooks to Edge Functions (pg_net)"),
  // Logs: Vector ships container logs to Logflare.
  edge("vector", "analytics", "port", "log ingestion"),
  // The Docker API, read-only through the proxy (components/render/dockerProxy.ts): Vector reads
  // container logs, Traefik (vps) the containers' routing labels.
  edge("vector", "dockerProxy", "port", "container logs (Docker API, read-only)"),
  edge("traefik", "dockerProxy", "port", "routing labels (Docker API, read-only)"),
  // GoTrue fetches its mail template bodies (GOTRUE_MAILER_TEMPLATES_*, components/mailTemplates.ts).
  edge("auth", "mailTemplates", "port", "mail template bodies"),
  // Backups: the scheduler dumps Postgres and mirrors MinIO's bucket.
  edge("backup", "minio", "port", "bucket mirror"),
  edge("minio-createbucket", "minio", "port", "creates the storage bucket"),
  edge("ollama-pull", "ollama", "port", "pulls the configured models"),
  edge("redisExporter", "redis", "port", "Redis metrics"),
  edge("grafana", "prometheus", "port", "dashboards' data source"),
  // Open WebUI chats through Ollama and keeps its RAG vectors in Qdrant (components/openWebui.ts).
  edge("openWebui", "ollama", "port", "chat models (OLLAMA_BASE_URL)"),
  edge("openWebui", "qdrant", "port", "RAG vectors (QDRANT_URI)"),
  // Traefik (vps) routes each public host to its service's main port.
  ...(Object.keys(ADDRESSES) as ServiceName[])
    .filter((to) => (ADDRESSES[to] as { subdomains?: readonly string[] }).subdomains)
    .map((to) => edge("traefik", to, "port", "public host on vps")),
  // Prometheus scrapes each metrics port (components/render/prometheus.ts).
  ...(
    [
      "auth",
      "rest",
      "realtime",
      "storage",
      "minio",
      "kong",
      "traefik",
      "qdrant",
      "postgresExporter",
      "redisExporter",
      "backup",
    ] as const
  ).map((to) => edge("prometheus", to, "metrics", "metrics scrape")),
  ...DATABASE_USERS.map((from) => edge(from, "db", "port", "Postgres")),
];

/** `<from> -> <to>:<port>`, the key the plan tests compare. */
export const edgeKey = (e: Pick<Edge, "from" | "to" | "port">): string =>
  `${e.from} -> ${e.to}:${e.port}`;

/** The edges into `to` on `port`. */
export const callersOf = (to: ServiceName, port: number = ADDRESSES[to].port): Caller[] =>
  EDGES.filter((e) => e.to === to && e.port === port).map((e) => e.from);

/** The unordered pairs with at least one edge, `a` before `b`. */
export function edgePairs(members?: ReadonlySet<Caller>): [Caller, Caller][] {
  const pairs = new Map<string, [Caller, Caller]>();
  for (const e of EDGES) {
    if (members && !(members.has(e.from) && members.has(e.to))) continue;
    const pair = [e.from, e.to].sort() as [Caller, Caller];
    pairs.set(pair.join(" "), pair);
  }
  return [...pairs.values()].sort((x, y) => x.join(" ").localeCompare(y.join(" ")));
}

/** README's "What can reach what": one row per callee port, its callers sorted. */
export function reachabilityMarkdown(): string {
  const rows = new Map<string, { callers: Set<string>; why: Set<string> }>();
  for (const e of EDGES) {
    const key = `${ADDRESSES[e.to].aliases[0]}:${e.port}`;
    const row = rows.get(key) ?? { callers: new Set(), why: new Set() };
    row.callers.add(e.from);
    row.why.add(e.why);
    rows.set(key, row);
  }
  const lines = [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([key, row]) =>
        `| \`${key}\` | ${[...row.callers].sort().join(", ")} | ${[...row.why].join("; ")} |`,
    );
  return ["| Port | Opened by | For |", "| --- | --- | --- |", ...lines].join("\n") + "\n";
}
