import type { z } from "zod";
import { authProviders, authCallbackUrl, providerEnv } from "./authProviders";
import {
  authHooks,
  authMfa,
  authRateLimits,
  authSms,
  hookEnv,
  mfaEnv,
  rateLimitEnv,
  smsEnv,
} from "./authFeatures";
import {
  accountEnv,
  authCaptcha,
  authEmail,
  authPassword,
  authRefreshTokens,
  authSessions,
} from "./authAccount";
import { MailTemplateFile, mailTemplateFiles } from "./mailTemplates";

/**
 * GoTrue's sign-in options beyond e-mail: each key is a map a user fills with
 * `pulumi config set --path` (Pulumi.yaml can declare no map type: project.json's
 * simpleConfigType is string, integer, boolean or array), validated here with the rest.
 */
export const authShape = {
  authProviders: authProviders.optional(),
  authSms: authSms.optional(),
  authMfa: authMfa.optional(),
  authHooks: authHooks.optional(),
  authRateLimits: authRateLimits.optional(),
  authPassword: authPassword.optional(),
  authEmail: authEmail.optional(),
  authSessions: authSessions.optional(),
  authRefreshTokens: authRefreshTokens.optional(),
  authCaptcha: authCaptcha.optional(),
} as const;

/** The map-valued keys; they hold the secrets a user brings, so they are also read as secrets. */
export const MAP_KEYS = Object.keys(authShape) as (keyof typeof authShape)[];

type AuthInput = { [K in keyof typeof authShape]?: z.output<(typeof authShape)[K]> };

/** What GoTrue gets from these keys: the plain env (in Settings) and the secret env's values. */
export function authOptionEnv(
  c: AuthInput,
  apiExternalUrl: string,
): {
  plain: Record<string, string | number | boolean>;
  secret: Record<string, string>;
} {
  const providers = providerEnv(c.authProviders ?? {}, apiExternalUrl);
  const sms = smsEnv(c.authSms);
  const hooks = hookEnv(c.authHooks);
  const account = accountEnv(c);
  return {
    plain: {
      ...providers.plain,
      ...sms.plain,
      ...mfaEnv(c.authMfa),
      ...hooks.plain,
      ...rateLimitEnv(c.authRateLimits),
      ...account.plain,
    },
    secret: { ...providers.secret, ...sms.secret, ...hooks.secret, ...account.secret },
  };
}

/** The settings view: plain env, the names of the secret env, the callback URL providers need. */
export interface AuthOptionSettings {
  readonly env: Readonly<Record<string, string | number | boolean>>;
  readonly secretEnvNames: readonly string[];
  readonly callbackUrl: string;
  /** The mail template bodies GoTrue fetches (authEmail.template / notification contentPath). */
  readonly mailTemplates: readonly MailTemplateFile[];
}

export function authOptionSettings(c: AuthInput, apiExternalUrl: string): AuthOptionSettings {
  const { plain, secret } = authOptionEnv(c, apiExternalUrl);
  return {
    env: plain,
    secretEnvNames: Object.keys(secret).sort(),
    callbackUrl: authCallbackUrl(apiExternalUrl),
    mailTemplates: mailTemplateFiles(c.authEmail),
  };
}

/** A map key holding a secret in plain text: the warning smtpPass gets, with the --path command. */
export function mapKeysInPlainText(
  rawConfig: Readonly<Record<string, string>>,
  c: AuthInput,
  secretKeys: readonly string[],
  stack: string,
  apiExternalUrl: string,
): string[] {
  const single = (key: keyof AuthInput, partial: Partial<AuthInput>) =>
    Object.keys(authOptionEnv({ ...EMPTY, ...partial }, apiExternalUrl).secret).length > 0 &&
    (rawConfig[`ownstack:${key}`] ?? "") !== "" &&
    !secretKeys.includes(`ownstack:${key}`);
  const hint: Record<keyof AuthInput, string> = {
    authProviders: "authProviders.<provider>.secret",
    authSms: "authSms.<provider>.<credential>",
    authHooks: "authHooks.<hook>.secrets",
    authMfa: "",
    authRateLimits: "",
    authPassword: "",
    authEmail: "",
    authSessions: "",
    authRefreshTokens: "",
    authCaptcha: "authCaptcha.secret",
  };
  return MAP_KEYS.filter((key) => single(key, { [key]: c[key] })).map(
    (key) =>
      `ownstack:${key} holds a secret stored in plain text in Pulumi.${stack}.yaml; encrypt it with: pulumi config set -s ${stack} --secret --path '${hint[key]}' '<secret>'`,
  );
}

const EMPTY: AuthInput = {
  authProviders: undefined,
  authSms: undefined,
  authMfa: undefined,
  authHooks: undefined,
  authRateLimits: undefined,
  authPassword: undefined,
  authEmail: undefined,
  authSessions: undefined,
  authRefreshTokens: undefined,
  authCaptcha: undefined,
};

/**
 * The secret env's values, from the raw config parseConfig has already accepted (the CLI hands
 * secret config to the program decrypted; config/index.ts wraps each value as a Pulumi secret).
 */
export function authSecretEnv(
  rawConfig: Readonly<Record<string, string>>,
  apiExternalUrl: string,
): Record<string, string> {
  const input = Object.fromEntries(
    MAP_KEYS.map((key) => {
      const raw = rawConfig[`ownstack:${key}`];
      return [key, raw === undefined ? undefined : authShape[key].parse(JSON.parse(raw))];
    }),
  ) as AuthInput;
  return authOptionEnv(input, apiExternalUrl).secret;
}
