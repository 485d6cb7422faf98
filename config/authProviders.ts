import { z } from "zod";

/**
 * The external OAuth providers GoTrue reads at the pinned supabase/gotrue:v2.196.0: the
 * OAuthProviderConfiguration fields of `ProviderConfiguration` in internal/conf/configuration.go
 * (https://github.com/supabase/auth/blob/v2.196.0/internal/conf/configuration.go), named as the
 * Supabase CLI's `[auth.external.<name>]` sections name them. Each becomes GOTRUE_EXTERNAL_<NAME>_*.
 */
export const AUTH_PROVIDERS = [
  "apple",
  "azure",
  "bitbucket",
  "discord",
  "facebook",
  "figma",
  "fly",
  "github",
  "gitlab",
  "google",
  "kakao",
  "keycloak",
  "linkedin",
  "linkedin_oidc",
  "notion",
  "slack",
  "slack_oidc",
  "snapchat",
  "spotify",
  "twitch",
  "twitter",
  "vercel_marketplace",
  "workos",
  "x",
  "zoom",
] as const;
export type AuthProvider = (typeof AUTH_PROVIDERS)[number];

/** Providers GoTrue cannot reach without the address of the user's own server or realm. */
const NEEDS_URL: readonly AuthProvider[] = ["keycloak", "workos"];

const CLIENT_ID =
  "expected the OAuth client id (text, or a list of ids for Apple/Google id tokens)";
const URL_FORM = "expected an https URL such as https://keycloak.example.com/realms/app";

const provider = z.strictObject(
  {
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    clientId: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
      error: CLIENT_ID,
    }),
    // Absent here means "not given": the check below names the `config set --secret` command.
    secret: z.string({ error: "expected the client secret as text" }).optional(),
    url: z
      .string({ error: URL_FORM })
      .refine((v) => /^https?:\/\/[^\s/]+/.test(v), URL_FORM)
      .optional(),
    redirectUri: z
      .string({ error: "expected an absolute URL ending in /auth/v1/callback" })
      .refine((v) => /^https?:\/\/\S+\/callback$/.test(v), {
        error: "expected an absolute URL ending in /auth/v1/callback",
      })
      .optional(),
    skipNonceCheck: z.boolean({ error: "expected true or false" }).default(false),
    emailOptional: z.boolean({ error: "expected true or false" }).default(false),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field ${issue.keys.join(", ")}; expected clientId, secret, url, redirectUri, skipNonceCheck, emailOptional or enabled`
        : 'expected a provider block such as {"clientId": "...", "secret": "..."}',
  },
);

export const authProviders = z
  .record(z.string(), provider, {
    error: 'expected a map of providers such as {"google": {"clientId": "..."}}',
  })
  .superRefine((map, ctx) => {
    for (const name of Object.keys(map)) {
      if (!(AUTH_PROVIDERS as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `unknown provider; expected one of: ${AUTH_PROVIDERS.join(", ")}`,
        });
        continue;
      }
      if (map[name].enabled && (map[name].secret ?? "") === "")
        ctx.addIssue({
          code: "custom",
          path: [name, "secret"],
          message: `required, expected it as a secret: pulumi config set --secret --path 'authProviders.${name}.secret' '<client secret>'`,
        });
      if (NEEDS_URL.includes(name as AuthProvider) && map[name].enabled && !map[name].url)
        ctx.addIssue({
          code: "custom",
          path: [name, "url"],
          message: `required for ${name}: ${URL_FORM}`,
        });
    }
  });
export type AuthProvidersConfig = z.output<typeof authProviders>;

/** GOTRUE_EXTERNAL_<NAME>_*: upper-cased, as envconfig names the struct field (LINKEDIN_OIDC, X). */
export const providerEnvName = (name: string) => `GOTRUE_EXTERNAL_${name.toUpperCase()}`;

/** Plain and secret env of the providers; the redirect URI is the stack's own callback. */
export function providerEnv(
  providers: AuthProvidersConfig,
  apiExternalUrl: string,
): { plain: Record<string, string | boolean>; secret: Record<string, string> } {
  const plain: Record<string, string | boolean> = {};
  const secret: Record<string, string> = {};
  for (const [name, p] of Object.entries(providers)) {
    const prefix = providerEnvName(name);
    plain[`${prefix}_ENABLED`] = p.enabled;
    if (!p.enabled) continue;
    // envconfig reads a []string as comma-separated text.
    plain[`${prefix}_CLIENT_ID`] = [p.clientId].flat().join(",");
    plain[`${prefix}_REDIRECT_URI`] = p.redirectUri ?? authCallbackUrl(apiExternalUrl);
    if (p.url) plain[`${prefix}_URL`] = p.url;
    if (p.skipNonceCheck) plain[`${prefix}_SKIP_NONCE_CHECK`] = true;
    if (p.emailOptional) plain[`${prefix}_EMAIL_OPTIONAL`] = true;
    secret[`${prefix}_SECRET`] = p.secret ?? "";
  }
  return { plain, secret };
}

/** Where every provider sends the user back: GoTrue's /callback behind the gateway. */
export const authCallbackUrl = (apiExternalUrl: string) => `${apiExternalUrl}/callback`;
