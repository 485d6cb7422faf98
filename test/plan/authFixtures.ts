/** Every sign-in option on: a provider, phone sign-in, MFA, an https hook, rate limits, SAML. */
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
};
