import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ROOT,
  fakePulumi,
  pathWithoutPulumi,
  runScript,
  snapshot,
  tempProject,
} from "../support/project";

/**
 * `npm run down` checks before it writes: the stack name, the Pulumi CLI, a deployment to take
 * down, the passphrase. Each refusal is one line, exit 2, and leaves the project folder (and the
 * checkout) exactly as it was: no `.pulumi-state/`, no new passphrase.
 */

const down = (dir: string, args: string[], path: string) =>
  runScript("down", [...args, "--cwd", dir], { cwd: dir, env: { PATH: path, HOME: dir } });

async function refusedWithNothingWritten(
  dir: string,
  args: string[],
  path: string,
  message: RegExp,
): Promise<void> {
  const before = snapshot(dir);
  const checkout = [".pulumi-state", ".pulumi-passphrase"].map((f) => existsSync(join(ROOT, f)));
  const r = await down(dir, args, path);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
  expect(snapshot(dir)).toEqual(before);
  expect([".pulumi-state", ".pulumi-passphrase"].map((f) => existsSync(join(ROOT, f)))).toEqual(
    checkout,
  );
}

describe("npm run down refuses before writing anything", () => {
  it("without the Pulumi CLI: says it is missing and how to install it", async () => {
    const dir = tempProject({ passphrase: false });
    await refusedWithNothingWritten(
      dir,
      ["-s", "local"],
      pathWithoutPulumi(),
      /^down: Pulumi CLI not found\. Install it \(https:\/\/www\.pulumi\.com\/docs\/install\/.*\), then run this again\.$/,
    );
    expect(existsSync(join(dir, ".pulumi-state"))).toBe(false);
    expect(existsSync(join(dir, ".pulumi-passphrase"))).toBe(false);
  });

  it("an unknown stack, named before the CLI is looked for", async () => {
    await refusedWithNothingWritten(
      tempProject(),
      ["-s", "prod"],
      pathWithoutPulumi(),
      /^down: unknown stack "prod"; known stacks: local, vps \(each has a Pulumi\.<stack>\.yaml\)$/,
    );
  });

  it("a stack that was never deployed: nothing to take down, and the way to deploy it", async () => {
    const dir = tempProject();
    const pulumi = fakePulumi();
    await refusedWithNothingWritten(
      dir,
      ["-s", "local"],
      `${pulumi.bin}:${pathWithoutPulumi()}`,
      /^down: stack "local" was never deployed \(no resources in .*\), so there is nothing to take down; deploy it with npm run up:local$/,
    );
  });

  it("a deployed stack whose passphrase file is gone: never a new passphrase", async () => {
    const dir = tempProject({ deployed: true, passphrase: false });
    const pulumi = fakePulumi();
    await refusedWithNothingWritten(
      dir,
      ["-s", "local"],
      `${pulumi.bin}:${pathWithoutPulumi()}`,
      /^down: .*\.pulumi-passphrase not found: it decrypts the stack's secrets; restore it from your backup or set PULUMI_CONFIG_PASSPHRASE$/,
    );
  });
});
