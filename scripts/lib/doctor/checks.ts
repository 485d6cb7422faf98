import { memoryBudgetMiB, enabledServices } from "../../../config/budget";
import { plannedBindings } from "../../../config/exposure";
import type { GpuDecision } from "../../../config/gpu";
import type { Settings } from "../../../config/settings";
import { dockerHostOf } from "../docker";
import { upCommand } from "../project";
import { PULUMI_INSTALL_HINT } from "../pulumi";
import { BackupProbe, backupChecks } from "./backup";
import type { Check, Status } from "./check";

/**
 * `npm run doctor`: every check is a pure function of the settings and what the probes found, so
 * tests hand in fake probe results for each blocker. The real probes are in ./probes.ts.
 */

export interface DockerProbe {
  readonly state: "missing" | "stopped" | "running";
  readonly client?: string;
  readonly server?: string;
  readonly rootDir?: string;
  readonly memTotalMiB?: number;
  /** Why the daemon was unreachable, as Docker said it. */
  readonly error?: string;
}

/** `denied`: binding needs privileges we lack (ports below 1024), so we cannot tell. */
export type PortState = "free" | "in-use" | "denied";

export interface Probes {
  docker(host: string | undefined): Promise<DockerProbe>;
  /** Host ports published by this stack's running containers, with the service publishing each. */
  ownPorts(stack: string, host: string | undefined): Promise<ReadonlyMap<number, string>>;
  memory(): Promise<{ totalMiB: number; availableMiB: number }>;
  diskFree(path: string): Promise<{ mount: string; freeMiB: number } | undefined>;
  port(ip: string, port: number): Promise<PortState>;
  gpu(settings: Settings): Promise<GpuDecision>;
  pulumi(): Promise<string | undefined>;
  /** Permission bits of a file, or undefined when it does not exist. */
  fileMode(path: string): Promise<number | undefined>;
  /** The backup scheduler's state (./backup.ts); absent in fakes that do not test it. */
  backup?(settings: Settings, host: string | undefined): Promise<BackupProbe>;
}

export type { Check, Status } from "./check";

export interface DoctorReport {
  readonly stack: string;
  readonly target: Settings["target"];
  readonly ok: boolean;
  readonly blockers: number;
  readonly checks: readonly Check[];
}

export interface DoctorContext {
  readonly passphraseFile: string;
  /** Where Docker keeps images and volumes when the daemon cannot tell us (it is not running). */
  readonly defaultDockerRoot: string;
}

// Rule of thumb: the pinned images of the full local stack take about 8 GiB before any data or
// Ollama model; below 10 GiB the first pull fails half way.
const DISK_FAIL_MIB = 10 * 1024;
const DISK_WARN_MIB = 30 * 1024;

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;
const mode = (m: number) => `0${(m & 0o777).toString(8)}`;

/** What every check gets: the stack's settings, the probes, and what Docker answered. */
export interface CheckInput {
  readonly settings: Settings;
  readonly probes: Probes;
  readonly ctx: DoctorContext;
  readonly docker: DockerProbe;
  /** The stack's remote Docker host; undefined for this machine. */
  readonly host: string | undefined;
}

/** One line (or several) of the report. A new check is one more entry in DOCTOR_CHECKS. */
export type DoctorCheck = (input: CheckInput) => Promise<Check | readonly Check[] | undefined>;

export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  async ({ docker, host }) => dockerCheck(docker, host),
  ({ settings, probes, docker, host }) => memoryCheck(settings, probes, docker, host),
  ({ probes, docker, host, ctx }) => diskCheck(probes, docker, host, ctx),
  ({ settings, probes, docker, host }) =>
    portChecks(settings, probes, docker, host, host ?? "this machine"),
  gpuCheck,
  pulumiCheck,
  async ({ settings, probes, ctx }) =>
    passphraseCheck(await probes.fileMode(ctx.passphraseFile), ctx.passphraseFile, settings.stack),
  async ({ settings, probes, docker, host }) =>
    probes.backup && docker.state === "running"
      ? backupChecks(settings, await probes.backup(settings, host))
      : undefined,
];

/** Runs the checks in order (Docker is probed once, first: most checks depend on it). */
export async function diagnose(
  settings: Settings,
  probes: Probes,
  ctx: DoctorContext,
  extra: readonly DoctorCheck[] = [],
): Promise<DoctorReport> {
  const host = dockerHostOf(settings);
  const input: CheckInput = { settings, probes, ctx, docker: await probes.docker(host), host };
  const checks: Check[] = [];
  for (const check of [...DOCTOR_CHECKS, ...extra]) {
    const result = await check(input);
    if (result !== undefined) checks.push(...(Array.isArray(result) ? result : [result as Check]));
  }
  const blockers = checks.filter((c) => c.status === "fail").length;
  return { stack: settings.stack, target: settings.target, ok: blockers === 0, blockers, checks };
}

