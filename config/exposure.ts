import type { ServiceName } from "./memory";
import { configKey } from "./schema";
import type { Settings } from "./types";

/** A host port a container publishes. `ip` is the host interface it binds. */
export interface PortBinding {
  readonly service: string;
  readonly internal: number;
  readonly external: number;
  readonly ip: string;
  /** What the port is for, shown by `npm run doctor`. */
  readonly purpose: string;
  /** The config key that sets the host port, when a user can change it. */
  readonly configKey?: string;
}

/** Services that hold data or have no auth of their own; never on a public interface. */
export const NEVER_PUBLIC = ["db", "redis", "qdrant", "minio", "ollama", "prometheus", "meta", "postgresExporter", "redisExporter", "supavisor", "imgproxy"] as const;

const LOOPBACK = "127.0.0.1";

/**
 * The single exposure decision for every stack kind: which services publish which host ports, on
 * which interface. Components publish exactly this list; doctor checks exactly this list.
 */
export function plannedBindings(settings: Settings): PortBinding[] {
  // Pods publish no host ports: the Ingress is the only way in (components/k8s/ingress.ts), and
  // every Service is ClusterIP.
  if (settings.target === "kubernetes") return [];
  if (settings.target === "vps") {
    // Only Traefik faces the internet; everything else is reached through it or not at all.
    return [
      { service: "traefik", internal: 80, external: 80, ip: "0.0.0.0", purpose: "HTTP (redirects to HTTPS, ACME HTTP-01)" },
      { service: "traefik", internal: 443, external: 443, ip: "0.0.0.0", purpose: "HTTPS for api/studio hosts" },
    ];
  }
  const { ports, features } = settings;
  const local: (PortBinding | false)[] = [
    { service: "kong", internal: 8000, external: ports.api, ip: LOOPBACK, configKey: "apiPort", purpose: "Supabase API and Studio (basic auth at /)" },
    features.mailpit && { service: "mail", internal: 8025, external: ports.mailpit, ip: LOOPBACK, configKey: "mailpitPort", purpose: "Mailpit web UI (sign-up mails)" },
    features.qdrant && { service: "qdrant", internal: 6333, external: ports.qdrant, ip: LOOPBACK, configKey: "qdrantPort", purpose: "Qdrant REST API" },
    features.ollama && { service: "ollama", internal: 11434, external: ports.ollama, ip: LOOPBACK, configKey: "ollamaPort", purpose: "Ollama API" },
    features.redis && { service: "redis", internal: 6379, external: ports.redis, ip: LOOPBACK, configKey: "redisPort", purpose: "Redis (password protected)" },
    features.prometheus && { service: "prometheus", internal: 9090, external: ports.prometheus, ip: LOOPBACK, configKey: "prometheusPort", purpose: "Prometheus UI" },
    // Supavisor is the only way into Postgres from the host, as upstream: user postgres.<tenant>.
    features.supavisor && { service: "supavisor", internal: 5432, external: ports.poolerSession, ip: LOOPBACK, configKey: "poolerSessionPort", purpose: "Postgres via Supavisor, session mode" },
    features.supavisor && { service: "supavisor", internal: 6543, external: ports.poolerTransaction, ip: LOOPBACK, configKey: "poolerTransactionPort", purpose: "Postgres via Supavisor, transaction mode" },
    features.grafana && { service: "grafana", internal: 3000, external: ports.grafana, ip: LOOPBACK, configKey: "grafanaPort", purpose: "Grafana dashboards" },
  ];
  return local.filter((b): b is PortBinding => b !== false);
}

/** The bindings one service publishes under the policy. */
export function bindingsFor(settings: Settings, service: ServiceName): PortBinding[] {
  return plannedBindings(settings).filter((b) => b.service === service);
}

/**
 * Checks a declared plan against the exposure policy. Returns one sentence per violation; the
 * program throws on any before the offending container is declared, and tests run it over the
 * whole mocked plan.
 */
export function exposureViolations(target: Settings["target"], bindings: readonly PortBinding[]): string[] {
  const out: string[] = [];
  for (const b of bindings) {
    const where = `${b.service} publishes ${b.ip || "0.0.0.0"}:${b.external}->${b.internal}`;
    const loopback = b.ip === LOOPBACK || b.ip === "::1";
    if (target === "local" && !loopback) out.push(`${where}, but on local every published port must bind 127.0.0.1`);
    if (target === "vps") {
      if (b.service !== "traefik") out.push(`${where}, but on vps only traefik may publish host ports`);
      else if (b.external !== 80 && b.external !== 443) out.push(`${where}, but traefik may publish only 80 and 443`);
    }
    if ((NEVER_PUBLIC as readonly string[]).includes(b.service) && !loopback)
      out.push(`${where}, but ${b.service} must never be published on a public interface`);
  }
  return out;
}

/** Two published services on one host port: checked on the exposure policy's own list. */
export function portConflicts(settings: Settings): string[] {
  const seen = new Map<number, string>();
  const out: string[] = [];
  for (const b of plannedBindings(settings)) {
    if (!b.configKey) continue;
    const other = seen.get(b.external);
    if (other) out.push(`${configKey(b.configKey)}: port ${b.external} is already used by ${configKey(other)}, expected a free port`);
    else seen.set(b.external, b.configKey);
  }
  return out;
}
