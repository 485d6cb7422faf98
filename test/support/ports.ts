import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports for servers the tests start as child processes (Postgres, redis-server), which cannot be
 * handed an already-bound socket. Asking the kernel for port 0 and closing it again races: the
 * kernel hands the same ephemeral port to the next `listen(0)` or outgoing connection. So the
 * port comes from below the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range,
 * 32768–60999 by default; macOS and Windows start at 49152), where the kernel never assigns
 * one on its own; and `onFreePort` starts again on another port when the server still lost the
 * port to someone else. A server written in Node listens on port 0 and reads its address instead.
 */

const LOWEST = 20_000;
const taken = new Set<number>();

function ephemeralStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && low > LOWEST + 1000) return low;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152; 32768 stays below both.
  }
  return 32_768;
}

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });

/** A port on 127.0.0.1 that is free now and that no other call in this process got. */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (taken.has(port) || !(await canBind(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${high} on 127.0.0.1`);
}

/** Thrown by a start function when its server could not bind the port it was given. */
export class PortTakenError extends Error {}

/** Runs `start` on a free port, and again on another one when the port was taken meanwhile. */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= attempts) throw err;
    }
  }
}
