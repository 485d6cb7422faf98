/**
 * The logic of `npm run rollout-check`: keep asking the API the same few questions, one request
 * at a time per target, and record every answer that is not a success. During `pulumi up` on vps
 * a rolling service (config/rollout.ts) should answer throughout: its new revision is healthy and
 * routed before the old one is stopped. Pure apart from `fetch`, which the caller passes.
 */

export interface Probe {
  /** What the target is, e.g. "rest". */
  readonly name: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
}

export interface Failure {
  readonly probe: string;
  /** Milliseconds since the check started. */
  readonly atMs: number;
  /** The HTTP status, or the network error's message. */
  readonly what: string;
}

export interface RolloutReport {
  readonly requests: Record<string, number>;
  readonly failures: Failure[];
  readonly elapsedMs: number;
}

export interface HammerOptions {
  readonly probes: readonly Probe[];
  /** Pause between two requests of one probe, to keep the load modest. */
  readonly pauseMs: number;
  /** Per-request timeout: a request that hangs this long counts as failed. */
  readonly timeoutMs: number;
  /** Stops the run (Ctrl-C, --duration). */
  readonly signal: AbortSignal;
  /** Stops each probe after this many requests (tests). */
  readonly maxRequests?: number;
  readonly fetch?: typeof fetch;
  /** Called on each failure as it happens. */
  readonly onFailure?: (f: Failure) => void;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export async function hammer(opts: HammerOptions): Promise<RolloutReport> {
  const get = opts.fetch ?? fetch;
  const started = performance.now();
  const requests: Record<string, number> = {};
  const failures: Failure[] = [];
  const fail = (probe: string, what: string) => {
    const f = { probe, atMs: Math.round(performance.now() - started), what };
    failures.push(f);
    opts.onFailure?.(f);
  };
  await Promise.all(
    opts.probes.map(async (p) => {
      requests[p.name] = 0;
      while (!opts.signal.aborted && (opts.maxRequests ?? Infinity) > requests[p.name]) {
        requests[p.name]++;
        try {
          const res = await get(p.url, {
            headers: p.headers,
            signal: AbortSignal.timeout(opts.timeoutMs),
          });
          // Drain the body so the connection is reused.
          await res.arrayBuffer();
          if (res.status >= 500 || res.status === 404 || res.status === 429)
            fail(p.name, `HTTP ${res.status}`);
        } catch (err) {
          const e = err as Error & { cause?: { code?: string } };
          fail(p.name, e.cause?.code ?? e.message);
        }
        await pause(opts.pauseMs, opts.signal);
      }
    }),
  );
  return { requests, failures, elapsedMs: Math.round(performance.now() - started) };
}

/** The report as the script prints it. */
export function renderReport(r: RolloutReport): string {
  const total = Object.values(r.requests).reduce((a, b) => a + b, 0);
  const per = Object.entries(r.requests)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const head = `${total} requests in ${(r.elapsedMs / 1000).toFixed(1)} s (${per}): ${r.failures.length} failed`;
  return [
    head,
    ...r.failures.map((f) => `  ${(f.atMs / 1000).toFixed(2)} s  ${f.probe}: ${f.what}`),
  ].join("\n");
}
