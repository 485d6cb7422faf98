import type { Retention } from "./backupRetention";
import type { ImageKey } from "./images";
import type { KubernetesSettings } from "./kubernetes";
import type { ServiceName } from "./serviceNames";
import type { RestSettings } from "./restConfig";
import type { AuthOptionSettings } from "./authConfig";
import type { Rotatable, Target } from "./schema";

/** The one typed, frozen view of a stack's config that every component receives. */
export interface Settings {
  readonly stack: string;
  readonly target: Target;
  /** `ownstack-<stack>`: prefix of container, volume and network names, unique per stack. */
  readonly prefix: string;
  /** Where apps reach the API gateway: `http://localhost:8000` or `https://api.<domain>`. */
  readonly publicUrl: string;
  /** Where the dashboard is: behind Kong basic auth at `/` locally, `https://studio.<domain>` on vps. */
  readonly studioUrl: string;
  /** GoTrue's `API_EXTERNAL_URL`; upstream made it end in `/auth/v1` in release 0.7.0. */
  readonly apiExternalUrl: string;
  readonly siteUrl: string;
  readonly additionalRedirectUrls: readonly string[];
  readonly ports: Readonly<
    Record<
      | "api"
      | "mailpit"
      | "qdrant"
      | "ollama"
      | "redis"
      | "prometheus"
      | "poolerSession"
      | "poolerTransaction"
      | "grafana"
      | "openWebui",
      number
    >
  >;
  readonly auth: Readonly<{
    jwtExpiry: number;
    disableSignup: boolean;
    emailAutoconfirm: boolean;
    anonymousUsers: boolean;
    /** SAML SSO: GoTrue gets the stack's generated RSA key. */
    saml: boolean;
    manualLinking: boolean;
    dashboardUsername: string;
  }>;
  readonly smtp: Readonly<{
    host: string;
    port: number;
    user: string;
    adminEmail: string;
    senderName: string;
  }>;
  /** PostgREST's exposed schemas, row cap and extra search path, joined as their env wants them. */
  readonly rest: RestSettings;
  /** GoTrue's sign-in providers, phone, MFA, hooks and rate limits; secrets only by env name. */
  readonly authOptions: AuthOptionSettings;
  readonly features: Readonly<
    Record<
      | "mailpit"
      | "minio"
      | "qdrant"
      | "ollama"
      | "redis"
      | "prometheus"
      | "functions"
      | "supavisor"
      | "imgproxy"
      | "grafana"
      | "logs"
      | "backup"
      | "openWebui"
      // The mail template server: on when ownstack:authEmail names a template body.
      | "mailTemplates",
      boolean
    >
  >;
  readonly storage: Readonly<{ backend: "minio" | "file" | "s3"; bucket: string }>;
  readonly ollama: Readonly<{
    gpu: "auto" | "nvidia" | "amd" | "cpu";
    models: readonly string[];
    keepAlive: string;
  }>;
  /** Open WebUI's first admin: signs in with this e-mail and the generated password. */
  readonly openWebui: Readonly<{ adminEmail: string }>;
  readonly redis: Readonly<{ maxMemory: string; policy: string }>;
  readonly prometheus: Readonly<{ retention: string }>;
  /** es256: GoTrue signs with an EC key (JWKS, sb_ keys); hs256: the shared secret only. */
  readonly signing: Readonly<{ algorithm: "es256" | "hs256"; overlapSeconds: number }>;
  readonly functions: Readonly<{ path: string; verifyJwt: boolean }>;
  /** Supavisor's tenant: clients connect as `postgres.<tenantId>`. */
  readonly pooler: Readonly<{ tenantId: string }>;
  readonly migrations: Readonly<{ path: string; seedPath: string }>;
  /** The PostgreSQL major of the db volume's data, and the volume npm run pg-upgrade made ("": the stack's own). */
  readonly db: Readonly<{ dataMajor: number; dataVolume: string }>;
  /** The backup scheduler: cron text (UTC), retention, the longest gap between runs, off-site target. */
  readonly backup: Readonly<{
    schedule: string;
    retention: Retention;
    intervalSeconds: number;
    offsite: string;
    s3Endpoint: string;
    s3Region: string;
    sftpHostKey: string;
    /** WAL archiving and base backups for point-in-time recovery (Docker stacks with backup on). */
    pitr: Readonly<{ enabled: boolean; archiveTimeoutSeconds: number; retentionDays: number }>;
  }>;
  /** target kubernetes: cluster, database engine, ingress, S3 and replicas (config/kubernetes.ts). */
  readonly kubernetes: KubernetesSettings;
  /**
   * The Docker API socket on the daemon's host. Only the Docker API proxy mounts it; Vector and
   * Traefik read the API through that proxy (components/dockerProxy.ts).
   */
  readonly dockerSocket: string;
  /** The private IPv4 range the Docker networks take their subnets from (config/networks.ts). */
  readonly networkPool: string;
  readonly vps: Readonly<{
    domain: string;
    acmeEmail: string;
    acmeChallenge: "http" | "tls";
    acmeStaging: boolean;
    dockerHost: string;
  }>;
  /** Rotation counters; each is the keeper of the secret it names. */
  readonly rotation: Readonly<Record<Rotatable, number>>;
  readonly memoryMiB: Readonly<Record<ServiceName, number>>;
  readonly images: Readonly<Record<ImageKey, string>>;
}
