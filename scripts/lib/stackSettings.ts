import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT, Settings, parseSettings } from "../../config/settings";
import { requireKnownStack } from "./stack";
import { readStackConfig } from "./stack-state";

/**
 * The stack's Settings without the Pulumi CLI: the same `parseSettings` the program runs, fed the
 * config the CLI would hand it (Pulumi.yaml defaults, then Pulumi.<stack>.yaml values). Doctor
 * needs it on machines where nothing is installed yet.
 */

/** `apiPort` → `ownstack:apiPort`; keys that already name a namespace (`docker:host`) stay. */
const qualify = (key: string, project: string) => (key.includes(":") ? key : `${project}:${key}`);

/** Config values reach the program as strings; arrays, numbers and booleans as their JSON text. */
function asConfigText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // Encrypted values ({secure: …}) need the passphrase; no setting doctor reads is secret.
  if (typeof value === "object" && !Array.isArray(value) && "secure" in value) return undefined;
  return JSON.stringify(value);
}

/**
 * Merges Pulumi.yaml's typed defaults (`config: {apiPort: {type, default}}`) with a stack file's
 * `config:` map into the raw `{"ownstack:apiPort": "8000"}` record `parseSettings` expects.
 */
export function rawConfigFromFiles(
  stackConfig: Readonly<Record<string, unknown>>,
  projectConfig: Readonly<Record<string, unknown>> = {},
  project: string = PROJECT,
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, decl] of Object.entries(projectConfig)) {
    const isTyped = decl !== null && typeof decl === "object" && !Array.isArray(decl) && ("default" in decl || "type" in decl);
    const text = asConfigText(isTyped ? (decl as { default?: unknown }).default : decl);
    if (text !== undefined) raw[qualify(key, project)] = text;
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const text = asConfigText(value);
    if (text !== undefined) raw[qualify(key, project)] = text;
  }
  return raw;
}

/** Settings of a stack read from its files; an unknown stack or bad config throws one message. */
export function loadStackSettings(projectDir: string, stack: string): Settings {
  requireKnownStack(projectDir, stack);
  const project = (parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) ?? {}) as { config?: Record<string, unknown> | null };
  return parseSettings(rawConfigFromFiles(readStackConfig(projectDir, stack), project.config ?? {}), stack, projectDir);
}
