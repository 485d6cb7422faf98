import { enabledServices } from "./budget";
import { configKey } from "./schema";
import { ADDRESSES, SERVICES, ServiceName, localPortsOf } from "./services";
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
export const NEVER_PUBLIC = [
  "db",
  "redis",
  "qdrant",
  "minio",
  "ollama",
  "prometheus",
  "meta",
  "postgresExporter",
  "redisExporter",
  "supavisor",
  "imgproxy",
] as const;

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
    const { port: https, ports } = ADDRESSES.traefik;
    return [
      {
        service: "traefik",
        internal: ports.http,
        external: ports.http,
        ip: "0.0.0.0",
        purpose: "HTTP (redirects to HTTPS, ACME HTTP-01)",
      },
      {
        service: "traefik",
        internal: https,
        external: https,
        ip: "0.0.0.0",
        purpose: "HTTPS for api/studio hosts",
      },
    ];
  }
  return enabledServices(settings)
    .sort((a, b) => SERVICES.indexOf(a) - SERVICES.indexOf(b))
    .flatMap((service) =>
      localPortsOf(service).map((p) => ({
        service,
        internal: p.internal,
        external: settings.ports[p.setting],
        ip: LOOPBACK,
        configKey: p.configKey,
        purpose: p.purpose,
      })),
    );
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
export function exposureViolations(
  target: Settings["target"],
  bindings: readonly PortBinding[],
): string[] {
  const out: string[] = [];
  for (const b of bindings) {
    const where = `${b.service} publishes ${b.ip || "0.0.0.0"}:${b.external}->${b.internal}`;
    const loopback = b.ip === LOOPBACK || b.ip === "::1";
    if (target === "local" && !loopback)
      out.push(`${where}, but on local every published port must bind 127.0.0.1`);
    if (target === "vps") {
      if (b.service !== "traefik")
        out.push(`${where}, but on vps only traefik may publish host ports`);
      else if (b.external !== 80 && b.external !== 443)
        out.push(`${where}, but traefik may publish only 80 and 443`);
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
    if (other)
      out.push(
        `${configKey(b.configKey)}: port ${b.external} is already used by ${configKey(other)}, expected a free port`,
      );
    else seen.set(b.external, b.configKey);
  }
  return out;
}
