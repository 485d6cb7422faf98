import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

/** Where skipped tests note what they miss; ./skipSummary.ts prints it after the run. */
export const SKIP_LOG = join(__dirname, "../../node_modules/.cache/ownstack/test-skips.jsonl");

/** Prints the skip notice and records it for the one-line summary at the end of `npm test`. */
export function noteSkip(what: string, why: string, aptPackage: string): void {
  console.warn(`[skip] ${what}: ${why}`);
  mkdirSync(dirname(SKIP_LOG), { recursive: true });
  appendFileSync(SKIP_LOG, `${JSON.stringify({ what, aptPackage })}\n`);
}

/**
 * A test file's requirement is missing: an error in CI (`CI=true`), where `.ci/run` installs
 * `aptPackage`; elsewhere the printed notice that also feeds the summary line at the end.
 */
export function skipOutsideCi(what: string, why: string, aptPackage: string): void {
  if (process.env.CI === "true") throw new Error(`CI must provide ${why} for ${what}`);
  noteSkip(what, why, aptPackage);
}

/**
 * Tests that run a Debian binary (psql, redis-server, promtool…) skip with a printed notice when
 * it is missing on a developer's machine, and fail in CI (`CI=true`), where `.ci/run` installs it.
 * Returns the names that are missing; call it at the top of the test file.
 */
export function missingBinaries(
  binaries: readonly string[],
  what: string,
  aptPackage: string,
): string[] {
  const missing = binaries.filter(
    (bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0,
  );
  if (missing.length === 0) return missing;
  const why = `${missing.join(" and ")} not installed (apt-get install ${aptPackage})`;
  skipOutsideCi(what, why, aptPackage);
  return missing;
}
