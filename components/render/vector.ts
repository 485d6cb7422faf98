import { stringify } from "yaml";
import { ADDRESSES } from "../../config/services";

/**
 * Vector's config for the log stack, after upstream's docker/volumes/logs/vector.yml (supabase/
 * supabase): container logs read through the Docker API, shaped per service, and posted to
 * Logflare's ingest API under the source names Studio's Logs Explorer queries. Pure: no Pulumi.
 *
 * Differences from upstream, each for a reason:
 * - The Docker API is read through the read-only proxy (render/dockerProxy.ts), not the socket.
 * - Only this stack's containers are read (`include_labels` on ownstack.stack), not every
 *   container on the host: a desktop runs other projects whose logs are not ours to ship.
 * - The API (health only) listens on loopback; nothing else on the network needs it.
 * - Postgres logs go to analytics directly: upstream's detour through Kong's /analytics/v1 is
 *   commented out of its kong.yml since Feb 2026.
 * - Routes match our container names (`<prefix>-<service>`, plus a revision suffix for services
 *   rolled out create-before-delete on vps) instead of `supabase-*`.
 */

/** The services whose logs Studio shows, with the Logflare source each one feeds. */
export const LOG_SOURCES = {
  auth: "gotrue.logs.prod",
  db: "postgres.logs",
  functions: "deno-relay-logs",
  kong: "cloudflare.logs.prod",
  realtime: "realtime.logs.prod",
  rest: "postgREST.logs.prod",
  storage: "storage.logs.prod.2",
} as const;
export type LogSource = keyof typeof LOG_SOURCES;

export const VECTOR_CONFIG_PATH = "/etc/vector/vector.yml";
export const VECTOR_API_ADDRESS = `127.0.0.1:${ADDRESSES.vector.port}`;
/** Read from the container's environment by Vector at start; never written into the file. */
export const TOKEN_ENV = "LOGFLARE_PUBLIC_ACCESS_TOKEN";

export interface VectorConfigInput {
  /** Value of the ownstack.stack label: only these containers are read. */
  readonly stack: string;
  /** Container name of each log source, as Docker reports it in `.container_name`. */
  readonly containers: Readonly<Record<LogSource, string>>;
  /** Vector's own container, excluded so it does not read its own output. */
  readonly self: string;
  /** The Docker API Vector reads, e.g. tcp://docker-proxy:2375 (the source's `docker_host`). */
  readonly dockerHost: string;
  /** Logflare's base URL on the private network, e.g. http://analytics:4000. */
  readonly analyticsUrl: string;
}

