import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { KONG_CONFIG_PATH } from "../../components/kong";
import { initSqlFiles } from "../../components/render/initSql";
import { parseSettings } from "../../config/settings";
import { LOCAL_CORE, Plan, PlannedResource, planBeforeAll } from "./mocks";
import { aliases, byType, container, containers, env, serviceOf, stringOutput } from "./lookups";

const settings = parseSettings({}, "local");
const SECRET_OUTPUTS = [
  "anonKey",
  "dashboardPassword",
  "jwtSecret",
  "postgresPassword",
  "serviceRoleKey",
];

/** A DSN split into the parts a test names. */
function dsn(url: string) {
  const u = new URL(url);
  return {
    scheme: u.protocol,
    user: u.username,
    password: decodeURIComponent(u.password),
    host: u.hostname,
    port: u.port,
    database: u.pathname.slice(1),
  };
}

const kongYml = (plan: Plan) => {
  const upload = container(plan, "kong").inputs.uploads.find(
    (u: { file: string }) => u.file === KONG_CONFIG_PATH,
  );
  return parse(upload.content);
};

// The default local stack, evaluated once for every describe below.
const plan = planBeforeAll();
const out = (key: string) => stringOutput(plan, key);

describe("local stack: one set of secrets, wired under upstream's names", () => {
  it("declares the Supabase core services", () => {
    const services = containers(plan).map(serviceOf);
    expect(services).toEqual(expect.arrayContaining([...LOCAL_CORE]));
  });

  it.each([
    ["jwtSecret", "auth", "GOTRUE_JWT_SECRET"],
    ["jwtSecret", "realtime", "API_JWT_SECRET"],
    ["jwtSecret", "realtime", "METRICS_JWT_SECRET"],
    ["jwtSecret", "storage", "AUTH_JWT_SECRET"],
    ["jwtSecret", "studio", "AUTH_JWT_SECRET"],
    ["postgresPassword", "db", "POSTGRES_PASSWORD"],
    ["postgresPassword", "db", "PGPASSWORD"],
    ["postgresPassword", "realtime", "DB_PASSWORD"],
    ["postgresPassword", "meta", "PG_META_DB_PASSWORD"],
    ["postgresPassword", "studio", "POSTGRES_PASSWORD"],
    ["anonKey", "storage", "ANON_KEY"],
    ["serviceRoleKey", "storage", "SERVICE_KEY"],
    ["anonKey", "studio", "SUPABASE_ANON_KEY"],
    ["serviceRoleKey", "studio", "SUPABASE_SERVICE_KEY"],
    ["anonKey", "realtime", "ANON_KEY"],
  ])("the %s output reaches %s as %s", (output, service, name) => {
    expect(env(container(plan, service))[name]).toBe(out(output));
  });

  it("the JWT secret reaches rest inside PGRST_JWT_SECRET's JWKS, as its HS256 key (authSigning es256 is the default)", () => {
    const { keys } = JSON.parse(env(container(plan, "rest")).PGRST_JWT_SECRET);
    expect(keys.find((k: { kty: string }) => k.kty === "oct")).toEqual({
      kty: "oct",
      k: Buffer.from(out("jwtSecret")).toString("base64url"),
      alg: "HS256",
    });
  });

  it.each([
    ["auth", "GOTRUE_DB_DATABASE_URL", "supabase_auth_admin"],
    ["rest", "PGRST_DB_URI", "authenticator"],
    ["storage", "DATABASE_URL", "supabase_storage_admin"],
  ])(
    "%s's %s logs in as %s with the stack's Postgres password at db:5432",
    (service, name, role) => {
      expect(dsn(env(container(plan, service))[name])).toEqual({
        scheme: "postgres:",
        user: role,
        password: out("postgresPassword"),
        host: "db",
        port: "5432",
        database: "postgres",
      });
    },
  );

  it("Realtime, postgres-meta and Studio log in as the users upstream uses, at db", () => {
    expect(env(container(plan, "realtime"))).toMatchObject({
      DB_USER: "supabase_admin",
      DB_HOST: "db",
      DB_PORT: "5432",
      DB_NAME: "postgres",
    });
    expect(env(container(plan, "meta"))).toMatchObject({
      PG_META_DB_USER: "postgres",
      PG_META_DB_HOST: "db",
      PG_META_DB_PORT: "5432",
    });
    expect(env(container(plan, "studio"))).toMatchObject({
      POSTGRES_USER_READ_WRITE: "postgres",
      POSTGRES_HOST: "db",
      POSTGRES_PORT: "5432",
    });
  });

  it("the database's init SQL gives the service roles that same password", () => {
    const uploads = container(plan, "db").inputs.uploads;
    expect(uploads).toEqual(
      expect.arrayContaining(
        initSqlFiles(out("postgresPassword"), settings.auth.jwtExpiry).map((f) =>
          expect.objectContaining(f),
        ),
      ),
    );
  });

  it("Studio and postgres-meta share one crypto key of at least 32 characters", () => {
    const key = env(container(plan, "studio")).PG_META_CRYPTO_KEY;
    expect(env(container(plan, "meta")).CRYPTO_KEY).toBe(key);
    expect(key.length).toBeGreaterThanOrEqual(32);
  });

  it("generated secrets meet upstream's length rules", () => {
    const length = (id: string) =>
      byType(plan, "random:index/randomPassword:RandomPassword").find((r) => r.name.endsWith(id))
        ?.inputs.length;
    expect(out("jwtSecret").length).toBeGreaterThanOrEqual(40);
    expect(env(container(plan, "realtime")).SECRET_KEY_BASE.length).toBeGreaterThanOrEqual(64);
    expect(env(container(plan, "realtime")).DB_ENC_KEY).toHaveLength(16);
    expect(length("vault-enc-key")).toBe(32);
    expect(length("pg-meta-crypto-key")).toBeGreaterThanOrEqual(32);
  });

  it("no generated password contains characters that break a postgres:// URL", () => {
    for (const r of byType(plan, "random:index/randomPassword:RandomPassword"))
      expect(r.inputs.special, r.name).toBe(false);
  });

  it("Storage and the bucket job use MinIO's root credentials", () => {
    const minio = env(container(plan, "minio"));
    const job = env(
      containers(plan).find((c) => serviceOf(c) === "minio-createbucket") as PlannedResource,
    );
    expect(env(container(plan, "storage"))).toMatchObject({
      STORAGE_BACKEND: "s3",
      GLOBAL_S3_ENDPOINT: "http://minio:9000",
      GLOBAL_S3_BUCKET: settings.storage.bucket,
      AWS_ACCESS_KEY_ID: minio.MINIO_ROOT_USER,
      AWS_SECRET_ACCESS_KEY: minio.MINIO_ROOT_PASSWORD,
    });
    expect(job).toEqual({
      MINIO_ROOT_USER: minio.MINIO_ROOT_USER,
      MINIO_ROOT_PASSWORD: minio.MINIO_ROOT_PASSWORD,
    });
  });

  it("GoTrue sends sign-up mail to Mailpit and links to the public gateway", () => {
    const auth = env(container(plan, "auth"));
    expect(aliases(container(plan, "mail"))).toContain(auth.GOTRUE_SMTP_HOST);
    expect(auth.GOTRUE_SMTP_PORT).toBe("1025");
    expect(auth.API_EXTERNAL_URL).toBe("http://localhost:8000/auth/v1");
    expect(auth.GOTRUE_JWT_ISSUER).toBe(auth.API_EXTERNAL_URL);
    expect(auth.GOTRUE_SITE_URL).toBe("http://localhost:3000");
    expect(env(container(plan, "storage")).STORAGE_PUBLIC_URL).toBe("http://localhost:8000");
    expect(env(container(plan, "studio")).SUPABASE_PUBLIC_URL).toBe("http://localhost:8000");
  });

  it("Kong's kong.yml carries exactly the anon and service_role keys (legacy and sb_), and the dashboard login", () => {
    const kong = kongYml(plan);
    const keyOf = (user: string) =>
      kong.consumers.find((c: { username: string }) => c.username === user)?.keyauth_credentials;
    expect(keyOf("anon")).toEqual([{ key: out("anonKey") }, { key: out("publishableKey") }]);
    expect(keyOf("service_role")).toEqual([
      { key: out("serviceRoleKey") },
      { key: out("secretKey") },
    ]);
    expect(kong.acls).toEqual([
      { consumer: "anon", group: "anon" },
      { consumer: "service_role", group: "admin" },
    ]);
    expect(kong.basicauth_credentials).toEqual([
      {
        consumer: "DASHBOARD",
        username: out("dashboardUsername"),
        password: out("dashboardPassword"),
      },
    ]);
    expect(env(container(plan, "kong"))).toMatchObject({
      KONG_DATABASE: "off",
      KONG_DECLARATIVE_CONFIG: KONG_CONFIG_PATH,
    });
  });

  it("Kong routes with the expressions router, which the exact-match /rest/v1/ (service_role only) route needs", () => {
    expect(env(container(plan, "kong")).KONG_ROUTER_FLAVOR).toBe("expressions");
    const openapi = kongYml(plan).services.find(
      (s: { name: string }) => s.name === "rest-v1-openapi",
    );
    expect(openapi.routes[0].expression).toBe('http.path == "/rest/v1/"');
  });
});

