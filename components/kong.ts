import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { Env, Healthcheck, ServiceArgs } from "./container";
import { KONG_PLUGINS, KongService, renderKongYml } from "./render/kong";
import { KeyTranslation } from "./render/kongKeys";
import { ServiceComponent } from "./serviceComponent";

export interface KongArgs extends ServiceArgs {
  readonly anonKey: pulumi.Input<string>;
  readonly serviceRoleKey: pulumi.Input<string>;
  readonly dashboardPassword: pulumi.Input<string>;
  readonly extraServices?: KongService[];
  /** sb_ keys and the ES256 JWTs they stand for (authSigning: es256). */
  readonly translation?: pulumi.Input<KeyTranslation>;
  readonly labels?: Record<string, pulumi.Input<string>>;
  /** Serve Prometheus metrics on the status listener (:8100, private network only). */
  readonly metrics?: boolean;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export const KONG_CONFIG_PATH = "/home/kong/kong.yml";

export type KongEnvArgs = Pick<KongArgs, "settings" | "metrics">;
export type KongConfigArgs = Pick<
  KongArgs,
  | "settings"
  | "anonKey"
  | "serviceRoleKey"
  | "dashboardPassword"
  | "extraServices"
  | "translation"
  | "metrics"
>;

export const KONG_HEALTHCHECK: Healthcheck = { tests: ["CMD", "kong", "health"], retries: 5 };

/** Kong's graceful stop where the runtime cannot send SIGQUIT itself (Kubernetes preStop). */
export const KONG_PRESTOP = ["kong", "quit", "--wait=15"];

/** Kong 3.9 DB-less: the single front door for the API and Studio. */
export class Kong extends ServiceComponent {
  /** The rendered kong.yml (secret: it holds the API keys and the dashboard password). */
  public readonly config: pulumi.Output<string>;

  constructor(name: string, args: KongArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const config = kongConfig(args);
    super("ownstack:supabase:Kong", name, args, opts, {
      service: "kong",
      env: kongEnv(args),
      uploads: [{ file: KONG_CONFIG_PATH, content: config, permissions: "0644" }],
      labels: args.labels,
      healthcheck: KONG_HEALTHCHECK,
    });
    this.config = config;
  }
}

/** Kong's env, shared by the kong container and the kubernetes Deployment. */
export function kongEnv(args: KongEnvArgs): Env {
  const { settings } = args;
  return {
    KONG_DATABASE: "off",
    KONG_DECLARATIVE_CONFIG: KONG_CONFIG_PATH,
    // As upstream's docker-compose.kong.yml: the exact-match /rest/v1/ route is an expression;
    // `paths` routes work unchanged under this flavor.
    KONG_ROUTER_FLAVOR: "expressions",
    // The default order includes SRV, which Docker's DNS does not answer.
    KONG_DNS_ORDER: "LAST,A,CNAME",
    KONG_DNS_NOT_FOUND_TTL: 1,
    KONG_DNS_VALID_TTL: 5,
    KONG_PLUGINS: [...KONG_PLUGINS, ...(args.metrics ? ["prometheus"] : [])].sort().join(","),
    ...(args.metrics ? { KONG_STATUS_LISTEN: `0.0.0.0:${ADDRESSES.kong.metrics.port}` } : {}),
    KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: "160k",
    KONG_NGINX_PROXY_PROXY_BUFFERS: "64 160k",
    KONG_PROXY_ACCESS_LOG: "/dev/stdout combined",
    // One worker per visible CPU costs ~100 MB each (supabase-kubernetes#187).
    KONG_NGINX_WORKER_PROCESSES: settings.target === "local" ? 1 : 2,
  };
}

/** The rendered kong.yml, shared by both runtimes; secret, as it holds the keys and the dashboard password. */
export function kongConfig(args: KongConfigArgs): pulumi.Output<string> {
  const { settings } = args;
  return pulumi.secret(
    pulumi
      .all([args.anonKey, args.serviceRoleKey, args.dashboardPassword, args.translation])
      .apply(([anonKey, serviceRoleKey, dashboardPassword, translation]) =>
        renderKongYml({
          anonKey,
          serviceRoleKey,
          dashboardUsername: settings.auth.dashboardUsername,
          dashboardPassword,
          extraServices: args.extraServices,
          metrics: args.metrics,
          translation,
        }),
      ),
  );
}
