import { ChildProcess, spawn } from "node:child_process";
import { PortTakenError } from "./ports";

/**
 * Debian's HAProxy in master-worker mode on a rendered config: resolves with the process once the
 * master reports that its worker loaded the config; rejects when it exits first, with
 * PortTakenError when `port` was taken meanwhile (test/support/ports.ts's onFreePort retries).
 */
export function startHaproxy(cfg: string, port: number): Promise<ChildProcess> {
  const child = spawn("haproxy", ["-W", "-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes("Loading success.")) {
        child.off("exit", onExit);
        resolve(child);
      }
    };
    const onExit = () =>
      reject(
        /cannot bind socket|Address already in use/.test(log)
          ? new PortTakenError(`port ${port} is taken`)
          : new Error(`haproxy exited: ${log}`),
      );
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
  });
}
