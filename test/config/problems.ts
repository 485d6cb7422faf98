import { ConfigError, parseSettings } from "../../config/settings";

/** The problems parseSettings reports for a raw stack config, or [] when it is accepted. */
export function problemsOf(
  config: Record<string, string>,
  stack = "local",
  projectDir?: string,
): string[] {
  try {
    parseSettings(config, stack, projectDir);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}
