import { spawnSync } from "node:child_process";
import type { Settings } from "../../config/settings";
import { OperatorError } from "./operatorError";

/**
 * The Docker daemon a stack runs on, for scripts that call the docker CLI: the stack's
 * `dockerHost` (ssh:// or tcp://), else the caller's own DOCKER_HOST or local socket.
 */
export const dockerHostOf = (settings: Pick<Settings, "vps">): string | undefined =>
  settings.vps.dockerHost !== "" ? settings.vps.dockerHost : undefined;

/** Variables to add to a docker CLI call's environment so it talks to `host`. */
export const dockerHostEnv = (host: string | undefined): Record<string, string> | undefined =>
  host !== undefined ? { DOCKER_HOST: host } : undefined;

/** The caller's environment for a docker CLI call that talks to `host`. */
export const dockerEnv = (host: string | undefined): NodeJS.ProcessEnv => ({
  ...process.env,
  ...dockerHostEnv(host),
});

/**
 * The running container of a stack's service, found by its labels (components/container.ts sets
 * ownstack.stack and ownstack.service), not by name: a rolling service's name carries a revision
 * (config/rollout.ts), and during an update two revisions run. `docker ps` lists the newest first.
 */
export function runningContainerOf(
  settings: Pick<Settings, "stack" | "vps">,
  service: string,
  run: (args: string[]) => { status: number | null; stdout: string; stderr: string } = (args) =>
    spawnSync("docker", args, { encoding: "utf8", env: dockerEnv(dockerHostOf(settings)) }),
): string {
  const args = [
    "ps",
    "--filter",
    `label=ownstack.stack=${settings.stack}`,
    "--filter",
    `label=ownstack.service=${service}`,
    "--filter",
    "status=running",
    "--format",
    "{{.Names}}",
  ];
  const r = run(args);
  const name = r.stdout
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim();
  if (r.status === 0 && name !== undefined) return name;
  throw new OperatorError(
    `no running ${service} container of stack "${settings.stack}" (docker ${args.join(" ")}${r.status === 0 ? " listed none" : `: ${r.stderr.trim()}`}); start it with npm run up`,
  );
}
