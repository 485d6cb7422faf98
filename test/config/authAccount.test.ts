import { describe, expect, it } from "vitest";
import { authSecretEnv } from "../../config/authConfig";
import { PASSWORD_REQUIREMENTS } from "../../config/authAccount";
import { parseConfig, parseSettings } from "../../config/settings";
import { problemsOf } from "./problems";

/**
 * config.toml's account settings (supabase/cli pkg/config/templates/config.toml) become the env
 * the CLI gives GoTrue (internal/start/start.go), and a value of the wrong form is one error.
 */
const ACCOUNT = {
  "ownstack:authPassword": JSON.stringify({
    minLength: 10,
    requirements: "lower_upper_letters_digits_symbols",
  }),
  "ownstack:authEmail": JSON.stringify({
    doubleConfirmChanges: false,
    securePasswordChange: true,
    maxFrequency: "60s",
    otpLength: 8,
    otpExpiry: 3600,
  }),
  "ownstack:authSessions": JSON.stringify({ timebox: "24h", inactivityTimeout: "8h30m" }),
  "ownstack:authRefreshTokens": JSON.stringify({ rotation: true, reuseInterval: 10 }),
  "ownstack:authCaptcha": JSON.stringify({ provider: "turnstile", secret: "captcha-secret" }),
  "ownstack:authManualLinking": "true",
};

describe("config.toml's account settings", () => {
  it("each becomes the env the Supabase CLI sets; the captcha secret only by name in Settings", () => {
    const settings = parseSettings(ACCOUNT, "local");
    expect(settings.authOptions.env).toEqual({
      GOTRUE_PASSWORD_MIN_LENGTH: 10,
      GOTRUE_PASSWORD_REQUIRED_CHARACTERS: PASSWORD_REQUIREMENTS.lower_upper_letters_digits_symbols,
      GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED: false,
      GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: true,
      GOTRUE_SMTP_MAX_FREQUENCY: "60s",
      GOTRUE_MAILER_OTP_LENGTH: 8,
      GOTRUE_MAILER_OTP_EXP: 3600,
      GOTRUE_SESSIONS_TIMEBOX: "24h",
      GOTRUE_SESSIONS_INACTIVITY_TIMEOUT: "8h30m",
      GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED: true,
      GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: 10,
      GOTRUE_SECURITY_CAPTCHA_ENABLED: true,
      GOTRUE_SECURITY_CAPTCHA_PROVIDER: "turnstile",
    });
    expect(settings.auth.manualLinking).toBe(true);
    expect(settings.authOptions.secretEnvNames).toEqual(["GOTRUE_SECURITY_CAPTCHA_SECRET"]);
    expect(JSON.stringify(settings)).not.toContain("captcha-secret");
    expect(authSecretEnv(ACCOUNT, "x")).toEqual({
      GOTRUE_SECURITY_CAPTCHA_SECRET: "captcha-secret",
    });
  });

  it("a field left out keeps GoTrue's default: it sets no env", () => {
    const { env } = parseSettings(
      { "ownstack:authEmail": JSON.stringify({ otpLength: 6 }) },
      "local",
    ).authOptions;
    expect(env).toEqual({ GOTRUE_MAILER_OTP_LENGTH: 6 });
  });

  it("the password groups split as GoTrue's PasswordRequiredCharacters.Decode splits them", () => {
    // Decode splits on ':' and joins a part ending in '\' with the next one.
    const decode = (v: string) => {
      const parts = v.split(":");
      for (let i = 0; i < parts.length - 1; i++)
        if (parts[i].endsWith("\\")) {
          parts[i] = `${parts[i].slice(0, -1)}:${parts[i + 1]}`;
          parts[i + 1] = "";
        }
      return parts.filter((p) => p !== "");
    };
    expect(decode(PASSWORD_REQUIREMENTS.letters_digits)).toHaveLength(2);
    expect(decode(PASSWORD_REQUIREMENTS.lower_upper_letters_digits)).toHaveLength(3);
    const symbols = decode(PASSWORD_REQUIREMENTS.lower_upper_letters_digits_symbols);
    expect(symbols).toHaveLength(4);
    expect(symbols[3]).toContain(":");
  });

  it("refuses a value of the wrong form, an unknown field and a captcha without its secret, naming each key", () => {
    expect(
      problemsOf({
        "ownstack:authPassword": JSON.stringify({ minLength: 4, requirements: "strong" }),
        "ownstack:authEmail": JSON.stringify({ maxFrequency: "1 minute", otpLenght: 6 }),
        "ownstack:authSessions": JSON.stringify({ timebox: "0h" }),
        "ownstack:authRefreshTokens": '{"a":1}',
        "ownstack:authCaptcha": JSON.stringify({ provider: "recaptcha" }),
      }),
    ).toEqual([
      "ownstack:authPassword[minLength]: expected a whole number of characters between 6 and 72, got 4",
      'ownstack:authPassword[requirements]: expected one of: letters_digits, lower_upper_letters_digits, lower_upper_letters_digits_symbols, got "strong"',
      'ownstack:authEmail[maxFrequency]: expected a duration such as "60s" (h, m, s, ms), got "1 minute"',
      'ownstack:authEmail: unknown field otpLenght; expected doubleConfirmChanges, securePasswordChange, maxFrequency, otpLength, otpExpiry, template, notification, got {"maxFrequency":"1 minute","otpLenght":6}',
      'ownstack:authSessions[timebox]: expected a duration such as "24h" (h, m, s, ms), got "0h"',
      'ownstack:authRefreshTokens: unknown field a; expected rotation, reuseInterval, got {"a":1}',
      'ownstack:authCaptcha[provider]: expected one of: hcaptcha, turnstile, got "recaptcha"',
    ]);
    expect(
      problemsOf({ "ownstack:authCaptcha": JSON.stringify({ provider: "hcaptcha" }) }),
    ).toEqual([
      "ownstack:authCaptcha[secret]: required, expected it as a secret: pulumi config set --secret --path 'authCaptcha.secret' '<secret key>'",
    ]);
  });

  it("a captcha secret in plain text gets smtpPass's warning with the --path command", () => {
    const config = { "ownstack:authCaptcha": ACCOUNT["ownstack:authCaptcha"] };
    expect(parseConfig(config, "local", { secretKeys: [] }).warnings).toEqual([
      "ownstack:authCaptcha holds a secret stored in plain text in Pulumi.local.yaml; encrypt it with: pulumi config set -s local --secret --path 'authCaptcha.secret' '<secret>'",
    ]);
  });
});
