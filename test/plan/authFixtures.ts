/**
 * Every sign-in option on: a provider, phone sign-in, MFA, an https hook, rate limits, SAML, and
 * config.toml's account settings (passwords, e-mail, sessions, refresh tokens, captcha).
 */
export const AUTH_OPTIONS: Readonly<Record<string, string>> = {
  "ownstack:authProviders": JSON.stringify({
    google: { clientId: "123.apps.googleusercontent.com", secret: "google-client-secret" },
    gitlab: { clientId: "gl", secret: "gitlab-secret", url: "https://gitlab.example.com" },
  }),
  "ownstack:authSms": JSON.stringify({
    provider: "twilio",
    twilio: { accountSid: "AC123", authToken: "twilio-token", messageServiceSid: "MG456" },
  }),
  "ownstack:authMfa": JSON.stringify({ phone: { enroll: true, verify: true } }),
  "ownstack:authHooks": JSON.stringify({
    sendEmail: {
      uri: "https://hooks.example.com/send-email",
      secrets: `v1,whsec_${"B".repeat(40)}`,
    },
    customAccessToken: { uri: "pg-functions://postgres/public/custom_access_token_hook" },
  }),
  "ownstack:authRateLimits": JSON.stringify({ emailSent: 100 }),
  "ownstack:authSaml": "true",
  "ownstack:authManualLinking": "true",
  "ownstack:authPassword": JSON.stringify({ minLength: 8, requirements: "letters_digits" }),
  "ownstack:authEmail": JSON.stringify({
    doubleConfirmChanges: true,
    securePasswordChange: true,
    maxFrequency: "60s",
    otpLength: 8,
    otpExpiry: 3600,
  }),
  "ownstack:authSessions": JSON.stringify({ timebox: "24h", inactivityTimeout: "8h" }),
  "ownstack:authRefreshTokens": JSON.stringify({ rotation: true, reuseInterval: 10 }),
  "ownstack:authCaptcha": JSON.stringify({ provider: "hcaptcha", secret: "captcha-secret" }),
};
