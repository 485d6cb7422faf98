/** API keys live five years, as upstream's generate-keys.sh makes them. */
export const FIVE_YEARS = 5 * 365 * 24 * 60 * 60;

/**
 * Every claim a Supabase API key carries and nothing more: upstream's generate-keys.sh signs
 * `role`, `iss: supabase`, `iat` and an `exp` FIVE_YEARS on.
 */
export const apiKeyClaims = (role: string, issuedAt: number) => ({
  role,
  iss: "supabase",
  iat: issuedAt,
  exp: issuedAt + FIVE_YEARS,
});