describe("local stack: private networks with upstream's DNS names", () => {
  it.each([
    ["db", ["db"]],
    ["auth", ["auth"]],
    ["rest", ["rest"]],
    ["realtime", ["realtime-dev.supabase-realtime", "realtime"]],
    ["storage", ["storage"]],
    ["meta", ["meta"]],
    ["studio", ["studio"]],
    ["kong", ["kong", "api-gw"]],
    ["minio", ["minio"]],
    ["mail", ["mail", "supabase-mail"]],
  ])("%s answers to %j", (service, names) => {
    expect(aliases(container(plan, service))).toEqual(expect.arrayContaining(names));
  });

  it("Realtime's hostname is realtime-dev.supabase-realtime, so its tenant resolves", () => {
    expect(container(plan, "realtime").inputs.hostname).toBe("realtime-dev.supabase-realtime");
  });

  it("every container joins only networks the stack declares (who shares which: test/plan/reach.test.ts)", () => {
    const declared = new Set(
      byType(plan, "docker:index/network:Network").map((n) => n.inputs.name as string),
    );
    for (const c of containers(plan))
      for (const n of (c.inputs.networksAdvanced ?? []) as { name: string }[])
        expect(declared.has(n.name), `${c.name} joins ${n.name}`).toBe(true);
  });

  it("every internal address a service or Kong is given resolves to a network alias", () => {
    const known = new Set(containers(plan).flatMap(aliases));
    const publicHosts = new Set([
      new URL(settings.publicUrl).hostname,
      new URL(settings.siteUrl).hostname,
    ]);
    const hostKeys = ["DB_HOST", "PG_META_DB_HOST", "GOTRUE_SMTP_HOST"];
    const hosts: string[] = [];
    for (const c of containers(plan)) {
      for (const [key, value] of Object.entries(env(c))) {
        if (hostKeys.includes(key)) hosts.push(value);
        for (const m of value.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^@\s/]+@)?([^:/\s,]+)/gi))
          hosts.push(m[1]);
      }
    }
    for (const s of kongYml(plan).services) hosts.push(new URL(s.url).hostname);
    const internal = hosts.filter((h) => !publicHosts.has(h));
    expect(internal.length).toBeGreaterThan(10);
    expect(internal.filter((h) => !known.has(h))).toEqual([]);
  });
});

