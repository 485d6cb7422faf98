import { describe, expect, it } from "vitest";
import { PortBinding, exposureViolations } from "../../config/exposure";
import { hostsOf } from "../../components/render/traefik";
import { VPS_CONFIG, evaluate, planBeforeAll } from "./mocks";
import { byType, container, containers, env, label, publishedBindings, serviceOf } from "./lookups";

const labelMap = (c: { inputs: Record<string, any> }): Record<string, string> =>
  Object.fromEntries(
    (c.inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]),
  );

describe("vps stack plan", () => {
  const plan = planBeforeAll(VPS_CONFIG, "vps");

  it("runs Traefik with HTTPS entrypoints, the HTTP redirect and Let's Encrypt", () => {
    const flags: string[] = container(plan, "traefik").inputs.command;
    expect(flags).toEqual(
      expect.arrayContaining([
        "--entrypoints.web.address=:80",
        "--entrypoints.websecure.address=:443",
        "--entrypoints.web.http.redirections.entrypoint.to=websecure",
        "--entrypoints.websecure.http.tls.certresolver=le",
        "--providers.docker.exposedbydefault=false",
        "--certificatesresolvers.le.acme.email=ops@example.com",
        "--certificatesresolvers.le.acme.storage=/letsencrypt/acme.json",
        "--certificatesresolvers.le.acme.httpchallenge.entrypoint=web",
        "--ping=true",
      ]),
    );
    expect(flags.some((f) => f.includes("caserver"))).toBe(false);
    expect(flags.some((f) => f.startsWith("--api.insecure") || f === "--api.dashboard=true")).toBe(
      false,
    );
  });

  it("reads the Docker API through the proxy, without the socket, and keeps acme.json in a volume", () => {
    const volumes = container(plan, "traefik").inputs.volumes;
    expect(volumes).toEqual([
      expect.objectContaining({
        volumeName: "ownstack-vps-traefik-acme",
        containerPath: "/letsencrypt",
      }),
    ]);
    expect(container(plan, "traefik").inputs.healthcheck.tests).toEqual([
      "CMD",
      "traefik",
      "healthcheck",
      "--ping",
    ]);
  });

  it("routes api.<domain> and studio.<domain> to Kong over HTTPS with security headers", () => {
    const labels = labelMap(container(plan, "kong"));
    expect(hostsOf(labels)).toEqual(["api.example.com", "studio.example.com"]);
    expect(labels["traefik.enable"]).toBe("true");
    for (const r of ["ownstack-vps-api", "ownstack-vps-studio"]) {
      expect(labels[`traefik.http.routers.${r}.entrypoints`]).toBe("websecure");
      expect(labels[`traefik.http.routers.${r}.tls.certresolver`]).toBe("le");
      expect(labels[`traefik.http.services.${r}.loadbalancer.server.port`]).toBe("8000");
      expect(labels[`traefik.http.routers.${r}.middlewares`]).toBe(`${r}-headers`);
      expect(labels[`traefik.http.middlewares.${r}-headers.headers.stsSeconds`]).toBe("31536000");
    }
  });

  it("gives GoTrue and Studio the public HTTPS URLs, so e-mail links never point at localhost", () => {
    const auth = env(container(plan, "auth"));
    expect(auth.API_EXTERNAL_URL).toBe("https://api.example.com/auth/v1");
    expect(auth.GOTRUE_JWT_ISSUER).toBe("https://api.example.com/auth/v1");
    expect(auth.GOTRUE_SITE_URL).toBe("https://example.com");
    expect(auth.GOTRUE_MAILER_URLPATHS_CONFIRMATION).toBe("/auth/v1/verify");
    expect(auth.GOTRUE_SMTP_HOST).toBe("smtp.example.com");
    expect(auth.GOTRUE_SMTP_PASS).toBe("smtp-secret");
    expect(env(container(plan, "studio")).SUPABASE_PUBLIC_URL).toBe("https://api.example.com");
    expect(env(container(plan, "storage")).STORAGE_PUBLIC_URL).toBe("https://api.example.com");
    expect(plan.outputs.apiUrl).toBe("https://api.example.com");
    expect(plan.outputs.studioUrl).toBe("https://studio.example.com");
    for (const c of containers(plan))
      expect(JSON.stringify(c.inputs.envs ?? [])).not.toContain("localhost:8000");
  });

  it("has no Mailpit unless it is enabled explicitly", () => {
    expect(containers(plan).some((c) => serviceOf(c) === "mail")).toBe(false);
  });

  it("lets no container but Traefik publish a host port, and Traefik only 80 and 443", () => {
    const bindings = publishedBindings(plan);
    expect(bindings.map((b) => `${b.service}:${b.external}`).sort()).toEqual([
      "traefik:443",
      "traefik:80",
    ]);
    expect(exposureViolations("vps", bindings)).toEqual([]);
  });

  it("targets every container and image at the remote Docker host through one explicit provider", () => {
    const [provider] = byType(plan, "pulumi:providers:docker");
    expect(provider.inputs.host).toBe("ssh://deploy@203.0.113.10");
    const dockerResources = plan.resources.filter((r) => r.type.startsWith("docker:index/"));
    expect(dockerResources.length).toBeGreaterThan(10);
    for (const r of dockerResources)
      expect(r.provider, r.name).toContain("::ownstack-vps-docker::");
  });

  it("hands a tcp:// Docker host its TLS material from docker:* config", async () => {
    const tls = await evaluate(
      {
        ...VPS_CONFIG,
        "ownstack:dockerHost": "tcp://203.0.113.10:2376",
        "docker:certPath": "/home/me/.docker/server",
      },
      "vps",
    );
    const [provider] = byType(tls, "pulumi:providers:docker");
    expect(provider.inputs).toMatchObject({
      host: "tcp://203.0.113.10:2376",
      certPath: "/home/me/.docker/server",
    });
  });

  it("uses the staging CA and the TLS challenge when asked", async () => {
    const staged = await evaluate(
      { ...VPS_CONFIG, "ownstack:acmeStaging": "true", "ownstack:acmeChallenge": "tls" },
      "vps",
    );
    const flags: string[] = container(staged, "traefik").inputs.command;
    expect(flags).toContain(
      "--certificatesresolvers.le.acme.caserver=https://acme-staging-v02.api.letsencrypt.org/directory",
    );
    expect(flags).toContain("--certificatesresolvers.le.acme.tlschallenge=true");
    expect(flags.some((f) => f.includes("httpchallenge"))).toBe(false);
  });

  it("puts an explicitly enabled Mailpit behind basic auth at mail.<domain>", async () => {
    const withMail = await evaluate({ ...VPS_CONFIG, "ownstack:mailpit": "true" }, "vps");
    const labels = labelMap(container(withMail, "mail"));
    expect(hostsOf(labels)).toEqual(["mail.example.com"]);
    expect(labels["traefik.http.routers.ownstack-vps-mail.middlewares"]).toBe(
      "ownstack-vps-mail-headers,ownstack-vps-mail-auth",
    );
    expect(labels["traefik.http.middlewares.ownstack-vps-mail-auth.basicauth.users"]).toMatch(
      /^supabase:\$2a\$10\$/,
    );
    expect(container(withMail, "mail").secretInputs.has("labels")).toBe(true);
    expect(withMail.resources.find((r) => r.name === "mail-container")?.inputs.ports ?? []).toEqual(
      [],
    );
  });
});

