import { describe, expect, it } from "vitest";
import { VPS_CONFIG, planBeforeAll } from "./mocks";
import { container, env, stringOutput } from "./lookups";
import { K8S_CONFIG, named, podEnv } from "../k8s/harness";
import { AUTH_OPTIONS } from "./authFixtures";

const SECRETS = {
  GOTRUE_EXTERNAL_GOOGLE_SECRET: "google-client-secret",
  GOTRUE_EXTERNAL_GITLAB_SECRET: "gitlab-secret",
  GOTRUE_SMS_TWILIO_AUTH_TOKEN: "twilio-token",
  GOTRUE_HOOK_SEND_EMAIL_SECRETS: `v1,whsec_${"B".repeat(40)}`,
  GOTRUE_SECURITY_CAPTCHA_SECRET: "captcha-secret",
};

describe("sign-in options reach GoTrue on every target", () => {
  const local = planBeforeAll(AUTH_OPTIONS, "local");
  const vps = planBeforeAll({ ...VPS_CONFIG, ...AUTH_OPTIONS }, "vps");
  const k8s = planBeforeAll({ ...K8S_CONFIG, ...AUTH_OPTIONS }, "k8s");

  it("local: Google's redirect URI is the gateway's callback, the stack output users register", () => {
    const auth = env(container(local, "auth"));
    expect(auth.GOTRUE_EXTERNAL_GOOGLE_REDIRECT_URI).toBe("http://localhost:8000/auth/v1/callback");
    expect(stringOutput(local, "authCallbackUrl")).toBe("http://localhost:8000/auth/v1/callback");
    expect(auth).toMatchObject({
      ...SECRETS,
      GOTRUE_EXTERNAL_PHONE_ENABLED: "true",
      GOTRUE_SMS_PROVIDER: "twilio",
      GOTRUE_EXTERNAL_GITLAB_URL: "https://gitlab.example.com",
      GOTRUE_MFA_PHONE_ENROLL_ENABLED: "true",
      GOTRUE_RATE_LIMIT_EMAIL_SENT: "100",
      GOTRUE_PASSWORD_MIN_LENGTH: "8",
      GOTRUE_SESSIONS_TIMEBOX: "24h",
      GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: "true",
    });
  });

  it("the secrets make GoTrue's env a secret input", () => {
    expect(container(local, "auth").secretInputs.has("envs")).toBe(true);
  });

  it("vps: the callback is on the public API domain", () => {
    expect(env(container(vps, "auth")).GOTRUE_EXTERNAL_GOOGLE_REDIRECT_URI).toBe(
      "https://api.example.com/auth/v1/callback",
    );
    expect(env(container(vps, "auth"))).toMatchObject(SECRETS);
  });

  it("Kubernetes: the auth pods get the same sign-in env as the vps container", () => {
    const pod = podEnv(k8s, named(k8s, "Deployment", "auth"));
    const onDocker = env(container(vps, "auth"));
    const signIn = (e: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(e).filter(([k]) =>
          /^GOTRUE_(EXTERNAL|SMS|MFA|HOOK|RATE_LIMIT|PASSWORD|SECURITY|SESSIONS|MAILER|SMTP_MAX|SAML)_/.test(
            k,
          ),
        ),
      );
    expect(Object.keys(signIn(pod)).length).toBeGreaterThan(15);
    expect(signIn(pod)).toEqual(signIn(onDocker));
  });
});
