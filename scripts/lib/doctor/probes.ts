import { existsSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import * as si from "systeminformation";
import { detectOllamaGpu } from "../../../config/gpu";
import { dockerEnv } from "../docker";
import { Exec, exec, firstErrorLine, pulumiVersion } from "../pulumi";
import { probeBackup } from "./backup";
import type { DockerProbe, PortState, Probes } from "./inputs";

const MIB = 1024 * 1024;

/** Docker's client version, then whether its daemon answers (`docker info` exits 1 when not). */
export function probeDocker(host: string | undefined, run: Exec = exec): DockerProbe {
  const version = run("docker", ["version", "--format", "{{.Client.Version}}"], {
    env: dockerEnv(host),
    timeoutMs: 20_000,
  });
  if (version.error?.code === "ENOENT") return { state: "missing" };
  const client = version.stdout.trim().split("\n")[0] || undefined;
  const info = run("docker", ["info", "--format", "{{json .}}"], {
    env: dockerEnv(host),
    timeoutMs: 30_000,
  });
  if (info.error || info.status !== 0)
    return {
      state: "stopped",
      client,
      error: firstErrorLine(info.stderr || info.error?.message || ""),
    };
  try {
    const doc = JSON.parse(info.stdout) as {
      ServerVersion?: string;
      DockerRootDir?: string;
      MemTotal?: number;
    };
    return {
      state: "running",
      client,
      server: doc.ServerVersion,
      rootDir: doc.DockerRootDir || undefined,
      memTotalMiB: doc.MemTotal ? Math.floor(doc.MemTotal / MIB) : undefined,
    };
  } catch {
    return { state: "running", client };
  }
}

/** `docker ps` lines of `<service>\t<ports>` → host port → service (`127.0.0.1:8000->8000/tcp`). */
export function parsePublishedPorts(psOutput: string): Map<number, string> {
  const ports = new Map<number, string>();
  for (const line of psOutput.split("\n")) {
    const [service, published = ""] = line.split("\t");
    for (const m of published.matchAll(/:(\d+)->/g)) ports.set(Number(m[1]), service || "ours");
  }
  return ports;
}

/** Tries to bind the port the way Docker will; EADDRINUSE means someone else holds it. */
export function probePort(ip: string, port: number): Promise<PortState> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      done(err.code === "EADDRINUSE" ? "in-use" : "denied"),
    );
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => done("free")));
  });
}

/** The filesystem holding `path` (or its nearest existing parent: Docker may not be installed). */
export async function probeDiskFree(
  path: string,
): Promise<{ mount: string; freeMiB: number } | undefined> {
  let existing = resolve(path);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const inside = (mount: string) =>
    existing === mount || existing.startsWith(mount.endsWith("/") ? mount : `${mount}/`);
  const fs = (await si.fsSize())
    .filter((f) => f.mount && inside(f.mount))
    .sort((a, b) => b.mount.length - a.mount.length)[0];
  return fs ? { mount: fs.mount, freeMiB: Math.floor(fs.available / MIB) } : undefined;
}

/** Probes of this machine (and of the stack's Docker daemon, which may be remote). */
export function realProbes(run: Exec = exec): Probes {
  return {
    docker: async (host) => probeDocker(host, run),
    ownPorts: async (stack, host) => {
      const ps = run(
        "docker",
        [
          "ps",
          "--filter",
          `label=ownstack.stack=${stack}`,
          "--format",
          '{{.Label "ownstack.service"}}\t{{.Ports}}',
        ],
        { env: dockerEnv(host), timeoutMs: 30_000 },
      );
      return ps.status === 0 ? parsePublishedPorts(ps.stdout) : new Map();
    },
    memory: async () => {
      const mem = await si.mem();
      return {
        totalMiB: Math.floor(mem.total / MIB),
        availableMiB: Math.floor(mem.available / MIB),
      };
    },
    diskFree: probeDiskFree,
    port: probePort,
    gpu: (settings) => detectOllamaGpu(settings),
    pulumi: async () => pulumiVersion(run),
    fileMode: async (path) => (existsSync(path) ? statSync(path).mode & 0o777 : undefined),
    backup: async (settings, host) => probeBackup(settings, host, run),
  };
}
