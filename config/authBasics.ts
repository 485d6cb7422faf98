import { z } from "zod";

/**
 * GoTrue settings a Supabase CLI user sets in config.toml's `[auth]` that are single values, so
 * Pulumi.yaml declares them with their type. SAML is `[auth]`-wide in GoTrue (SAMLConfiguration in
 * https://github.com/supabase/auth/blob/v2.196.0/internal/conf/saml.go); its RSA key is generated
 * by the stack (components/secrets.ts), identity providers are then added with the admin API.
 */
export const authBasicsShape = {
  authSaml: z.boolean({ error: "expected true or false" }).default(false),
  // config.toml's enable_manual_linking: users link identities themselves (GOTRUE_SECURITY_MANUAL_LINKING_ENABLED).
  authManualLinking: z.boolean({ error: "expected true or false" }).default(false),
} as const;