async function gpuCheck({ settings, probes }: CheckInput): Promise<Check | undefined> {
  if (!settings.features.ollama) return undefined;
  const gpu = await probes.gpu(settings);
  const runsOn = gpu.mode === "cpu" ? "CPU" : `${gpu.mode === "nvidia" ? "NVIDIA" : "AMD"} GPU`;
  return {
    id: "gpu",
    label: "GPU",
    status: "ok",
    detail: `Ollama runs on ${runsOn}: ${gpu.reason}`,
  };
}

async function pulumiCheck({ probes }: CheckInput): Promise<Check> {
  const pulumi = await probes.pulumi();
  return pulumi === undefined
    ? {
        id: "pulumi",
        label: "Pulumi CLI",
        status: "fail",
        detail: "Pulumi CLI not installed",
        fix: PULUMI_INSTALL_HINT,
      }
    : { id: "pulumi", label: "Pulumi CLI", status: "ok", detail: `Pulumi ${pulumi}` };
}

function dockerCheck(docker: DockerProbe, host: string | undefined): Check {
  const base = { id: "docker", label: "Docker" };
  if (docker.state === "missing")
    return {
      ...base,
      status: "fail",
      detail: "Docker not installed",
      fix: "Install Docker Desktop (macOS, Windows) or Docker Engine (Linux): https://docs.docker.com/engine/install/",
    };
  if (docker.state === "stopped")
    return {
      ...base,
      status: "fail",
      detail: `Docker not running: client ${docker.client ?? "?"} is installed, but no daemon answers at ${host ?? "the local socket"}${docker.error ? ` (${docker.error})` : ""}`,
      fix: host
        ? `check that \`ssh ${host.replace(/^ssh:\/\//, "")} docker info\` works with key auth`
        : "start Docker Desktop, or `sudo systemctl start docker` on Linux",
    };
  return {
    ...base,
    status: "ok",
    detail: `Docker ${docker.server ?? "?"} (client ${docker.client ?? "?"})${host ? ` on ${host}` : ""}`,
  };
}

async function memoryCheck(
  settings: Settings,
  probes: Probes,
  docker: DockerProbe,
  host: string | undefined,
): Promise<Check> {
  const base = { id: "memory", label: "Memory" };
  const budget = memoryBudgetMiB(settings);
  const largest = enabledServices(settings).sort(
    (a, b) => settings.memoryMiB[b] - settings.memoryMiB[a],
  )[0];
  const fix =
    `lower a limit, e.g. \`pulumi config set -s ${settings.stack} --path 'memoryLimits[0]' ${largest}=${Math.max(64, Math.floor(settings.memoryMiB[largest] / 2))}MiB\`, ` +
    `or turn off services you do not need (e.g. \`pulumi config set -s ${settings.stack} ollama false\`)`;
  const limits = `the enabled services' memory limits add up to ${gib(budget)}`;
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

async function diskCheck(
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

async function portChecks(
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

function passphraseCheck(fileMode: number | undefined, file: string, stack: string): Check {
  const base = { id: "passphrase", label: "Passphrase" };
  if (fileMode === undefined)
    return {
      ...base,
      status: "warn",
      detail: `${file} does not exist yet`,
      fix: `\`${upCommand(stack)}\` creates it with mode 0600; keep a copy, it decrypts the stack's secrets`,
    };
  if ((fileMode & 0o077) !== 0)
    return {
      ...base,
      status: "fail",
      detail: `${file} is readable by others (mode ${mode(fileMode)})`,
      fix: `chmod 600 ${file}`,
    };
  return { ...base, status: "ok", detail: `${file} has mode ${mode(fileMode)}` };
}

const SYMBOL: Record<Status, string> = { ok: "✓", warn: "!", fail: "✗", skip: "–" };

/** The table doctor prints: one line per check, its fix on the next line. */
export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.label.length));
  const lines = [`ownstack doctor: stack ${report.stack} (${report.target})`, ""];
  for (const c of report.checks) {
    lines.push(`  ${SYMBOL[c.status]} ${c.label.padEnd(width)}  ${c.detail}`);
    if (c.fix && c.status !== "ok") lines.push(`  ${" ".repeat(width + 2)}  fix: ${c.fix}`);
  }
  lines.push("");
  lines.push(
    report.ok
      ? "No blockers."
      : `${report.blockers} blocker${report.blockers === 1 ? "" : "s"}: fix the ✗ lines, then run \`npm run doctor -- -s ${report.stack}\` again.`,
  );
  return lines.join("\n");
}
