import type { ServiceName } from "./serviceNames";
import type { Settings } from "./types";

export { SERVICES, type ServiceName } from "./serviceNames";

/**
 * The address table: for every long-running service, the names it answers to on the stack's
 * private network, the ports it listens on, where Prometheus scrapes it, its public hosts on vps
 * and the host ports it publishes on local. Bindings, URLs, Traefik routes, scrape targets and the
 * stack outputs are derived from here, so a port a service listens on and the port the others call
 * it on are one constant.
 */

/** A host port published on local, on loopback only; the number comes from `ownstack:<configKey>`. */
export interface LocalPort {
  readonly internal: number;
  readonly setting: keyof Settings["ports"];
  readonly configKey: string;
  /** What the port is for, shown by `npm run doctor`. */
  readonly purpose: string;
}

export interface ServiceAddress {
  /**
   * Names on the private network. The first is the one the others call; the rest are names
   * upstream's docker-compose.yml gives the service and its neighbours hard-code.
   */
  readonly aliases: readonly [string, ...string[]];
  /** The port it serves on inside the network. */
  readonly port: number;
  /** Further ports it listens on, by purpose. */
  readonly ports?: Readonly<Record<string, number>>;
  /** Where Prometheus scrapes it (metrics are on the private network only). */
  readonly metrics?: { readonly port: number; readonly path: string };
  /** Its `<subdomain>.<domain>` hosts on vps; Traefik routes them to `port`. */
  readonly subdomains?: readonly string[];
  readonly localPorts?: readonly LocalPort[];
}

// Ports and names as upstream's compose file has them:
// https://github.com/supabase/supabase/blob/master/docker/docker-compose.yml
export const ADDRESSES = {
  db: { aliases: ["db"], port: 5432 },
  auth: { aliases: ["auth"], port: 9999, metrics: { port: 9100, path: "/metrics" } },
  // PostgREST serves /metrics on its admin server (PGRST_ADMIN_SERVER_PORT).
  rest: { aliases: ["rest"], port: 3000, metrics: { port: 3001, path: "/metrics" } },
  // Realtime derives its tenant from the first label of the Host header, and the seeded tenant is
  // `realtime-dev`: the gateway must reach it by the second name
  // (https://github.com/supabase/realtime/issues/746); Prometheus uses the first.
  realtime: {
    aliases: ["realtime", "realtime-dev.supabase-realtime"],
    port: 4000,
    metrics: { port: 4000, path: "/metrics" },
  },
  storage: { aliases: ["storage"], port: 5000, metrics: { port: 5000, path: "/metrics" } },
  minio: {
    aliases: ["minio"],
    port: 9000,
    ports: { console: 9001 },
    metrics: { port: 9000, path: "/minio/v2/metrics/cluster" },
  },
  meta: { aliases: ["meta"], port: 8080 },
  studio: { aliases: ["studio"], port: 3000 },
  kong: {
    aliases: ["kong", "api-gw", "envoy"],
    port: 8000,
    metrics: { port: 8100, path: "/metrics" },
    subdomains: ["api", "studio"],
    localPorts: [
      {
        internal: 8000,
        setting: "api",
        configKey: "apiPort",
        purpose: "Supabase API and Studio (basic auth at /)",
      },
    ],
  },
  mail: {
    aliases: ["mail", "supabase-mail"],
    port: 8025,
    ports: { smtp: 1025 },
    subdomains: ["mail"],
    localPorts: [
      {
        internal: 8025,
        setting: "mailpit",
        configKey: "mailpitPort",
        purpose: "Mailpit web UI (sign-up mails)",
      },
    ],
  },
  // The edge on vps: HTTPS on 443, HTTP on 80 only to redirect and answer ACME HTTP-01.
  traefik: {
    aliases: ["traefik"],
    port: 443,
    ports: { http: 80 },
    metrics: { port: 8082, path: "/metrics" },
  },
  qdrant: {
    aliases: ["qdrant"],
    port: 6333,
    metrics: { port: 6333, path: "/metrics" },
    localPorts: [
      { internal: 6333, setting: "qdrant", configKey: "qdrantPort", purpose: "Qdrant REST API" },
    ],
  },
  ollama: {
    aliases: ["ollama"],
    port: 11434,
    localPorts: [
      { internal: 11434, setting: "ollama", configKey: "ollamaPort", purpose: "Ollama API" },
    ],
  },
  redis: {
    aliases: ["redis"],
    port: 6379,
    localPorts: [
      {
        internal: 6379,
        setting: "redis",
        configKey: "redisPort",
        purpose: "Redis (password protected)",
      },
    ],
  },
  prometheus: {
    aliases: ["prometheus"],
    port: 9090,
    metrics: { port: 9090, path: "/metrics" },
    subdomains: ["prometheus"],
    localPorts: [
      {
        internal: 9090,
        setting: "prometheus",
        configKey: "prometheusPort",
        purpose: "Prometheus UI",
      },
    ],
  },
  postgresExporter: {
    aliases: ["postgres-exporter"],
    port: 9187,
    metrics: { port: 9187, path: "/metrics" },
  },
  redisExporter: {
    aliases: ["redis-exporter"],
    port: 9121,
    metrics: { port: 9121, path: "/metrics" },
  },
  functions: { aliases: ["functions"], port: 9000 },
  supavisor: {
    aliases: ["supavisor", "pooler"],
    port: 4000,
    // Supavisor is the only way into Postgres from the host, as upstream: user postgres.<tenant>.
    localPorts: [
      {
        internal: 5432,
        setting: "poolerSession",
        configKey: "poolerSessionPort",
        purpose: "Postgres via Supavisor, session mode",
      },
      {
        internal: 6543,
        setting: "poolerTransaction",
        configKey: "poolerTransactionPort",
        purpose: "Postgres via Supavisor, transaction mode",
      },
    ],
  },
  imgproxy: { aliases: ["imgproxy"], port: 5001 },
  grafana: {
    aliases: ["grafana"],
    port: 3000,
    subdomains: ["grafana"],
    localPorts: [
      {
        internal: 3000,
        setting: "grafana",
        configKey: "grafanaPort",
        purpose: "Grafana dashboards",
      },
    ],
  },
  // Logflare, as upstream's logs overlay (docker/docker-compose.logs.yml); never published.
  analytics: { aliases: ["analytics"], port: 4000 },
  // Vector's API (health) listens on loopback inside its container only.
  vector: { aliases: ["vector"], port: 9001 },
  // Open WebUI (local-ai-packaged's chat front end); its image listens on 8080 (upstream Dockerfile
  // EXPOSE 8080). On vps it is chat.<domain> through Traefik, with its own sign-in.
  openWebui: {
    aliases: ["openwebui", "open-webui"],
    port: 8080,
    subdomains: ["chat"],
    localPorts: [
      {
        internal: 8080,
        setting: "openWebui",
        configKey: "openWebuiPort",
        purpose: "Open WebUI (chat with Ollama's models)",
      },
    ],
  },
  // The backup scheduler's /metrics and /healthz (components/backup.ts); never published.
  backup: { aliases: ["backup"], port: 9188, metrics: { port: 9188, path: "/metrics" } },
  // The read-only Docker API proxy (components/dockerProxy.ts): the only container with the
  // Docker socket; Vector and Traefik read the API here. 2375 is Docker's plain-HTTP API port.
  dockerProxy: { aliases: ["docker-proxy"], port: 2375 },
  // The mail template server (components/mailTemplates.ts): GoTrue fetches its template bodies
  // here; never published.
  mailTemplates: { aliases: ["mail-templates"], port: 8088 },
} as const satisfies Record<ServiceName, ServiceAddress>;

