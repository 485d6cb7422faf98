import { ADDRESSES } from "../../config/services";

/**
 * Traefik v3 static flags and Docker-provider labels, rendered as plain strings so they are unit
 * tested without Pulumi. Labels use a single `$` in bcrypt hashes: the `$$` escaping is compose's.
 */

export const CERT_RESOLVER = "le";
export const ACME_STORAGE = "/letsencrypt/acme.json";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
export const METRICS_PORT = ADDRESSES.traefik.metrics.port;

export interface TraefikFlagsInput {
  /** Only containers carrying this stack label are routed. */
  readonly stack: string;
  readonly acmeEmail: string;
  readonly acmeChallenge: "http" | "tls";
  readonly acmeStaging: boolean;
  readonly metrics: boolean;
  /** The Docker API Traefik's provider reads: the read-only proxy, never the socket. */
  readonly dockerEndpoint: string;
}

export function traefikFlags(input: TraefikFlagsInput): string[] {
  const acme = `--certificatesresolvers.${CERT_RESOLVER}.acme`;
  return [
    "--entrypoints.web.address=:80",
    "--entrypoints.websecure.address=:443",
    // The ACME HTTP-01 router has top priority, so the redirect does not break issuance.
    "--entrypoints.web.http.redirections.entrypoint.to=websecure",
    "--entrypoints.web.http.redirections.entrypoint.scheme=https",
    "--entrypoints.web.http.redirections.entrypoint.permanent=true",
    `--entrypoints.websecure.http.tls.certresolver=${CERT_RESOLVER}`,
    "--providers.docker=true",
    `--providers.docker.endpoint=${input.dockerEndpoint}`,
    "--providers.docker.exposedbydefault=false",
    // No default network: each routed container names its pair network with Traefik
    // (`traefik.docker.network`), the one both share (config/networks.ts).
    `--providers.docker.constraints=Label(\`ownstack.stack\`,\`${input.stack}\`)`,
    `${acme}.email=${input.acmeEmail}`,
    `${acme}.storage=${ACME_STORAGE}`,
    ...(input.acmeChallenge === "http"
      ? [`${acme}.httpchallenge=true`, `${acme}.httpchallenge.entrypoint=web`]
      : [`${acme}.tlschallenge=true`]),
    ...(input.acmeStaging ? [`${acme}.caserver=${LETS_ENCRYPT_STAGING}`] : []),
    // Ping on the internal `traefik` entrypoint (:8080), never published; no API, no dashboard.
    "--ping=true",
    "--api.dashboard=false",
    "--log.level=INFO",
    "--accesslog=true",
    ...(input.metrics
      ? [
          `--entrypoints.metrics.address=:${METRICS_PORT}`,
          "--metrics.prometheus=true",
          "--metrics.prometheus.entrypoint=metrics",
        ]
      : []),
  ];
}

export interface RouteInput {
  /** Router and service name, unique per stack, e.g. `ownstack-vps-api`. */
  readonly name: string;
  readonly host: string;
  /** The container port Traefik forwards to. */
  readonly port: number;
  /** A bcrypt `user:hash` line for a basic-auth middleware, for UIs without auth of their own. */
  readonly basicAuthUser?: string;
}

/** Security headers every public host gets (HSTS and friends). */
export function securityHeaderLabels(middleware: string): Record<string, string> {
  const p = `traefik.http.middlewares.${middleware}.headers`;
  return {
    [`${p}.browserXssFilter`]: "true",
    [`${p}.contentTypeNosniff`]: "true",
    [`${p}.customFrameOptionsValue`]: "SAMEORIGIN",
    [`${p}.referrerPolicy`]: "strict-origin-when-cross-origin",
    [`${p}.stsIncludeSubdomains`]: "true",
    [`${p}.stsPreload`]: "true",
    [`${p}.stsSeconds`]: "31536000",
  };
}

/** Labels that route one or more hosts to a container over HTTPS; keys sorted by the caller. */
export function routeLabels(
  network: string,
  routes: readonly RouteInput[],
): Record<string, string> {
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    "traefik.docker.network": network,
  };
  for (const r of routes) {
    const router = `traefik.http.routers.${r.name}`;
    const headers = `${r.name}-headers`;
    const middlewares = [headers];
    Object.assign(labels, securityHeaderLabels(headers));
    if (r.basicAuthUser) {
      labels[`traefik.http.middlewares.${r.name}-auth.basicauth.users`] = r.basicAuthUser;
      middlewares.push(`${r.name}-auth`);
    }
    labels[`${router}.rule`] = `Host(\`${r.host}\`)`;
    labels[`${router}.entrypoints`] = "websecure";
    labels[`${router}.tls.certresolver`] = CERT_RESOLVER;
    labels[`${router}.service`] = r.name;
    labels[`${router}.middlewares`] = middlewares.join(",");
    labels[`traefik.http.services.${r.name}.loadbalancer.server.port`] = String(r.port);
  }
  return labels;
}

/** Reads `Host(\`x\`)` rules back out of a label set, for tests and `npm run doctor`. */
export function hostsOf(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .filter(([k]) => /^traefik\.http\.routers\.[^.]+\.rule$/.test(k))
    .map(([, v]) => /^Host\(`([^`]+)`\)$/.exec(v)?.[1] ?? "")
    .sort();
}
