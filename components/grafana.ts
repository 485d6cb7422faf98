import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, reachableUrl } from "../config/services";
import type { Settings } from "../config/settings";
import { Env, Healthcheck, ServiceArgs } from "./container";
import { GRAFANA_DATASOURCES_PATH, renderGrafanaDatasources } from "./render/grafana";
import { ServiceComponent } from "./serviceComponent";

export interface GrafanaArgs extends ServiceArgs {
  /** Prometheus inside the network, e.g. http://prometheus:9090. */
  readonly prometheusUrl: string;
  /** Grafana's admin logs in with the dashboard credentials. */
  readonly adminPassword: pulumi.Input<string>;
  readonly labels?: Record<string, pulumi.Input<string>>;
}

/**
 * Grafana with Prometheus provisioned as its data source (only with `prometheus` on). It keeps
 * no volume: the admin password is applied only when Grafana creates its database, so a
 * stateless Grafana is the one that follows `npm run rotate -- dashboard`.
 */
/** Grafana's env on both runtimes: admin from the dashboard credentials, sign-up and phoning home off. */
export function grafanaEnv(settings: Settings, adminPassword: pulumi.Input<string>): Env {
  return {
    GF_SECURITY_ADMIN_USER: settings.auth.dashboardUsername,
    GF_SECURITY_ADMIN_PASSWORD: adminPassword,
    GF_SERVER_ROOT_URL: reachableUrl(settings, "grafana"),
    GF_USERS_ALLOW_SIGN_UP: false,
    GF_AUTH_ANONYMOUS_ENABLED: false,
    // No phoning home from a self-hosted stack.
    GF_ANALYTICS_REPORTING_ENABLED: false,
    GF_ANALYTICS_CHECK_FOR_UPDATES: false,
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: false,
  };
}

const HEALTH = `http://127.0.0.1:${ADDRESSES.grafana.port}/api/health`;
// The image's tool set differs between its Alpine and Ubuntu builds; either client will do.
export const GRAFANA_HEALTHCHECK: Healthcheck = {
  tests: ["CMD-SHELL", `wget -q -O /dev/null ${HEALTH} || curl -fsS -o /dev/null ${HEALTH}`],
  startPeriod: "20s",
};

export class Grafana extends ServiceComponent {
  constructor(name: string, args: GrafanaArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { settings } = args;
    super("ownstack:observability:Grafana", name, args, opts, {
      service: "grafana",
      env: grafanaEnv(settings, args.adminPassword),
      uploads: [
        {
          file: GRAFANA_DATASOURCES_PATH,
          content: renderGrafanaDatasources(args.prometheusUrl),
          permissions: "0644",
        },
      ],
      labels: args.labels,
      healthcheck: GRAFANA_HEALTHCHECK,
    });
  }
}
