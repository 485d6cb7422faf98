import type { Settings } from "../../../config/settings";
import { dockerHostOf } from "../docker";
import { upCommand } from "../project";
import { PULUMI_INSTALL_HINT } from "../pulumi";
import { backupChecks } from "./backup";
import type { Check, Status } from "./check";
import type { CheckInput, DockerProbe, DoctorContext, DoctorReport, Probes } from "./inputs";
import { diskCheck, memoryCheck, portChecks } from "./machine";

/**
 * `npm run doctor`: every check is a pure function of the settings and what the probes found, so
 * tests hand in fake probe results for each blocker. The real probes are in ./probes.ts.
 */

const mode = (m: number) => `0${(m & 0o777).toString(8)}`;

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
