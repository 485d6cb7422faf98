import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES } from "../config/services";
import { Env, Healthcheck } from "./container";
import { DbEndpoint, JwtDbClientArgs, dbUrl } from "./database";
import { ServiceComponent, wgetCheck } from "./serviceComponent";

export interface AuthArgs extends JwtDbClientArgs {
  /** JWT_KEYS (authSigning: es256): GoTrue then signs sessions with the EC key. */
  readonly jwtKeys?: pulumi.Input<string>;
  /** SMTP server GoTrue sends through: Mailpit locally, the user's provider on vps. */
  readonly smtp: {
    host: string;
    port: number;
    user: string;
    password: pulumi.Input<string>;
    adminEmail: string;
    senderName: string;
  };
  readonly metrics?: boolean;
  /** Secret env of the sign-in options (ownstack:authProviders, authSms, authHooks). */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** What the env needs: the component's args without the Docker wiring, and where Postgres is. */
export type AuthEnvArgs = Omit<AuthArgs, "network" | "dependsOn"> & { readonly db?: DbEndpoint };

export const AUTH_HEALTHCHECK: Healthcheck = {
  tests: wgetCheck(`http://localhost:${ADDRESSES.auth.port}/health`),
};

/**
 * GoTrue, wired as upstream's `auth` service:
 * https://github.com/supabase/supabase/blob/master/docker/docker-compose.yml
 */
export class Auth extends ServiceComponent {
  constructor(name: string, args: AuthArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Auth", name, args, opts, {
      service: "auth",
      env: authEnv(args),
      healthcheck: AUTH_HEALTHCHECK,
    });
  }
}

/** GoTrue's env, shared by the auth container and the kubernetes Deployment. */
export function authEnv(args: AuthEnvArgs): Env {
  const { settings } = args;
  // Every link in an e-mail lands on the public gateway, never on localhost of the server.
  const verifyPath = "/auth/v1/verify";
  return {
    GOTRUE_API_HOST: "0.0.0.0",
    GOTRUE_API_PORT: ADDRESSES.auth.port,
    API_EXTERNAL_URL: settings.apiExternalUrl,

    GOTRUE_DB_DRIVER: "postgres",
    GOTRUE_DB_DATABASE_URL: dbUrl(
      "supabase_auth_admin",
      args.postgresPassword,
      undefined,
      undefined,
      args.db,
    ),

    GOTRUE_SITE_URL: settings.siteUrl,
    GOTRUE_URI_ALLOW_LIST: settings.additionalRedirectUrls.join(","),
    GOTRUE_DISABLE_SIGNUP: settings.auth.disableSignup,

    GOTRUE_JWT_ADMIN_ROLES: "service_role",
    GOTRUE_JWT_AUD: "authenticated",
    GOTRUE_JWT_DEFAULT_GROUP_NAME: "authenticated",
    GOTRUE_JWT_EXP: settings.auth.jwtExpiry,
    GOTRUE_JWT_SECRET: args.jwtSecret,
    ...(args.jwtKeys ? { GOTRUE_JWT_KEYS: args.jwtKeys } : {}),
    GOTRUE_JWT_ISSUER: settings.apiExternalUrl,

    GOTRUE_EXTERNAL_EMAIL_ENABLED: true,
    GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: settings.auth.anonymousUsers,
    GOTRUE_MAILER_AUTOCONFIRM: settings.auth.emailAutoconfirm,
    GOTRUE_EXTERNAL_PHONE_ENABLED: false,
    GOTRUE_SMS_AUTOCONFIRM: false,

    GOTRUE_SMTP_ADMIN_EMAIL: args.smtp.adminEmail,
    GOTRUE_SMTP_HOST: args.smtp.host,
    GOTRUE_SMTP_PORT: args.smtp.port,
    GOTRUE_SMTP_USER: args.smtp.user,
    GOTRUE_SMTP_PASS: args.smtp.password,
    GOTRUE_SMTP_SENDER_NAME: args.smtp.senderName,
    GOTRUE_MAILER_URLPATHS_INVITE: verifyPath,
    GOTRUE_MAILER_URLPATHS_CONFIRMATION: verifyPath,
    GOTRUE_MAILER_URLPATHS_RECOVERY: verifyPath,
    GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE: verifyPath,

    // Sign-in providers, phone, MFA, hooks and rate limits; phone sign-in overrides the two above.
    ...settings.authOptions.env,
    ...secretEnv(settings.authOptions.secretEnvNames, args.secretEnv),

    ...(args.metrics
      ? {
          GOTRUE_METRICS_ENABLED: true,
          GOTRUE_METRICS_EXPORTER: "prometheus",
          OTEL_EXPORTER_PROMETHEUS_HOST: "0.0.0.0",
          OTEL_EXPORTER_PROMETHEUS_PORT: ADDRESSES.auth.metrics.port,
        }
      : {}),
  };
}

/**
 * The secret env by the names Settings lists, so a value missing from the secrets is an error
 * here and not a GoTrue that starts without its provider's secret.
 */
function secretEnv(
  names: readonly string[],
  values: Readonly<Record<string, pulumi.Input<string>>> = {},
): Record<string, pulumi.Input<string>> {
  return Object.fromEntries(
    names.map((name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`auth: no secret value for ${name}`);
      return [name, value];
    }),
  );
}
