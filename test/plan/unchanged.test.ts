import { createECDH, createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { Plan, EVERY_SERVICE, PlannedResource, VPS_CONFIG, evaluate } from "./mocks";

/**
 * The whole plan of each stack, compared with the one committed in `__plans__/`. A refactor must
 * leave these files untouched: a changed URN or name would make Pulumi replace a real user's
 * resource. A change that means to alter the plan regenerates them with
 * `npx vitest run test/plan/unchanged.test.ts -u`, and the diff shows what it alters.
 */

// The mock's tls.PrivateKey draws a fresh EC key per process; here the keys come from a fixed
// scalar per curve, so the JWKS and the API keys signed with them are the same on every run.
vi.mock("node:crypto", async (importOriginal) => {
  const crypto = await importOriginal<typeof import("node:crypto")>();
  const fixedKeyPair = (namedCurve: string) => {
    const ecdh = createECDH(namedCurve);
    const size = ecdh.generateKeys().length >> 1;
    ecdh.setPrivateKey(
      createHash("sha512").update(`ownstack plan fixture ${namedCurve}`).digest().subarray(0, size),
    );
    const point = ecdh.getPublicKey();
    const crv = ({ prime256v1: "P-256", secp384r1: "P-384" } as Record<string, string>)[namedCurve];
    if (!crv) throw new Error(`no fixed plan key for curve ${namedCurve}`);
    const jwk = {
      kty: "EC",
      crv,
      d: ecdh.getPrivateKey().toString("base64url"),
      x: point.subarray(1, 1 + size).toString("base64url"),
      y: point.subarray(1 + size).toString("base64url"),
    };
    const key = createPrivateKey({ key: jwk, format: "jwk" });
    return {
      privateKey: key.export({ type: "sec1", format: "pem" }).toString(),
      publicKey: createPublicKey(key).export({ type: "spki", format: "pem" }).toString(),
    };
  };
  return {
    ...crypto,
    default: { ...crypto, generateKeyPairSync: fixedKeyPair },
    generateKeyPairSync: (_type: string, { namedCurve }: { namedCurve: string }) =>
      fixedKeyPair(namedCurve),
  };
});

const EVERY_OPTION: Record<string, string> = {
  ...EVERY_SERVICE,
  "ownstack:ollamaModels": '["llama3.2:1b"]',
};

const STACKS: [file: string, config: Record<string, string>, stack: string][] = [
  ["local-defaults", {}, "local"],
  ["local-every-option", EVERY_OPTION, "local"],
  ["vps-defaults", VPS_CONFIG, "vps"],
  ["vps-every-option", { ...VPS_CONFIG, ...EVERY_OPTION }, "vps"],
];

const REPO = process.cwd();

/**
 * Multi-line strings (rendered files, scripts) become lists of lines, so that a diff reads. A
 * bundled program (the backup scheduler, hundreds of KiB of minified code) is compared by its hash.
 */
function normalise(value: unknown): unknown {
  if (typeof value === "string") {
    const text = value.split(REPO).join("<repo>");
    if (text.length > 64 * 1024)
      return {
        bytes: Buffer.byteLength(text),
        sha256: createHash("sha256").update(text).digest("hex"),
      };
    return text.includes("\n") ? { lines: text.split("\n") } : text;
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, normalise((value as Record<string, unknown>)[k])]),
    );
  return value;
}

const resource = (r: PlannedResource) => ({
  urn: r.urn,
  type: r.type,
  name: r.name,
  provider: r.provider,
  secretInputs: [...r.secretInputs].sort(),
  options: r.options,
  inputs: r.inputs,
});

function serialise(plan: Plan): string {
  const resources = plan.resources
    .map(resource)
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const outputs = Object.fromEntries(
    Object.keys(plan.outputs)
      .sort()
      .map((k) => [k, plan.outputs[k]]),
  );
  return `${JSON.stringify(normalise({ outputs, secretOutputs: [...plan.secretOutputs].sort(), resources }), null, 1)}\n`;
}

describe("the plan of every stack is the committed one", () => {
  it.each(STACKS)("%s", async (file, config, stack) => {
    const plan = await evaluate(config, stack);
    await expect(serialise(plan)).toMatchFileSnapshot(`__plans__/${file}.json`);
  });
});
