import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { replacingInputsOf } from "../config/containerInputs";

/**
 * A container name with a revision suffix, for services replaced create-before-delete
 * (config/rollout.ts): `<base>-<8 hex>`, a hash of exactly the inputs whose change replaces the
 * container (config/containerInputs.ts). The name changes when, and only when, the container is
 * replaced anyway, so it never causes a replacement of its own; a memory change (an in-place
 * update) keeps it. Computed from the plan's inputs, never from the clock.
 */
export function revisionName(
  base: string,
  args: Omit<docker.ContainerArgs, "name">,
): pulumi.Output<string> {
  const inputs = args as Record<string, unknown>;
  const replacing = Object.fromEntries(replacingInputsOf(inputs).map((k) => [k, inputs[k]]));
  // The hash of secret env and uploads reveals nothing (32 bits of a digest), and a name shown
  // as [secret] would hide which container a user is looking at.
  return pulumi.unsecret(
    pulumi
      .output(replacing)
      .apply((resolved) => `${base}-${revisionOf(resolved as Record<string, unknown>)}`),
  );
}

/** 8 hex digits of sha256 over the inputs, keys sorted, so a reorder in code is no new revision. */
export function revisionOf(inputs: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(inputs)).digest("hex").slice(0, 8);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}
