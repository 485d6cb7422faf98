import { z } from "zod";

/**
 * Phone sign-in, MFA, auth hooks and rate limits, shaped as the Supabase CLI's `[auth.sms]`,
 * `[auth.mfa]`, `[auth.hook.*]` and `[auth.rate_limit]` sections (supabase/cli
 * pkg/config/templates/config.toml) and written as the env names GoTrue v2.196.0 reads
 * (internal/conf/configuration.go: SmsProviderConfiguration, MFAConfiguration, HookConfiguration,
 * the RateLimit* fields of GlobalConfiguration).
 */

const bool = z.boolean({ error: "expected true or false" });
const count = (what: string, max: number) =>
  z
    .number({ error: `expected a whole number of ${what} between 0 and ${max}` })
    .int(`expected a whole number of ${what} between 0 and ${max}`)
    .min(0, `expected a whole number of ${what} between 0 and ${max}`)
    .max(max, `expected a whole number of ${what} between 0 and ${max}`);
const words = z.string({ error: "expected text" }).min(1, "expected text");

/** Each SMS provider's fields: which GoTrue reads as GOTRUE_SMS_<PROVIDER>_<FIELD>, which are secret. */
export const SMS_PROVIDERS = {
  twilio: { accountSid: false, authToken: true, messageServiceSid: false },
  twilio_verify: { accountSid: false, authToken: true, messageServiceSid: false },
  messagebird: { accessKey: true, originator: false },
  textlocal: { apiKey: true, sender: false },
  vonage: { apiKey: true, apiSecret: true, from: false },
} as const satisfies Record<string, Record<string, boolean>>;
type SmsProvider = keyof typeof SMS_PROVIDERS;
const SMS_NAMES = Object.keys(SMS_PROVIDERS) as SmsProvider[];

const credentials = (provider: SmsProvider) =>
  z.strictObject(
    Object.fromEntries(Object.keys(SMS_PROVIDERS[provider]).map((f) => [f, words])) as Record<
      string,
      typeof words
    >,
    {
      error: `expected {${Object.keys(SMS_PROVIDERS[provider])
        .map((f) => `"${f}": "..."`)
        .join(", ")}}`,
    },
  );

export const authSms = z
  .strictObject(
    {
      provider: z.enum(SMS_NAMES, { error: `expected one of: ${SMS_NAMES.join(", ")}` }),
      autoconfirm: bool.default(false),
      otpExp: count("seconds", 86400).optional(),
      otpLength: z
        .number({ error: "expected 6 to 10 digits" })
        .int("expected 6 to 10 digits")
        .min(6, "expected 6 to 10 digits")
        .max(10, "expected 6 to 10 digits")
        .optional(),
      template: words.optional(),
      ...Object.fromEntries(SMS_NAMES.map((p) => [p, credentials(p).optional()])),
    },
    { error: 'expected {"provider": "twilio", "twilio": {...}}' },
  )
  .superRefine((sms, ctx) => {
    const chosen = sms.provider as SmsProvider;
    if (!(sms as Record<string, unknown>)[chosen])
      ctx.addIssue({
        code: "custom",
        path: [chosen],
        message: `required with provider ${chosen}: {${Object.keys(SMS_PROVIDERS[chosen]).join(", ")}}`,
      });
  });

const factor = z.strictObject(
  { enroll: bool, verify: bool },
  {
    error: 'expected {"enroll": true, "verify": true}',
  },
);
export const authMfa = z.strictObject(
  {
    maxEnrolledFactors: count("factors", 100).optional(),
    totp: factor.optional(),
    phone: factor.optional(),
  },
  { error: 'expected {"totp": {"enroll": true, "verify": true}, "phone": {...}}' },
);

/** GoTrue's hook points (HookConfiguration), in the CLI's camel-cased names. */
export const AUTH_HOOKS = {
  customAccessToken: "CUSTOM_ACCESS_TOKEN",
  sendEmail: "SEND_EMAIL",
  sendSms: "SEND_SMS",
  mfaVerificationAttempt: "MFA_VERIFICATION_ATTEMPT",
  passwordVerificationAttempt: "PASSWORD_VERIFICATION_ATTEMPT",
  beforeUserCreated: "BEFORE_USER_CREATED",
  afterUserCreated: "AFTER_USER_CREATED",
} as const;

