import type { ImageKey } from "./images";
import type { Settings } from "./settings";

/**
 * Which accelerator Ollama gets, decided once. `decideGpu` is pure: it takes what
 * `systeminformation.graphics()` returned (or the error it threw), the host platform and the
 * configured mode, and returns the container shape with a sentence saying why. `detectOllamaGpu`
 * is the only place that reads the machine, and only for `local` with `ollamaGpu: auto`.
 */

export type GpuMode = "nvidia" | "amd" | "cpu";
export type GpuSetting = "auto" | GpuMode;

/** The fields of a `systeminformation` graphics controller that the decision reads. */
export interface GraphicsController {
  readonly vendor: string;
  readonly model?: string;
  readonly vendorId?: string;
}

export interface GraphicsProbe {
  readonly controllers: readonly GraphicsController[];
}

export interface GpuDevice {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly permissions: string;
}

export interface GpuDecision {
  readonly mode: GpuMode;
  readonly reason: string;
  /** Key into `settings.images`: the ROCm build for AMD, the plain image otherwise. */
  readonly image: Extract<ImageKey, "ollama" | "ollamaRocm">;
  /** Docker's `--gpus` value (a device request for every NVIDIA GPU). */
  readonly gpus?: "all";
  readonly devices: readonly GpuDevice[];
}

// ROCm needs the compute interface (/dev/kfd) and the render nodes (/dev/dri) (ollama docs/docker).
const ROCM_DEVICES: readonly GpuDevice[] = [
  { hostPath: "/dev/kfd", containerPath: "/dev/kfd", permissions: "rwm" },
  { hostPath: "/dev/dri", containerPath: "/dev/dri", permissions: "rwm" },
];

/** The container shape of each mode; `reason` says why the mode was chosen. */
export function gpuShape(mode: GpuMode, reason: string): GpuDecision {
  if (mode === "nvidia") return { mode, reason, image: "ollama", gpus: "all", devices: [] };
  if (mode === "amd") return { mode, reason, image: "ollamaRocm", devices: ROCM_DEVICES };
  return { mode, reason, image: "ollama", devices: [] };
}

type Vendor = "nvidia" | "amd" | "intel" | "apple" | "other";

/** PCI vendor ids (Linux reports names, macOS ids such as 0x10de) and vendor names. */
function vendorOf(c: GraphicsController): Vendor {
  const id = (c.vendorId ?? "").toLowerCase().replace(/^0x/, "");
  const text = `${c.vendor} ${c.model ?? ""}`.toLowerCase();
  if (id === "10de" || /\bnvidia\b/.test(text)) return "nvidia";
  if (id === "1002" || /advanced micro devices|\bamd\b|\bati\b|\bradeon\b/.test(text)) return "amd";
  if (id === "8086" || /\bintel\b/.test(text)) return "intel";
  if (id === "106b" || id === "05ac" || /\bapple\b/.test(text)) return "apple";
  return "other";
}

const describe = (c: GraphicsController) =>
  [c.vendor, c.model]
    .filter((s) => s && s.trim() !== "")
    .join(" ")
    .trim() || "unnamed controller";

/**
 * The decision table. An explicit mode wins. For `auto`: NVIDIA anywhere → the GPU device request
 * (NVIDIA outranks an integrated GPU on hybrid laptops); else AMD on a Linux host → ROCm; else CPU.
 * A failed query falls back to CPU, because a wrong GPU request makes the container fail to start.
 */
export function decideGpu(
  setting: GpuSetting,
  probe: GraphicsProbe | Error | undefined,
  platform: string = "linux",
): GpuDecision {
  if (setting !== "auto") return gpuShape(setting, `set by ownstack:ollamaGpu=${setting}`);
  if (probe === undefined) return gpuShape("cpu", "no graphics query was made");
  if (probe instanceof Error)
    return gpuShape(
      "cpu",
      `the graphics query failed (${probe.message}); set ownstack:ollamaGpu to nvidia or amd to use a GPU`,
    );

  const found = probe.controllers.map((c) => ({ c, vendor: vendorOf(c) }));
  if (found.length === 0)
    return gpuShape(
      "cpu",
      "no graphics controller was reported (on Linux, systeminformation needs lspci from pciutils)",
    );
  const list = found.map((f) => describe(f.c)).join(", ");

  const nvidia = found.find((f) => f.vendor === "nvidia");
  if (nvidia) {
    if (platform === "darwin")
      return gpuShape("cpu", `found ${list}, but Docker on macOS cannot pass a GPU to containers`);
    return gpuShape(
      "nvidia",
      `found ${describe(nvidia.c)}; needs the NVIDIA Container Toolkit, else set ownstack:ollamaGpu=cpu`,
    );
  }
  const amd = found.find((f) => f.vendor === "amd");
  if (amd) {
    if (platform !== "linux")
      return gpuShape(
        "cpu",
        `found ${list}, but ROCm devices can be passed to containers only on a Linux host`,
      );
    return gpuShape(
      "amd",
      `found ${describe(amd.c)}; uses the ROCm image with /dev/kfd and /dev/dri`,
    );
  }
  if (found.some((f) => f.vendor === "apple"))
    return gpuShape("cpu", `found ${list}; Docker cannot use Apple GPUs`);
  return gpuShape("cpu", `found ${list}; Ollama has no supported GPU path for it here`);
}

/** Reads the graphics controllers of this machine; only called when the decision needs it. */
export async function queryGraphics(): Promise<GraphicsProbe | Error> {
  try {
    const si = await import("systeminformation");
    return await si.graphics();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * The decision for a stack. Only `local` with `auto` probes, and only when Docker runs on this
 * machine: on vps (or any remote daemon) this laptop's GPU says nothing about the server, and
 * settings already require an explicit mode there.
 */
export async function detectOllamaGpu(
  settings: Pick<Settings, "target" | "ollama" | "vps">,
  query: () => Promise<GraphicsProbe | Error> = queryGraphics,
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: string = process.platform,
): Promise<GpuDecision> {
  const setting = settings.ollama.gpu;
  if (setting !== "auto") return decideGpu(setting, undefined, platform);
  const remote =
    settings.vps.dockerHost !== ""
      ? settings.vps.dockerHost
      : /^(ssh|tcp):\/\//.test(env.DOCKER_HOST ?? "")
        ? env.DOCKER_HOST
        : undefined;
  if (settings.target !== "local" || remote !== undefined)
    return gpuShape(
      "cpu",
      `Docker runs on ${remote ?? "the server"}, not this machine; set ownstack:ollamaGpu to nvidia or amd to use its GPU`,
    );
  return decideGpu("auto", await query(), platform);
}
