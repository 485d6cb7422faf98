import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Folders that must not outlive this process: a decrypted dump, a half-written backup. `finally`
 * does not run when Ctrl-C or SIGTERM ends Node, so they are also removed from signal handlers,
 * which then re-raise the signal so the process still ends the way it was told to.
 */

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const owned = new Set<string>();

function removeAll(): void {
  for (const path of owned) rmSync(path, { recursive: true, force: true });
  owned.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on("exit", removeAll);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off("exit", removeAll);
}

/** Removes `path` on every exit path until the returned function is called (which removes it too unless `keep`). */
export function removeOnExit(path: string): (opts?: { keep?: boolean }) => void {
  if (owned.size === 0) install();
  owned.add(path);
  return ({ keep = false } = {}) => {
    owned.delete(path);
    if (!keep) rmSync(path, { recursive: true, force: true });
    if (owned.size === 0) uninstall();
  };
}

/** A private (0700) temporary folder that is gone when `use` settles or a signal ends the process. */
export async function withPrivateDir<T>(
  prefix: string,
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const release = removeOnExit(dir);
  try {
    return await use(dir);
  } finally {
    release();
  }
}