describe("exposure policy", () => {
  const bind = (service: string, external: number, ip: string): PortBinding => ({
    service,
    internal: external,
    external,
    ip,
    purpose: "",
  });

  it("refuses Postgres with a public port on vps", () => {
    expect(exposureViolations("vps", [bind("db", 5432, "0.0.0.0")])).toEqual([
      "db publishes 0.0.0.0:5432->5432, but on vps only traefik may publish host ports",
      "db publishes 0.0.0.0:5432->5432, but db must never be published on a public interface",
    ]);
  });

  it("refuses any non-loopback binding on local", () => {
    expect(exposureViolations("local", [bind("kong", 8000, "0.0.0.0")])).toEqual([
      "kong publishes 0.0.0.0:8000->8000, but on local every published port must bind 127.0.0.1",
    ]);
  });

  it("refuses Traefik on ports other than 80 and 443", () => {
    expect(exposureViolations("vps", [bind("traefik", 8080, "0.0.0.0")])).toHaveLength(1);
  });

  it("accepts the planned bindings of both stack kinds", () => {
    expect(
      exposureViolations("vps", [bind("traefik", 80, "0.0.0.0"), bind("traefik", 443, "0.0.0.0")]),
    ).toEqual([]);
    expect(
      exposureViolations("local", [
        bind("kong", 8000, "127.0.0.1"),
        bind("redis", 6379, "127.0.0.1"),
      ]),
    ).toEqual([]);
  });
});
