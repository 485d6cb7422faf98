import { haproxyPreamble } from "./haproxy";

/**
 * haproxy.cfg of the Docker API proxy (components/dockerProxy.ts): the one container that holds the
 * Docker socket. It answers read requests to the few endpoints Vector and Traefik read, and refuses
 * everything else with 403 before anything reaches the daemon, so neither reader can create a
 * container, exec into one or read a secret (all of which are root on the host). Pure: no Pulumi.
 *
 * The endpoints, from each reader's source at its pinned version:
 * - Vector's docker_logs source (vectordotdev/vector src/sources/docker_logs/mod.rs, v0.53.0):
 *   `list_containers`, `inspect_container`, `logs` (follow) and `events`; bollard sends them under
 *   a `/v1.xx` prefix.
 * - Traefik's Docker provider (traefik/traefik pkg/provider/docker/pdocker.go and shared.go):
 *   `ServerVersion`, `ContainerList`, `ContainerInspect` and `Events`; moby's client negotiates
 *   the API version with `HEAD /_ping` (GET when HEAD fails) without a version prefix
 *   (moby/moby client/ping.go).
 */

/** Docker's container names and ids: `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (moby daemon/names). */
const CONTAINER = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";

/** The read-only endpoints, as path patterns after the optional `/v1.xx` prefix. */
export const READ_ENDPOINTS: readonly string[] = [
  "/_ping", // Traefik (moby's version negotiation)
  "/version", // Traefik
  "/events", // Traefik, Vector
  "/containers/json", // Traefik, Vector: the list
  `/containers/${CONTAINER}/json`, // Traefik, Vector: inspect (labels, networks, names)
  `/containers/${CONTAINER}/logs`, // Vector
];

/** Where the image reads its config (docker-library/haproxy Dockerfile CMD). */
export const DOCKER_PROXY_CFG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";

/** Where the proxy finds the daemon's socket inside its container. */
export const DOCKER_PROXY_SOCKET = "/var/run/docker.sock";

/**
 * Connections the proxy holds at once: Vector follows one log stream per container of the stack
 * (about 30 with every option on) plus its events stream, Traefik one events stream and its
 * requests. Set explicitly because HAProxy sizes its tables from the file limit otherwise, which
 * Docker leaves at 1048576 (docker-library/haproxy#194, haproxy/haproxy#1751).
 */
export const DOCKER_PROXY_MAXCONN = 256;

export interface DockerProxyConfigInput {
  /** HAProxy `bind` address, e.g. `:2375` in the container. */
  readonly bind: string;
  /** The daemon's unix socket. */
  readonly socket: string;
}

/**
 * The path, URL-decoded, must match one endpoint exactly: `%2F` cannot smuggle in another path,
 * and nothing may follow (no `/containers/x/json/../exec`). Docker's router is case-sensitive.
 */
export const endpointPattern = (): string => `^(/v[0-9]+[.][0-9]+)?(${READ_ENDPOINTS.join("|")})$`;

/** haproxy.cfg as uploaded into the container. */
export function renderDockerProxyCfg(input: DockerProxyConfigInput): string {
  return [
    ...haproxyPreamble({
      renderedBy: "components/render/dockerProxy.ts",
      maxconn: DOCKER_PROXY_MAXCONN,
      // Log and event streams stay open while nothing happens; a reader reconnects after this
      // (Vector from the last timestamp it read, Traefik with a full relist).
      idleTimeout: "1h",
    }),
    "frontend docker",
    `  bind ${input.bind}`,
    "  acl read method GET HEAD",
    `  acl reader_endpoint path,url_dec -m reg ${endpointPattern()}`,
    "  http-request allow if read reader_endpoint",
    // deny answers 403 and the request never reaches the backend.
    "  http-request deny",
    "  default_backend docker",
    "",
    "backend docker",
    `  server docker ${input.socket}`,
    "",
  ].join("\n");
}
