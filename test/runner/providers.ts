import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { reveal } from "./wire";

/**
 * What the providers compute on create, for the resource types the program declares: the outputs
 * that are not inputs (pulumi-random `result`, pulumi-tls `privateKeyPem`, pulumi-docker
 * `imageId`/`exitCode`, pulumiverse-time `unix`). Real values where the program derives from them
 * (keys that sign, lengths that matter); which outputs are secret is the engine's business.
 */

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomText(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
}

const CURVES: Record<string, string> = {
  P224: "secp224r1",
  P256: "prime256v1",
  P384: "secp384r1",
  P521: "secp521r1",
};

export function resourceOutputs(
  type: string,
  wireInputs: Record<string, unknown>,
  jobExitCodes: Record<string, number>,
): Record<string, unknown> {
  const inputs = reveal(wireInputs);
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString": {
      const result = randomText(Number(inputs.length ?? 16));
      // Not a real bcrypt: nothing here verifies it, and the shape is what the program passes on.
      return {
        result,
        bcryptHash: `$2a$10$${createHash("sha256").update(result).digest("base64").slice(0, 53)}`,
      };
    }
    case "tls:index/privateKey:PrivateKey": {
      const { privateKey, publicKey } = generateKeyPairSync("ec", {
        namedCurve: CURVES[inputs.ecdsaCurve ?? "P224"],
        privateKeyEncoding: { type: "sec1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      return { privateKeyPem: privateKey, publicKeyPem: publicKey };
    }
    case "time:index/static:Static":
      return { unix: 1767225600, rfc3339: "2026-01-01T00:00:00Z" };
    case "docker:index/remoteImage:RemoteImage":
      return {
        imageId: `sha256:${createHash("sha256").update(String(inputs.name)).digest("hex")}`,
        repoDigest: `${inputs.name}@sha256:0`,
      };
    case "docker:index/container:Container": {
      // With `attach`, the provider waits for the exit and records the code (terraform-provider-docker
      // resource_docker_container_funcs.go); a long-running container has none.
      if (inputs.attach !== true) return {};
      const exitCode = jobExitCodes[inputs.name] ?? 0;
      return {
        exitCode,
        containerLogs: exitCode === 0 ? "" : `job failed with exit code ${exitCode}\n`,
      };
    }
    default:
      return {};
  }
}
