import { existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { PROJECT } from "../../config/settings";
import { RotateError } from "./rotation-plan";

/**
 * Read-only checks on a stack before a script changes it: the stack file exists and the file
 * backend holds a deployment. Nothing here calls the Pulumi CLI.
 */

/** Stacks that have a `Pulumi.<stack>.yaml` in the project folder. */
export function knownStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The `config:` map of `Pulumi.<stack>.yaml`; an unknown stack is an error naming the known ones. */
export function readStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(file)) {
    const known = knownStacks(projectDir);
    throw new RotateError(
      `stack "${stack}" does not exist (no Pulumi.${stack}.yaml). Known stacks: ${known.length > 0 ? known.join(", ") : "none"}.`,
    );
  }
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> | null };
  return doc.config ?? {};
}

/**
 * Folder of a `file://` backend: PULUMI_BACKEND_URL wins over Pulumi.yaml's `backend.url`
 * (pulumi.md §1); relative paths resolve against the project folder, where our scripts run the CLI.
 * Undefined for cloud or bucket backends, whose state this script cannot read.
 */
export function fileBackendDir(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } };
  const url = env.PULUMI_BACKEND_URL ?? project.backend?.url;
  if (url === undefined || !url.startsWith("file://")) return undefined;
  const path = url.slice("file://".length).replace(/\?.*$/, "");
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

/** Project-scoped layout first (DIY backends since v3.61), then the legacy flat one; maybe gzipped. */
function checkpointFiles(backendDir: string, stack: string): string[] {
  const stacks = join(backendDir, ".pulumi", "stacks");
  return [join(stacks, PROJECT, `${stack}.json`), join(stacks, PROJECT, `${stack}.json.gz`), join(stacks, `${stack}.json`), join(stacks, `${stack}.json.gz`)];
}

interface Checkpoint {
  checkpoint?: { latest?: { resources?: { type?: string }[] } | null };
}

/** Resources of the last deployment, not counting the stack itself and its providers. */
export function deployedResourceCount(backendDir: string, stack: string): number | undefined {
  const file = checkpointFiles(backendDir, stack).find((f) => existsSync(f));
  if (file === undefined) return undefined;
  const raw = readFileSync(file);
  const doc = JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as Checkpoint;
  const resources = doc.checkpoint?.latest?.resources ?? [];
  return resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !(r.type ?? "").startsWith("pulumi:providers:")).length;
}

/**
 * Rotation changes secrets of a running stack: refuse one that was never deployed, since its
 * first `pulumi up` generates fresh secrets anyway. Returns a note when the backend is not a
 * local folder and the check was left to the CLI.
 */
export function requireDeployed(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const backendDir = fileBackendDir(projectDir, env);
  if (backendDir === undefined) return "state is not in a local folder; the Pulumi CLI checks the stack instead.";
  const count = deployedResourceCount(backendDir, stack);
  if (count === undefined || count === 0) {
    throw new RotateError(
      `stack "${stack}" has never been deployed (no resources in ${backendDir}), so there is nothing to rotate: ` +
        `its first deploy generates fresh secrets. Deploy it with: ${stack === "local" || stack === "vps" ? `npm run up:${stack}` : `npx tsx scripts/up.ts -s ${stack}`}`,
    );
  }
  return undefined;
}
