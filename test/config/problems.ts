import { ConfigError, parseSettings } from "../../config/settings";

/** The problems parseSettings reports for a raw stack config, or [] when it is accepted. */
export function problemsOf(config: Record<string, string>, stack = "local"): string[] {
  try {
    parseSettings(config, stack);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}
