import type { Settings } from "../../config/settings";

/**
 * The Docker daemon a stack runs on, for scripts that call the docker CLI: the stack's
 * `dockerHost` (ssh:// or tcp://), else the caller's own DOCKER_HOST or local socket.
 */
export const dockerHostOf = (settings: Settings): string | undefined =>
  settings.vps.dockerHost !== "" ? settings.vps.dockerHost : undefined;

/** Variables to add to a docker CLI call's environment so it talks to `host`. */
export const dockerHostEnv = (host: string | undefined): Record<string, string> | undefined =>
  host !== undefined ? { DOCKER_HOST: host } : undefined;

/** The caller's environment for a docker CLI call that talks to `host`. */
export const dockerEnv = (host: string | undefined): NodeJS.ProcessEnv => ({
  ...process.env,
  ...dockerHostEnv(host),
});
