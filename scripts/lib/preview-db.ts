import { REPLACING_INPUTS, replacesContainer, topLevelInput } from "../../config/containerInputs";
import { PreviewDigest, PreviewStep, ResourceStateV3, parseUrn } from "./preview-json";

/**
 * The db container's replacement, spelled out: which inputs force it (the engine's
 * replaceReasons, read against the provider's ForceNew list in config/containerInputs.ts) and how
 * the running Postgres will be stopped (the stop signal and destroy grace in its current state).
 * Pure: no Pulumi, no I/O.
 */

const CONTAINER = "docker:index/container:Container";
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

export interface DbReplacement {
  readonly name: string;
  /** Inputs whose change replaces it; empty when the preview does not say. */
  readonly because: string[];
  /** How the running container is stopped: from its state, as the provider's delete reads it. */
  readonly stopSignal?: string;
  readonly graceSeconds?: number;
  /** The running container's name, for the `docker stop` advice. */
  readonly containerName?: string;
}

function serviceLabel(state: ResourceStateV3 | undefined): string | undefined {
  const labels = state?.inputs?.labels;
  if (!Array.isArray(labels)) return undefined;
  const found = labels.find(
    (l: { label?: unknown }) =>
      l !== null && typeof l === "object" && l.label === "ownstack.service",
  ) as { value?: unknown } | undefined;
  return typeof found?.value === "string" ? found.value : undefined;
}

/** The db's long-running container: labelled ownstack.service=db, or named as index.ts names it. */
export function isDbContainer(step: PreviewStep): boolean {
  const { type, name } = parseUrn(step.urn);
  if (type !== CONTAINER) return false;
  const label = serviceLabel(step.oldState) ?? serviceLabel(step.newState);
  return label !== undefined ? label === "db" : name === "db-container";
}

const numberOf = (v: unknown) => (typeof v === "number" ? v : undefined);
const textOf = (v: unknown) => (typeof v === "string" ? v : undefined);

export function dbReplacements(digest: PreviewDigest): DbReplacement[] {
  const out = new Map<string, DbReplacement>();
  for (const step of digest.steps ?? []) {
    if (!REPLACE_OPS.has(step.op) || !isDbContainer(step) || out.has(step.urn)) continue;
    const reasons = step.replaceReasons ?? step.diffReasons ?? [];
    const old = step.oldState?.inputs ?? {};
    out.set(step.urn, {
      name: parseUrn(step.urn).name,
      because: [...new Set(reasons.filter(replacesContainer).map(topLevelInput))].sort(),
      stopSignal: textOf(old.stopSignal),
      graceSeconds: numberOf(old.destroyGraceSeconds),
      containerName: textOf(old.name),
    });
  }
  // A create-replacement step carries no old state; its delete-replaced half does.
  for (const step of digest.steps ?? [])
    if (step.op === "delete-replaced" && out.has(step.urn)) {
      const r = out.get(step.urn)!;
      const old = step.oldState?.inputs ?? {};
      out.set(step.urn, {
        ...r,
        stopSignal: r.stopSignal ?? textOf(old.stopSignal),
        graceSeconds: r.graceSeconds ?? numberOf(old.destroyGraceSeconds),
        containerName: r.containerName ?? textOf(old.name),
      });
    }
  return [...out.values()];
}

/** One bold line per db replacement, for the preview summary. */
export function dbReplacementLines(digest: PreviewDigest): string[] {
  return dbReplacements(digest).map((r) => {
    const because =
      r.because.length > 0
        ? `because ${r.because.map((b) => `\`${b}\``).join(", ")} changed`
        : `(the preview names no reason; any of ${REPLACING_INPUTS.length} inputs such as \`image\`, \`envs\`, \`volumes\` or \`command\` does it)`;
    const stop =
      r.graceSeconds !== undefined && r.graceSeconds > 0
        ? `the running Postgres gets ${r.stopSignal ?? "its image's stop signal"} with ${r.graceSeconds} s grace`
        : "the running Postgres was declared without a stop grace, so the provider kills it at once (SIGKILL, crash recovery on the next start): " +
          `stop it first with \`docker stop --signal SIGINT --time 120 ${r.containerName ?? "<prefix>-db"}\``;
    return `> **⚠️ db will be replaced ${because}; ${stop}.**`;
  });
}
