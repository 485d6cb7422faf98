import type { GpuDecision } from "../../../config/gpu";
import type { Settings } from "../../../config/settings";
import type { BackupProbe } from "./backup";
import type { Check } from "./check";

/**
 * What the doctor's checks read: what the probes found on this machine (or the stack's server)
 * and the run's context. Tests hand in fakes of these for each blocker.
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

/** What every check gets: the stack's settings, the probes, and what Docker answered. */
export interface CheckInput {
  readonly settings: Settings;
  readonly probes: Probes;
  readonly ctx: DoctorContext;
  readonly docker: DockerProbe;
  /** The stack's remote Docker host; undefined for this machine. */
  readonly host: string | undefined;
}
