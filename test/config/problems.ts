import { expect, it } from "vitest";
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

/** Every problem in one text, to look for one message in. */
export const refused = (config: Record<string, string>, stack = "local"): string =>
  problemsOf(config, stack).join("\n");

/** config without one key, as if its line were missing from the stack file. */
export const without = (config: Record<string, string>, key: string): Record<string, string> =>
  Object.fromEntries(Object.entries(config).filter(([k]) => k !== key));

/** One test per row: `stack` refuses the row's config with a problem that contains its message. */
export function itRefuses(
  stack: string,
  rows: [what: string, config: Record<string, string>, message: string][],
): void {
  it.each(rows)(`${stack} refuses %s`, (_, config, message) => {
    expect(refused(config, stack)).toContain(message);
  });
}
