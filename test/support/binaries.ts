import { spawnSync } from "node:child_process";

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
  if (process.env.CI === "true") throw new Error(`CI must provide ${why} for ${what}`);
  console.warn(`[skip] ${what}: ${why}`);
  return missing;
}
