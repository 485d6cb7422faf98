import { z } from "zod";
import { mailTemplateEnv, mailTemplateFields } from "./mailTemplates";

/**
 * config.toml's account settings a Supabase CLI user expects (supabase/cli
 * pkg/config/templates/config.toml: `[auth]` password and refresh-token values, `[auth.email]`,
 * `[auth.sessions]`, `[auth.captcha]`), each written as the env the CLI gives GoTrue
 * (internal/start/start.go) and GoTrue v2.196.0 reads (internal/conf/configuration.go). A field
 * left out is left to GoTrue's own default, so an unset map changes nothing.
 */

const bool = z.boolean({ error: "expected true or false" });
const whole = (what: string, min: number, max: number) => {
  const form = `expected a whole number of ${what} between ${min} and ${max}`;
  return z.number({ error: form }).int(form).min(min, form).max(max, form);
};
// Go's time.ParseDuration, which envconfig uses for a time.Duration; positive, as GoTrue requires.
const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const goDuration = (example: string) => {
  const form = `expected a duration such as "${example}" (h, m, s, ms)`;
  return z.string({ error: form }).refine((v) => GO_DURATION.test(v) && /[1-9]/.test(v), form);
};

/** The CLI's password_requirements values and the GOTRUE_PASSWORD_REQUIRED_CHARACTERS each means. */
export const PASSWORD_REQUIREMENTS = {
  letters_digits: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  lower_upper_letters_digits: "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
  // A `:` inside a group is escaped with `\`, as PasswordRequiredCharacters.Decode splits on `:`.
  lower_upper_letters_digits_symbols:
    "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789:!@#$%^&*()_+-=[]{};'\\\\:\"|<>?,./`~",
} as const;
const REQUIREMENT_NAMES = Object.keys(
  PASSWORD_REQUIREMENTS,
) as (keyof typeof PASSWORD_REQUIREMENTS)[];

const unknownField =
  (fields: readonly string[], example: string) => (issue: { code: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `unknown field ${(issue.keys ?? []).join(", ")}; expected ${fields.join(", ")}`
      : `expected ${example}`;

const PASSWORD_FIELDS = ["minLength", "requirements"];
export const authPassword = z.strictObject(
  {
    minLength: whole("characters", 6, 72).optional(),
    requirements: z
      .enum(REQUIREMENT_NAMES, { error: `expected one of: ${REQUIREMENT_NAMES.join(", ")}` })
      .optional(),
  },
  { error: unknownField(PASSWORD_FIELDS, '{"minLength": 8, "requirements": "letters_digits"}') },
);

const EMAIL_FIELDS = [
  "doubleConfirmChanges",
  "securePasswordChange",
  "maxFrequency",
  "otpLength",
  "otpExpiry",
  "template",
  "notification",
];
export const authEmail = z.strictObject(
  {
    doubleConfirmChanges: bool.optional(),
    securePasswordChange: bool.optional(),
    maxFrequency: goDuration("60s").optional(),
    otpLength: whole("digits", 6, 10).optional(),
    otpExpiry: whole("seconds", 60, 86400).optional(),
    ...mailTemplateFields,
  },
  { error: unknownField(EMAIL_FIELDS, '{"doubleConfirmChanges": true, "otpExpiry": 3600}') },
);

const SESSION_FIELDS = ["timebox", "inactivityTimeout"];
export const authSessions = z.strictObject(
  { timebox: goDuration("24h").optional(), inactivityTimeout: goDuration("8h").optional() },
  { error: unknownField(SESSION_FIELDS, '{"timebox": "24h", "inactivityTimeout": "8h"}') },
);

const REFRESH_FIELDS = ["rotation", "reuseInterval"];
export const authRefreshTokens = z.strictObject(
  { rotation: bool.optional(), reuseInterval: whole("seconds", 0, 3600).optional() },
  { error: unknownField(REFRESH_FIELDS, '{"rotation": true, "reuseInterval": 10}') },
);

const CAPTCHA_PROVIDERS = ["hcaptcha", "turnstile"] as const;
export const authCaptcha = z
  .strictObject(
    {
      enabled: bool.default(true),
      provider: z.enum(CAPTCHA_PROVIDERS, { error: "expected one of: hcaptcha, turnstile" }),
      secret: z.string({ error: "expected the captcha secret key as text" }).optional(),
    },
    {
      error: unknownField(
        ["enabled", "provider", "secret"],
        '{"provider": "hcaptcha", "secret": "..."}',
      ),
    },
  )
  .superRefine((c, ctx) => {
    // GoTrue refuses to start with captcha on and no secret (CaptchaConfiguration.Validate).
    if (c.enabled && (c.secret ?? "").trim() === "")
      ctx.addIssue({
        code: "custom",
        path: ["secret"],
        message:
          "required, expected it as a secret: pulumi config set --secret --path 'authCaptcha.secret' '<secret key>'",
      });
  });

type Env = Record<string, string | number | boolean>;
const set = (name: string, value: string | number | boolean | undefined): Env =>
  value === undefined ? {} : { [name]: value };

export interface AccountInput {
  readonly authPassword?: z.output<typeof authPassword>;
  readonly authEmail?: z.output<typeof authEmail>;
  readonly authSessions?: z.output<typeof authSessions>;
  readonly authRefreshTokens?: z.output<typeof authRefreshTokens>;
  readonly authCaptcha?: z.output<typeof authCaptcha>;
}

/** GoTrue's env of the account settings: plain, and the captcha secret. */
export function accountEnv(c: AccountInput): { plain: Env; secret: Record<string, string> } {
  const { authPassword: p, authEmail: e, authSessions: s, authRefreshTokens: r } = c;
  const captcha = c.authCaptcha;
  return {
    plain: {
      ...set("GOTRUE_PASSWORD_MIN_LENGTH", p?.minLength),
      ...set(
        "GOTRUE_PASSWORD_REQUIRED_CHARACTERS",
        p?.requirements && PASSWORD_REQUIREMENTS[p.requirements],
      ),
      ...set("GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED", e?.doubleConfirmChanges),
      ...set("GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION", e?.securePasswordChange),
      ...set("GOTRUE_SMTP_MAX_FREQUENCY", e?.maxFrequency),
      ...set("GOTRUE_MAILER_OTP_LENGTH", e?.otpLength),
      ...set("GOTRUE_MAILER_OTP_EXP", e?.otpExpiry),
      ...mailTemplateEnv(e),
      ...set("GOTRUE_SESSIONS_TIMEBOX", s?.timebox),
      ...set("GOTRUE_SESSIONS_INACTIVITY_TIMEOUT", s?.inactivityTimeout),
      ...set("GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED", r?.rotation),
      ...set("GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL", r?.reuseInterval),
      ...(captcha
        ? {
            GOTRUE_SECURITY_CAPTCHA_ENABLED: captcha.enabled,
            GOTRUE_SECURITY_CAPTCHA_PROVIDER: captcha.provider,
          }
        : {}),
    },
    secret: captcha?.enabled ? { GOTRUE_SECURITY_CAPTCHA_SECRET: captcha.secret ?? "" } : {},
  };
}
