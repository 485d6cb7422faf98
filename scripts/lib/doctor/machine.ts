import { enabledServices, peakMemoryMiB, rolloutOverlapMiB } from "../../../config/budget";
import { plannedBindings } from "../../../config/exposure";
import type { Settings } from "../../../config/settings";
import type { Check } from "./check";
import type { DockerProbe, DoctorContext, Probes } from "./inputs";

/** The checks of what the machine has: memory for the limits, disk for the images, free ports. */

// Rule of thumb: the pinned images of the full local stack take about 8 GiB before any data or
// Ollama model; below 10 GiB the first pull fails half way.
const DISK_FAIL_MIB = 10 * 1024;
const DISK_WARN_MIB = 30 * 1024;

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

export async function memoryCheck(
  settings: Settings,
  probes: Probes,
  docker: DockerProbe,
  host: string | undefined,
): Promise<Check> {
  const base = { id: "memory", label: "Memory" };
  // On vps a rollout runs two revisions of the rolling services: the peak must fit.
  const budget = peakMemoryMiB(settings);
  const overlap = rolloutOverlapMiB(settings);
  const largest = enabledServices(settings).sort(
    (a, b) => settings.memoryMiB[b] - settings.memoryMiB[a],
  )[0];
  const fix =
    `lower a limit, e.g. \`pulumi config set -s ${settings.stack} --path 'memoryLimits[0]' ${largest}=${Math.max(64, Math.floor(settings.memoryMiB[largest] / 2))}MiB\`, ` +
    `or turn off services you do not need (e.g. \`pulumi config set -s ${settings.stack} ollama false\`)`;
  const limits =
    overlap > 0
      ? `the enabled services' memory limits add up to ${gib(budget - overlap)}, ${gib(budget)} while an update runs old and new revisions side by side`
      : `the enabled services' memory limits add up to ${gib(budget)}`;
  if (host !== undefined) {
    if (docker.memTotalMiB === undefined)
      return {
        ...base,
        status: "skip",
        detail: `skipped: the server's memory is known once its Docker daemon answers; ${limits}`,
      };
    return docker.memTotalMiB < budget
      ? {
          ...base,
          status: "fail",
          detail: `the server has ${gib(docker.memTotalMiB)}, but ${limits}`,
          fix,
        }
      : { ...base, status: "ok", detail: `the server has ${gib(docker.memTotalMiB)}; ${limits}` };
  }
  const mem = await probes.memory();
  if (mem.totalMiB < budget)
    return {
      ...base,
      status: "fail",
      detail: `${gib(mem.totalMiB)} RAM in total, but ${limits}`,
      fix,
    };
  if (mem.availableMiB < budget)
    return {
      ...base,
      status: "warn",
      detail: `${gib(mem.availableMiB)} RAM free now, but ${limits}`,
      fix: "close other programs before `npm run up`, or lower limits: " + fix,
    };
  return { ...base, status: "ok", detail: `${gib(mem.availableMiB)} RAM free; ${limits}` };
}

export async function diskCheck(
  probes: Probes,
  docker: DockerProbe,
  host: string | undefined,
  ctx: DoctorContext,
): Promise<Check> {
  const base = { id: "disk", label: "Disk" };
  if (host !== undefined)
    return {
      ...base,
      status: "skip",
      detail: `skipped: Docker keeps its data on ${host}; check there with \`docker system df\` and \`df -h\``,
    };
  const root = docker.rootDir ?? ctx.defaultDockerRoot;
  const disk = await probes.diskFree(root);
  if (disk === undefined)
    return { ...base, status: "warn", detail: `could not read free space for ${root}` };
  const detail = `${gib(disk.freeMiB)} free on ${disk.mount} (Docker root ${root})`;
  const fix =
    "free space (`docker system prune` removes unused images) or move Docker's data root to a larger disk";
  if (disk.freeMiB < DISK_FAIL_MIB)
    return { ...base, status: "fail", detail: `${detail}; the images alone need about 8 GiB`, fix };
  if (disk.freeMiB < DISK_WARN_MIB)
    return {
      ...base,
      status: "warn",
      detail: `${detail}; data and Ollama models will need more`,
      fix,
    };
  return { ...base, status: "ok", detail };
}

export async function portChecks(
  settings: Settings,
  probes: Probes,
  docker: DockerProbe,
  host: string | undefined,
  where: string,
): Promise<Check[]> {
  const bindings = plannedBindings(settings);
  if (host !== undefined)
    return [
      {
        id: "ports",
        label: "Ports",
        status: "skip",
        detail: `skipped: ports ${bindings.map((b) => b.external).join(", ")} are bound on ${where}`,
      },
    ];
  const ours =
    docker.state === "running"
      ? await probes.ownPorts(settings.stack, host)
      : new Map<number, string>();
  const checks: Check[] = [];
  for (const b of bindings) {
    const base = { id: `port:${b.external}`, label: `Port ${b.external}` };
    const owner = ours.get(b.external);
    if (owner !== undefined) {
      checks.push({ ...base, status: "ok", detail: `${b.purpose}: already ours (${owner})` });
      continue;
    }
    const state = await probes.port(b.ip, b.external);
    const key = Object.entries(settings.ports).find(([, p]) => p === b.external)?.[0];
    const move =
      key && settings.target === "local"
        ? `, or move it: \`pulumi config set -s ${settings.stack} ${key}Port <free port>\``
        : "";
    if (state === "free")
      checks.push({ ...base, status: "ok", detail: `${b.purpose}: free on ${b.ip}` });
    else if (state === "in-use")
      checks.push({
        ...base,
        status: "fail",
        detail: `${b.purpose}: in use by another program on ${b.ip}`,
        fix: `stop what listens there (\`sudo lsof -i :${b.external}\`)${move}`,
      });
    else
      checks.push({
        ...base,
        status: "warn",
        detail: `${b.purpose}: cannot test without root privileges`,
        fix: `make sure nothing listens there (\`sudo lsof -i :${b.external}\`)`,
      });
  }
  return checks;
}
