import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { hostsOf, routeLabels, traefikFlags } from "../../components/render/traefik";

describe("Traefik labels and flags", () => {
  const labels = routeLabels("ownstack-vps", [
    { name: "ownstack-vps-api", host: "api.example.com", port: 8000 },
    {
      name: "ownstack-vps-prometheus",
      host: "prometheus.example.com",
      port: 9090,
      basicAuthUser: "supabase:$2a$10$abc",
    },
  ]);

  it("survive a round trip through a compose-style labels block, single `$` intact", () => {
    const text = stringify({ services: { kong: { labels } } });
    expect(parse(text).services.kong.labels).toEqual(labels);
    expect(labels["traefik.http.middlewares.ownstack-vps-prometheus-auth.basicauth.users"]).toBe(
      "supabase:$2a$10$abc",
    );
  });

  it("route each host over HTTPS with the Let's Encrypt resolver and security headers", () => {
    expect(hostsOf(labels)).toEqual(["api.example.com", "prometheus.example.com"]);
    expect(labels).toMatchObject({
      "traefik.enable": "true",
      "traefik.docker.network": "ownstack-vps",
      "traefik.http.routers.ownstack-vps-api.entrypoints": "websecure",
      "traefik.http.routers.ownstack-vps-api.tls.certresolver": "le",
      "traefik.http.routers.ownstack-vps-api.middlewares": "ownstack-vps-api-headers",
      "traefik.http.routers.ownstack-vps-prometheus.middlewares":
        "ownstack-vps-prometheus-headers,ownstack-vps-prometheus-auth",
      "traefik.http.services.ownstack-vps-prometheus.loadbalancer.server.port": "9090",
      "traefik.http.middlewares.ownstack-vps-api-headers.headers.stsSeconds": "31536000",
    });
  });

  it("never turn on the insecure API or a public dashboard, and open metrics only when asked", () => {
    const base = {
      stack: "vps",
      acmeEmail: "a@example.com",
      acmeChallenge: "http" as const,
      acmeStaging: false,
      dockerEndpoint: "tcp://docker-proxy:2375",
    };
    const plain = traefikFlags({ ...base, metrics: false });
    expect(plain).toContain("--api.dashboard=false");
    expect(plain.some((f) => f.startsWith("--api.insecure"))).toBe(false);
    expect(plain.some((f) => f.includes("metrics"))).toBe(false);
    expect(traefikFlags({ ...base, metrics: true })).toEqual(
      expect.arrayContaining(["--metrics.prometheus=true", "--entrypoints.metrics.address=:8082"]),
    );
    expect(plain).toContain("--providers.docker.constraints=Label(`ownstack.stack`,`vps`)");
    expect(plain).toContain("--providers.docker.endpoint=tcp://docker-proxy:2375");
  });
});