/** VRL per service, upstream's programs; `kong` is split into access and error logs. */
const PROGRAMS: Record<string, { from: LogSource; source: string }> = {
  kong_logs: {
    from: "kong",
    // Non-nginx lines are Kong booting up: dropped.
    source: `req, err = parse_nginx_log(.event_message, "combined")
if err == null {
    .timestamp = req.timestamp
    .metadata.request.headers.referer = req.referer
    .metadata.request.headers.user_agent = req.agent
    .metadata.request.headers.cf_connecting_ip = req.client
    .metadata.request.method = req.method
    .metadata.request.path = req.path
    .metadata.request.protocol = req.protocol
    .metadata.response.status_code = req.status
}
if err != null {
  abort
}`,
  },
  kong_err: {
    from: "kong",
    source: `.metadata.request.method = "GET"
.metadata.response.status_code = 200
parsed, err = parse_nginx_log(.event_message, "error")
if err == null {
    .timestamp = parsed.timestamp
    .severity = parsed.severity
    .metadata.request.host = parsed.host
    .metadata.request.headers.cf_connecting_ip = parsed.client
    url, err = split(parsed.request, " ")
    if err == null {
        .metadata.request.method = url[0]
        .metadata.request.path = url[1]
        .metadata.request.protocol = url[2]
    }
}
if err != null {
  abort
}`,
  },
  auth_logs: {
    from: "auth",
    source: `parsed, err = parse_json(.event_message)
if err == null {
    .metadata.timestamp = parsed.time
    .metadata = merge!(.metadata, parsed)
}`,
  },
  rest_logs: {
    from: "rest",
    source: `parsed, err = parse_regex(.event_message, r'^(?P<time>.*): (?P<msg>.*)$')
if err == null {
    .event_message = parsed.msg
    .timestamp = to_timestamp!(parsed.time)
    .metadata.host = .project
}`,
  },
  realtime_logs: {
    from: "realtime",
    source: `.metadata.project = del(.project)
.metadata.external_id = .metadata.project
parsed, err = parse_regex(.event_message, r'^(?P<time>\\d+:\\d+:\\d+\\.\\d+) \\[(?P<level>\\w+)\\] (?P<msg>.*)$')
if err == null {
    .event_message = parsed.msg
    .metadata.level = parsed.level
}`,
  },
  functions_logs: {
    from: "functions",
    source: ".metadata.project_ref = del(.project)",
  },
  storage_logs: {
    from: "storage",
    source: `.metadata.project = del(.project)
.metadata.tenantId = .metadata.project
parsed, err = parse_json(.event_message)
if err == null {
    .event_message = parsed.msg
    .metadata.level = parsed.level
    .metadata.timestamp = parsed.time
    .metadata.context[0].host = parsed.hostname
    .metadata.context[0].pid = parsed.pid
}`,
  },
  db_logs: {
    from: "db",
    source: `.metadata.host = "db-default"
.metadata.parsed.timestamp = .timestamp

parsed, err = parse_regex(.event_message, r'.*(?P<level>INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC?):.*', numeric_groups: true)

if err != null || parsed == null {
  .metadata.parsed.error_severity = "info"
}
if parsed != null {
 .metadata.parsed.error_severity = parsed.level
}
if .metadata.parsed.error_severity == "info" {
    .metadata.parsed.error_severity = "log"
}
.metadata.parsed.error_severity = upcase!(.metadata.parsed.error_severity)`,
  },
};

/** Docker's fields renamed to what Logflare's Supabase schemas expect. */
const PROJECT_LOGS = `.project = "default"
.event_message = del(.message)
.appname = del(.container_name)
del(.container_created_at)
del(.container_id)
del(.source_type)
del(.stream)
del(.label)
del(.image)
del(.host)`;

/**
 * A VRL regex for a service's container names: the fixed name, or on vps a rolling service's
 * revisions (`<name>-1a2b3c4d`, config/rollout.ts), both of which run during an update. Names
 * are [a-zA-Z0-9_.-]: only `.` needs escaping.
 */
const appnamePattern = (name: string): string => `^${name.replace(/\./g, "\\.")}(-[0-9a-f]{8})?$`;

/** The router, upstream's programs and one Logflare sink per source, after `input` shaped the events. */
function pipeline(
  containers: Readonly<Record<LogSource, string>>,
  analyticsUrl: string,
  input: string,
  projectLogs: string,
): Pick<VectorConfig, "transforms" | "sinks"> {
  const sources = Object.keys(LOG_SOURCES).sort() as LogSource[];
  const transforms: Record<string, unknown> = {
    project_logs: { type: "remap", inputs: [input], source: projectLogs },
    router: {
      type: "route",
      inputs: ["project_logs"],
      route: Object.fromEntries(
        sources.map((s) => [
          s,
          `match(string(.appname) ?? "", r'${appnamePattern(containers[s])}')`,
        ]),
      ),
    },
  };
  for (const [name, p] of Object.entries(PROGRAMS).sort(([a], [b]) => (a < b ? -1 : 1))) {
    transforms[name] = { type: "remap", inputs: [`router.${p.from}`], source: p.source };
  }
  const sinks: Record<string, unknown> = {};
  for (const s of sources) {
    const inputs = Object.entries(PROGRAMS)
      .filter(([, p]) => p.from === s)
      .map(([name]) => name)
      .sort();
    sinks[`logflare_${s}`] = {
      type: "http",
      inputs,
      encoding: { codec: "json" },
      method: "post",
      request: {
        retry_max_duration_secs: 10,
        headers: { "x-api-key": `\${${TOKEN_ENV}?${TOKEN_ENV} is required}` },
      },
      uri: `${analyticsUrl}/api/logs?source_name=${LOG_SOURCES[s]}`,
    };
  }
  return { transforms, sinks };
}

