import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { VPS_CONFIG } from "../plan/mocks";

/**
 * loadSettings under the Pulumi runtime: the secret keys come from the runtime (what the CLI
 * passes in PULUMI_CONFIG_SECRET_KEYS), and warnings go to pulumi.log.warn.
 */
async function load(config: Record<string, string>, secretKeys: string[]) {
  vi.resetModules();
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
    "ownstack",
    "vps",
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
  const { loadSettings } = await import("../../config");
  const { settings } = loadSettings();
  return { settings, warnings: warn.mock.calls.map((c) => c[0]) };
}

describe("loadSettings", () => {
  afterEach(() => vi.restoreAllMocks());

  // One test: setAllConfig adds to the runtime's config and nothing removes a key again.
  it("logs no warning for a clean vps config; warns about a plain-text smtpPass and a key nothing reads", async () => {
    const clean = await load(VPS_CONFIG, ["ownstack:smtpPass"]);
    expect(clean.settings.target).toBe("vps");
    expect(clean.warnings).toEqual([]);
    vi.restoreAllMocks();

    const { warnings } = await load({ ...VPS_CONFIG, "aws:region": "eu-west-1" }, []);
    expect(warnings).toEqual([
      "aws:region is ignored: ownstack reads ownstack:* keys (declared in Pulumi.yaml) and docker:caMaterial, docker:certMaterial, docker:certPath, docker:keyMaterial",
      "ownstack:smtpPass is stored in plain text in Pulumi.vps.yaml; encrypt it with: pulumi config set -s vps --secret smtpPass '<password>'",
    ]);
  });
});
