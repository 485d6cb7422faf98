import { z } from "zod";
import { KUBE_LABEL } from "./kubernetesMonitoring";
import { text } from "./valueTypes";

/**
 * Where Ollama's pod runs on a kubernetes stack: how many GPUs it asks the device plugin for, and
 * the node selector and tolerations that put it on the GPU nodes. Pure, like the rest of config/.
 */

const GPU_COUNT = "expected a whole number of GPUs between 1 and 16";
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
// A taint as `kubectl taint` writes it, without the trailing "-": key[=value][:Effect].
const TOLERATION =
  /^(?<key>([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)(=(?<value>[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?))?(:(?<effect>NoSchedule|PreferNoSchedule|NoExecute))?$/;

export const kubernetesOllamaShape = {
  ollamaGpuCount: z
    .number({ error: GPU_COUNT })
    .int(GPU_COUNT)
    .min(1, GPU_COUNT)
    .max(16, GPU_COUNT)
    .default(1),
  ollamaNodeSelector: z
    .array(
      text('expected "key=value" node labels such as "nvidia.com/gpu.present=true"', (v) =>
        KUBE_LABEL.test(v),
      ),
      { error: 'expected a list such as ["nvidia.com/gpu.present=true"]' },
    )
    .default([]),
  ollamaTolerations: z
    .array(
      text(
        `expected taints as kubectl writes them, key[=value][:effect] with effect one of ${EFFECTS.join(", ")}, such as "nvidia.com/gpu:NoSchedule"`,
        (v) => TOLERATION.test(v),
      ),
      { error: 'expected a list such as ["nvidia.com/gpu:NoSchedule"]' },
    )
    .default([]),
} as const;

/** A pod toleration (core/v1 Toleration): Exists without a value, Equal with one. */
export interface OllamaToleration {
  readonly key: string;
  readonly operator: "Equal" | "Exists";
  readonly value?: string;
  /** Absent: tolerates the key with every effect. */
  readonly effect?: (typeof EFFECTS)[number];
}

export interface KubernetesOllama {
  /** `nvidia.com/gpu` or `amd.com/gpu` requested (and limited) with ollamaGpu nvidia or amd. */
  readonly gpuCount: number;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly OllamaToleration[];
}

type Raw = {
  [K in keyof typeof kubernetesOllamaShape]: z.output<(typeof kubernetesOllamaShape)[K]>;
};

/** `nvidia.com/gpu:NoSchedule` as a toleration; the entry passed the schema's pattern. */
export function toleration(entry: string): OllamaToleration {
  const { key, value, effect } = TOLERATION.exec(entry)!.groups!;
  return {
    key,
    operator: value === undefined ? "Exists" : "Equal",
    ...(value !== undefined ? { value } : {}),
    ...(effect !== undefined ? { effect: effect as OllamaToleration["effect"] } : {}),
  };
}

export function kubernetesOllama(c: Raw): KubernetesOllama {
  return {
    gpuCount: c.ollamaGpuCount,
    nodeSelector: Object.fromEntries(
      [...c.ollamaNodeSelector].sort().map((entry) => entry.split("=", 2) as [string, string]),
    ),
    tolerations: [...c.ollamaTolerations].sort().map(toleration),
  };
}

/**
 * Placement keys changed from their defaults off kubernetes, or a GPU count without a GPU: one
 * problem naming the key. Compared with the defaults, because the Pulumi CLI passes them in.
 */
export function ollamaPlacementProblems(
  c: Raw & { readonly target: string; readonly ollamaGpu: string },
): string[] {
  const key = (k: string) => `ownstack:${k}`;
  const changed = {
    ollamaGpuCount: c.ollamaGpuCount !== 1,
    ollamaNodeSelector: c.ollamaNodeSelector.length > 0,
    ollamaTolerations: c.ollamaTolerations.length > 0,
  };
  if (c.target !== "kubernetes")
    return Object.entries(changed)
      .filter(([, on]) => on)
      .map(
        ([k]) =>
          `${key(k)}: only read on target kubernetes (Docker passes every GPU of the host), expected no ${k} on the ${c.target} stack`,
      );
  if (changed.ollamaGpuCount && c.ollamaGpu !== "nvidia" && c.ollamaGpu !== "amd")
    return [
      `${key("ollamaGpuCount")}: only read with ${key("ollamaGpu")} nvidia or amd, expected no ollamaGpuCount with ollamaGpu ${c.ollamaGpu}`,
    ];
  return [];
}
