import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, parseSettings } from "../../config/settings";

const README = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

/** The first fenced block of the README that shows a config error. */
const readmeExample = (): string => {
  const block = /```\n(Invalid config for stack[^`]*?)\n```/.exec(README);
  if (!block) throw new Error("README has no 'Invalid config for stack' example");
  return block[1];
};

const refusal = (config: Record<string, string>, stack = "local"): ConfigError => {
  try {
    parseSettings(config, stack);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("config was accepted");
};

describe("a refused config reads under `pulumi up` as the README shows it", () => {
  it("the README's example is, to the letter, what the program reports for its two mistakes", () => {
    const err = refusal({ "ownstack:apiPort": "70000", "ownstack:memoryLimits": '["db=2 gigs"]' });
    expect(err.message).toBe(readmeExample());
  });

  it("is a RunError, which @pulumi/pulumi's runner prints as its bare message", () => {
    const err = refusal({ "ownstack:apiPort": "0" });
    expect(err).toBeInstanceOf(pulumi.RunError);
    // The runner's check works across SDK copies; it must hold for ours too.
    expect(pulumi.RunError.isInstance(err)).toBe(true);
  });

  it("shadows none of Error's own fields: stack is a trace, message the text, name inherited", () => {
    const err = refusal({ "ownstack:target": "cloud" }, "staging");
    expect(Object.getOwnPropertyNames(err).sort()).toEqual(
      ["__pulumiRunError", "message", "problems", "stack"].sort(),
    );
    expect(err.stack).toContain(err.message.split("\n")[0]);
    expect(err.stack).toMatch(/\n\s+at /);
    expect(Object.prototype.hasOwnProperty.call(ConfigError.prototype, "name")).toBe(false);
    expect(err.message.split("\n")[0]).toBe('Invalid config for stack "staging" (1 problem):');
    expect(err.problems).toEqual([
      'ownstack:target: expected one of: local, vps, kubernetes, got "cloud"',
    ]);
  });
});