describe("local stack: secrets stay secret", () => {
  it.each(SECRET_OUTPUTS)("the %s output is a Pulumi secret", (name) => {
    expect(plan.secretOutputs.has(name)).toBe(true);
  });

  it("the URLs and the keys command are plain outputs", () => {
    for (const name of ["apiUrl", "studioUrl", "keysCommand"])
      expect(plan.secretOutputs.has(name), name).toBe(false);
  });

  it.each(["db", "auth", "rest", "realtime", "storage", "minio", "meta", "studio"])(
    "%s receives its env as a secret",
    (service) => {
      expect(container(plan, service).secretInputs.has("envs")).toBe(true);
    },
  );

  it.each(["db", "kong"])("%s's uploaded files are secret", (service) => {
    expect(container(plan, service).secretInputs.has("uploads")).toBe(true);
  });

  it("no secret value appears in a plain input of any resource", () => {
    const secrets = SECRET_OUTPUTS.map((k) => String(plan.outputs[k]));
    const leaks = plan.resources.flatMap((r) =>
      Object.entries(r.inputs)
        .filter(
          ([key, value]) =>
            !r.secretInputs.has(key) &&
            secrets.some((s) => JSON.stringify(value ?? null).includes(s)),
        )
        .map(([key]) => `${r.name}.${key}`),
    );
    expect(leaks).toEqual([]);
  });
});
