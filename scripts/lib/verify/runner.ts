/**
 * The smoke-test runner behind `npm run verify`: steps run in order, each timed and bounded by a
 * timeout; a step whose prerequisite failed is skipped, not run against half a setup; whatever
 * the steps created is cleaned up at the end (last created, first removed), failed run or not.
 */

export type Outcome = "pass" | "fail" | "skip";

export interface StepResult {
  readonly name: string;
  readonly status: Outcome;
  readonly ms: number;
  readonly detail: string;
}

/** Registers an undo for something a step created; it runs even if a later step fails. */
export type AddCleanup = (label: string, undo: () => Promise<unknown>) => void;

export interface Step<C> {
  readonly name: string;
  /** Steps that must have passed first. */
  readonly needs?: readonly string[];
  /** A reason to skip (e.g. the service is not enabled), or undefined to run. */
  readonly skipIf?: (ctx: C) => string | undefined;
  /** Resolves with a short detail for the checklist; throws to fail. */
  run(ctx: C, cleanup: AddCleanup): Promise<string | void>;
}

export interface VerifyReport {
  readonly steps: readonly StepResult[];
  readonly cleanup: readonly StepResult[];
  readonly ok: boolean;
  readonly ms: number;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Called as each step finishes, so a long run shows progress. */
  readonly onResult?: (r: StepResult) => void;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

async function timed(
  fn: () => Promise<string | void>,
  timeoutMs: number,
  now: () => number,
): Promise<{ status: Outcome; ms: number; detail: string }> {
  const start = now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
  });
  try {
    const detail = await Promise.race([fn(), timeout]);
    return { status: "pass", ms: now() - start, detail: detail ?? "" };
  } catch (err) {
    return { status: "fail", ms: now() - start, detail: message(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function runSteps<C>(
  steps: readonly Step<C>[],
  ctx: C,
  opts: RunOptions = {},
): Promise<VerifyReport> {
  const now = opts.now ?? (() => performance.now());
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const start = now();
  const results: StepResult[] = [];
  const undo: { label: string; fn: () => Promise<unknown> }[] = [];
  const passed = new Set<string>();
  const report = (r: StepResult, into: StepResult[]) => {
    into.push(r);
    opts.onResult?.(r);
  };

  for (const step of steps) {
    const skip = step.skipIf?.(ctx);
    const missing = (step.needs ?? []).filter((n) => !passed.has(n));
    if (skip !== undefined || missing.length > 0) {
      report(
        { name: step.name, status: "skip", ms: 0, detail: skip ?? `needs ${missing.join(", ")}` },
        results,
      );
      continue;
    }
    const r = await timed(
      () => step.run(ctx, (label, fn) => undo.push({ label, fn })),
      timeoutMs,
      now,
    );
    if (r.status === "pass") passed.add(step.name);
    report({ name: step.name, ...r }, results);
  }

  const cleanup: StepResult[] = [];
  for (const { label, fn } of undo.reverse())
    report(
      {
        name: `cleanup: ${label}`,
        ...(await timed(async () => void (await fn()), timeoutMs, now)),
      },
      cleanup,
    );
  const ok = [...results, ...cleanup].every((r) => r.status !== "fail");
  return { steps: results, cleanup, ok, ms: now() - start };
}

const SYMBOL: Record<Outcome, string> = { pass: "✓", fail: "✗", skip: "–" };
const duration = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;

/** One line per step: mark, name, time, detail; then the verdict. */
export function formatChecklist(report: VerifyReport): string {
  const all = [...report.steps, ...report.cleanup];
  const width = Math.max(...all.map((r) => r.name.length), 0);
  const lines = all.map((r) =>
    `  ${SYMBOL[r.status]} ${r.name.padEnd(width)}  ${(r.status === "skip" ? "" : duration(r.ms)).padStart(7)}  ${r.detail}`.trimEnd(),
  );
  const failed = all.filter((r) => r.status === "fail").length;
  lines.push(
    "",
    report.ok
      ? `All checks passed in ${duration(report.ms)}.`
      : `${failed} check${failed === 1 ? "" : "s"} failed (${duration(report.ms)}).`,
  );
  return lines.join("\n");
}