const TABLE: Readonly<Record<ServiceName, ServiceAddress>> = ADDRESSES;

/** The host ports a service publishes on local, in the order doctor lists them. */
export const localPortsOf = (service: ServiceName): readonly LocalPort[] =>
  TABLE[service].localPorts ?? [];

/** `<alias>:<port>`, as the other containers reach a service on the private network. */
export const internalAddress = (service: ServiceName, port: number = TABLE[service].port): string =>
  `${TABLE[service].aliases[0]}:${port}`;

/** `http://<alias>:<port>` on the private network. */
export const internalUrl = (service: ServiceName, port?: number): string =>
  `http://${internalAddress(service, port)}`;

/** `<sub>.<domain>`: one public host of a vps stack. */
export const publicHost = (settings: Pick<Settings, "vps">, sub: string): string =>
  `${sub}.${settings.vps.domain}`;

/** `https://<sub>.<domain>`. */
export const publicHostUrl = (settings: Pick<Settings, "vps">, sub: string): string =>
  `https://${publicHost(settings, sub)}`;

/**
 * Where the operator reaches a service: its first host port on loopback on local; on vps its
 * public host when it has one, otherwise its address on the private network.
 */
export function reachableAddress(
  settings: Pick<Settings, "target" | "ports">,
  service: ServiceName,
): string {
  const local = localPortsOf(service);
  if (settings.target === "local" && local.length > 0)
    return `127.0.0.1:${settings.ports[local[0].setting]}`;
  return internalAddress(service);
}

/** `reachableAddress` as an http(s) URL; on vps a service with a public host is reached there. */
export function reachableUrl(
  settings: Pick<Settings, "target" | "ports" | "vps">,
  service: ServiceName,
): string {
  const sub = TABLE[service].subdomains?.[0];
  if (settings.target === "vps" && sub !== undefined) return publicHostUrl(settings, sub);
  return `http://${reachableAddress(settings, service)}`;
}
