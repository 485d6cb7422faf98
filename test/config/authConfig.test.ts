import { describe, expect, it } from "vitest";
import { authSecretEnv } from "../../config/authConfig";
import { AUTH_PROVIDERS } from "../../config/authProviders";
import { parseConfig, parseSettings } from "../../config/settings";
import { problemsOf } from "./problems";
import { VPS_CONFIG } from "../plan/mocks";

const GOOGLE = JSON.stringify({
  google: { clientId: "123.apps.googleusercontent.com", secret: "google-client-secret" },
});

describe("sign-in providers, phone, MFA, hooks and rate limits", () => {
  it("no option set: GoTrue's env gains nothing, and the callback URL is the gateway's /auth/v1/callback", () => {
    const { authOptions } = parseSettings({}, "local");
    expect(authOptions).toEqual({
      env: {},
      secretEnvNames: [],
      callbackUrl: "http://localhost:8000/auth/v1/callback",
      mailTemplates: [],
    });
  });

  it("Google: client id and redirect URI in plain env, the secret only by name in Settings", () => {
    const config = { "ownstack:authProviders": GOOGLE };
    const { authOptions } = parseSettings(config, "local");
    expect(authOptions.env).toEqual({
      GOTRUE_EXTERNAL_GOOGLE_ENABLED: true,
      GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID: "123.apps.googleusercontent.com",
      GOTRUE_EXTERNAL_GOOGLE_REDIRECT_URI: "http://localhost:8000/auth/v1/callback",
    });
    expect(authOptions.secretEnvNames).toEqual(["GOTRUE_EXTERNAL_GOOGLE_SECRET"]);
    expect(JSON.stringify(parseSettings(config, "local"))).not.toContain("google-client-secret");
    expect(authSecretEnv(config, "http://localhost:8000/auth/v1")).toEqual({
      GOTRUE_EXTERNAL_GOOGLE_SECRET: "google-client-secret",
    });
  });

  it("a self-hosted GitLab or Keycloak gets its url; several client ids are joined as GoTrue splits them", () => {
    const { env } = parseSettings(
      {
        ...VPS_CONFIG,
        "ownstack:authProviders": JSON.stringify({
          keycloak: { clientId: "app", secret: "s", url: "https://id.example.com/realms/app" },
          apple: { clientId: ["com.example.web", "com.example.ios"], secret: "s" },
          linkedin_oidc: { clientId: "li", secret: "s", enabled: false },
        }),
      },
      "vps",
    ).authOptions;
    expect(env).toMatchObject({
      GOTRUE_EXTERNAL_KEYCLOAK_URL: "https://id.example.com/realms/app",
      GOTRUE_EXTERNAL_KEYCLOAK_REDIRECT_URI: "https://api.example.com/auth/v1/callback",
      GOTRUE_EXTERNAL_APPLE_CLIENT_ID: "com.example.web,com.example.ios",
      GOTRUE_EXTERNAL_LINKEDIN_OIDC_ENABLED: false,
    });
    expect(env).not.toHaveProperty("GOTRUE_EXTERNAL_LINKEDIN_OIDC_CLIENT_ID");
  });

  it("refuses a misspelt provider, a missing secret and a Keycloak without its realm URL, naming each key", () => {
    expect(
      problemsOf({
        "ownstack:authProviders": JSON.stringify({
          gooogle: { clientId: "x", secret: "s" },
          github: { clientId: "x" },
          keycloak: { clientId: "x", secret: "s" },
        }),
      }),
    ).toEqual([
      `ownstack:authProviders[gooogle]: unknown provider; expected one of: ${AUTH_PROVIDERS.join(", ")}, got {"clientId":"x","secret":"s"}`,
      "ownstack:authProviders[github][secret]: required, expected it as a secret: pulumi config set --secret --path 'authProviders.github.secret' '<client secret>'",
      "ownstack:authProviders[keycloak][url]: required for keycloak: expected an https URL such as https://keycloak.example.com/realms/app",
    ]);
  });

  it("refuses a hook URI of the wrong form and an https hook without its secret", () => {
    expect(
      problemsOf({
        "ownstack:authHooks": JSON.stringify({
          customAccessToken: { uri: "postgres://public/hook" },
          sendEmail: { uri: "https://hooks.example.com/send-email" },
          sendSms: { uri: "https://hooks.example.com/sms", secrets: "whsec_nope" },
        }),
      }),
    ).toEqual([
      'ownstack:authHooks[customAccessToken][uri]: expected pg-functions://postgres/<schema>/<function> or an https:// URL (with secrets), got "postgres://public/hook"',
      "ownstack:authHooks[sendEmail][secrets]: required for an https hook: v1,whsec_<base64>",
      'ownstack:authHooks[sendSms][secrets]: expected v1,whsec_<base64> (several joined by |), got "whsec_nope"',
    ]);
  });

  it("hooks, MFA and rate limits become GoTrue's env; an https hook's secret stays secret", () => {
    const secret = `v1,whsec_${"A".repeat(40)}`;
    const config = {
      "ownstack:authHooks": JSON.stringify({
        customAccessToken: { uri: "pg-functions://postgres/public/custom_access_token_hook" },
        sendEmail: { uri: "https://hooks.example.com/send-email", secrets: secret },
      }),
      "ownstack:authMfa": JSON.stringify({
        maxEnrolledFactors: 5,
        phone: { enroll: true, verify: true },
      }),
      "ownstack:authRateLimits": JSON.stringify({ emailSent: 100, tokenRefresh: 300 }),
    };
    const { authOptions } = parseSettings(config, "local");
    expect(authOptions.env).toEqual({
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: true,
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI:
        "pg-functions://postgres/public/custom_access_token_hook",
      GOTRUE_HOOK_SEND_EMAIL_ENABLED: true,
      GOTRUE_HOOK_SEND_EMAIL_URI: "https://hooks.example.com/send-email",
      GOTRUE_MFA_MAX_ENROLLED_FACTORS: 5,
      GOTRUE_MFA_PHONE_ENROLL_ENABLED: true,
      GOTRUE_MFA_PHONE_VERIFY_ENABLED: true,
      GOTRUE_RATE_LIMIT_EMAIL_SENT: 100,
      GOTRUE_RATE_LIMIT_TOKEN_REFRESH: 300,
    });
    expect(authOptions.secretEnvNames).toEqual(["GOTRUE_HOOK_SEND_EMAIL_SECRETS"]);
  });

  it("phone sign-in with Twilio: the provider's credentials are required, its token is secret", () => {
    expect(problemsOf({ "ownstack:authSms": '{"provider": "twilio"}' })).toEqual([
      "ownstack:authSms[twilio]: required with provider twilio: {accountSid, authToken, messageServiceSid}",
    ]);
    expect(problemsOf({ "ownstack:authSms": '{"provider": "sinch"}' })).toEqual([
      'ownstack:authSms[provider]: expected one of: twilio, twilio_verify, messagebird, textlocal, vonage, got "sinch"',
    ]);
    const config = {
      "ownstack:authSms": JSON.stringify({
        provider: "twilio",
        twilio: { accountSid: "AC123", authToken: "twilio-token", messageServiceSid: "MG456" },
        otpLength: 6,
      }),
    };
    const { authOptions } = parseSettings(config, "local");
    expect(authOptions.env).toEqual({
      GOTRUE_EXTERNAL_PHONE_ENABLED: true,
      GOTRUE_SMS_AUTOCONFIRM: false,
      GOTRUE_SMS_PROVIDER: "twilio",
      GOTRUE_SMS_OTP_LENGTH: 6,
      GOTRUE_SMS_TWILIO_ACCOUNT_SID: "AC123",
      GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: "MG456",
    });
    expect(authSecretEnv(config, "x")).toEqual({ GOTRUE_SMS_TWILIO_AUTH_TOKEN: "twilio-token" });
  });

  it("a provider secret kept in plain text gets smtpPass's warning with the --path command, not the secret", () => {
    const config = { "ownstack:authProviders": GOOGLE };
    const warnings = parseConfig(config, "local", { secretKeys: [] }).warnings;
    expect(warnings).toEqual([
      "ownstack:authProviders holds a secret stored in plain text in Pulumi.local.yaml; encrypt it with: pulumi config set -s local --secret --path 'authProviders.<provider>.secret' '<secret>'",
    ]);
    expect(warnings.join("\n")).not.toContain("google-client-secret");
    expect(
      parseConfig(config, "local", { secretKeys: ["ownstack:authProviders"] }).warnings,
    ).toEqual([]);
  });
});