const PG_HOOK =
  /^pg-functions:\/\/postgres\/[a-zA-Z_][a-zA-Z0-9_]{0,62}\/[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;
// symmetricSecretFormat in internal/conf/configuration.go; several are joined with `|`.
const HOOK_SECRET = /^v1,whsec_[A-Za-z0-9+/=]{32,88}$/;
const URI_FORM =
  "expected pg-functions://postgres/<schema>/<function> or an https:// URL (with secrets)";
const hook = z
  .strictObject(
    {
      enabled: bool.default(true),
      uri: z
        .string({ error: URI_FORM })
        .refine((v) => PG_HOOK.test(v) || /^https:\/\/\S+$/.test(v), URI_FORM),
      secrets: z
        .string({ error: "expected v1,whsec_<base64> (several joined by |)" })
        .refine(
          (v) => v.split("|").every((s) => HOOK_SECRET.test(s)),
          "expected v1,whsec_<base64> (several joined by |)",
        )
        .optional(),
    },
    { error: 'expected {"uri": "pg-functions://postgres/public/my_hook"}' },
  )
  .superRefine((h, ctx) => {
    if (h.uri.startsWith("https://") && !h.secrets)
      ctx.addIssue({
        code: "custom",
        path: ["secrets"],
        message: "required for an https hook: v1,whsec_<base64>",
      });
  });
export const authHooks = z.strictObject(
  Object.fromEntries(Object.keys(AUTH_HOOKS).map((k) => [k, hook.optional()])) as Record<
    keyof typeof AUTH_HOOKS,
    z.ZodOptional<typeof hook>
  >,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown hook ${issue.keys.join(", ")}; expected one of: ${Object.keys(AUTH_HOOKS).join(", ")}`
        : 'expected {"customAccessToken": {"uri": "..."}}',
  },
);

/** GOTRUE_RATE_LIMIT_*: requests per hour (emails and SMS: sent per hour), per IP where it applies. */
export const RATE_LIMITS = {
  emailSent: "EMAIL_SENT",
  smsSent: "SMS_SENT",
  verify: "VERIFY",
  tokenRefresh: "TOKEN_REFRESH",
  sso: "SSO",
  anonymousUsers: "ANONYMOUS_USERS",
  otp: "OTP",
  web3: "WEB3",
} as const;
export const authRateLimits = z.strictObject(
  Object.fromEntries(
    Object.keys(RATE_LIMITS).map((k) => [k, count("requests per hour", 1_000_000).optional()]),
  ) as Record<keyof typeof RATE_LIMITS, z.ZodOptional<ReturnType<typeof count>>>,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown limit ${issue.keys.join(", ")}; expected one of: ${Object.keys(RATE_LIMITS).join(", ")}`
        : 'expected {"emailSent": 30, "tokenRefresh": 150}',
  },
);

type Env = Record<string, string | number | boolean>;
const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export function smsEnv(sms: z.output<typeof authSms> | undefined): {
  plain: Env;
  secret: Record<string, string>;
} {
  if (!sms) return { plain: {}, secret: {} };
  const chosen = sms.provider as SmsProvider;
  const plain: Env = {
    GOTRUE_EXTERNAL_PHONE_ENABLED: true,
    GOTRUE_SMS_AUTOCONFIRM: sms.autoconfirm,
    GOTRUE_SMS_PROVIDER: chosen,
    ...(sms.otpExp !== undefined ? { GOTRUE_SMS_OTP_EXP: sms.otpExp } : {}),
    ...(sms.otpLength !== undefined ? { GOTRUE_SMS_OTP_LENGTH: sms.otpLength } : {}),
    ...(sms.template !== undefined ? { GOTRUE_SMS_TEMPLATE: sms.template } : {}),
  };
  const secret: Record<string, string> = {};
  const given = (sms as Record<string, unknown>)[chosen] as Record<string, string>;
  for (const [field, isSecret] of Object.entries(SMS_PROVIDERS[chosen])) {
    const name = `GOTRUE_SMS_${chosen.toUpperCase()}_${snake(field)}`;
    if (isSecret) secret[name] = given[field];
    else plain[name] = given[field];
  }
  return { plain, secret };
}

export function mfaEnv(mfa: z.output<typeof authMfa> | undefined): Env {
  if (!mfa) return {};
  const env: Env = {};
  if (mfa.maxEnrolledFactors !== undefined)
    env.GOTRUE_MFA_MAX_ENROLLED_FACTORS = mfa.maxEnrolledFactors;
  for (const [kind, f] of [
    ["TOTP", mfa.totp],
    ["PHONE", mfa.phone],
  ] as const) {
    if (!f) continue;
    env[`GOTRUE_MFA_${kind}_ENROLL_ENABLED`] = f.enroll;
    env[`GOTRUE_MFA_${kind}_VERIFY_ENABLED`] = f.verify;
  }
  return env;
}

export function hookEnv(hooks: z.output<typeof authHooks> | undefined): {
  plain: Env;
  secret: Record<string, string>;
} {
  const plain: Env = {};
  const secret: Record<string, string> = {};
  for (const [key, point] of Object.entries(AUTH_HOOKS)) {
    const h = hooks?.[key as keyof typeof AUTH_HOOKS];
    if (!h) continue;
    plain[`GOTRUE_HOOK_${point}_ENABLED`] = h.enabled;
    plain[`GOTRUE_HOOK_${point}_URI`] = h.uri;
    if (h.secrets) secret[`GOTRUE_HOOK_${point}_SECRETS`] = h.secrets;
  }
  return { plain, secret };
}

export function rateLimitEnv(limits: z.output<typeof authRateLimits> | undefined): Env {
  return Object.fromEntries(
    Object.entries(RATE_LIMITS).flatMap(([key, name]) => {
      const v = limits?.[key as keyof typeof RATE_LIMITS];
      return v === undefined ? [] : [[`GOTRUE_RATE_LIMIT_${name}`, v]];
    }),
  );
}