interface VectorConfig {
  readonly data_dir?: string;
  readonly api: { enabled: boolean; address: string };
  readonly sources: Record<string, unknown>;
  readonly transforms: Record<string, unknown>;
  readonly sinks: Record<string, unknown>;
}

export function vectorConfig(input: VectorConfigInput): Record<string, unknown> {
  return {
    api: { enabled: true, address: VECTOR_API_ADDRESS },
    sources: {
      docker_host: {
        type: "docker_logs",
        docker_host: input.dockerHost,
        include_labels: [`ownstack.stack=${input.stack}`],
        exclude_containers: [input.self],
      },
    },
    ...pipeline(input.containers, input.analyticsUrl, "docker_host", PROJECT_LOGS),
  };
}

export interface KubernetesVectorInput {
  /** The stack's namespace: only its pods are read, on the node the agent runs on. */
  readonly namespace: string;
  /** Where the agent keeps its read positions (a hostPath, so a restarted pod resumes). */
  readonly dataDir: string;
  readonly analyticsUrl: string;
}

/**
 * The same fields as on Docker from the kubernetes_logs event: the service is the pod's
 * `app.kubernetes.io/name` label (components/k8s/workload.ts), CloudNativePG's instances are `db`.
 * https://vector.dev/docs/reference/configuration/sources/kubernetes_logs/#output-data
 */
const KUBERNETES_PROJECT_LOGS = `.project = "default"
.event_message = del(.message)
.appname = .kubernetes.pod_labels."app.kubernetes.io/name"
if exists(.kubernetes.pod_labels."cnpg.io/cluster") {
  .appname = "db"
}
del(.kubernetes)
del(.file)
del(.source_type)
del(.stream)`;

/**
 * vector.yml for the agent on each node (components/k8s/vector.ts): the kubernetes_logs source
 * reads /var/log/pods for this namespace's pods on its own node (`self_node_name`, the source's
 * default field selector), then the Docker pipeline. The services' names are their label values.
 */
export function kubernetesVectorConfig(input: KubernetesVectorInput): VectorConfig {
  const services = Object.fromEntries(
    (Object.keys(LOG_SOURCES) as LogSource[]).map((s) => [s, s]),
  ) as Record<LogSource, string>;
  return {
    data_dir: input.dataDir,
    api: { enabled: true, address: VECTOR_API_ADDRESS },
    sources: {
      pod_logs: {
        type: "kubernetes_logs",
        self_node_name: "${VECTOR_SELF_NODE_NAME}",
        extra_field_selector: `metadata.namespace=${input.namespace}`,
      },
    },
    ...pipeline(services, input.analyticsUrl, "pod_logs", KUBERNETES_PROJECT_LOGS),
  };
}

const HEADER =
  "# ownstack: rendered by components/render/vector.ts; after supabase/supabase docker/volumes/logs/vector.yml\n";

/** vector.yml as uploaded into the container. */
export function renderVectorYaml(input: VectorConfigInput): string {
  return `${HEADER}${stringify(vectorConfig(input), { lineWidth: 0 })}`;
}

/** vector.yml for the kubernetes agent's ConfigMap. */
export function renderKubernetesVectorYaml(input: KubernetesVectorInput): string {
  return `${HEADER}${stringify(kubernetesVectorConfig(input), { lineWidth: 0 })}`;
}
