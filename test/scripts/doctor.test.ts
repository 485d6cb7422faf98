import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryBudgetMiB } from "../../config/budget";
import { decideGpu } from "../../config/gpu";
import { Settings, parseSettings } from "../../config/settings";
import { diagnose, formatReport } from "../../scripts/lib/doctor/checks";
import { DoctorReport, Probes } from "../../scripts/lib/doctor/inputs";
import { Check } from "../../scripts/lib/doctor/check";
import { parsePublishedPorts, probePort } from "../../scripts/lib/doctor/probes";
import { runScript } from "../support/project";
import { vpsSettings } from "../support/stacks";

const ROOT = resolve(__dirname, "../..");
const CTX = { passphraseFile: "/project/.pulumi-passphrase", defaultDockerRoot: "/var/lib/docker" };
const local = (config: Record<string, string> = {}) => parseSettings(config, "local");

/** A machine where everything is fine; each test breaks one thing. */
function probes(over: Partial<Probes> = {}): Probes {
  return {
    docker: async () => ({
      state: "running",
      client: "28.2.2",
      server: "28.2.2",
      rootDir: "/var/lib/docker",
      memTotalMiB: 32768,
    }),
    ownPorts: async () => new Map(),
    memory: async () => ({ totalMiB: 32768, availableMiB: 30000 }),
    diskFree: async () => ({ mount: "/", freeMiB: 200 * 1024 }),
    port: async () => "free",
    gpu: async (s: Settings) => decideGpu(s.ollama.gpu, { controllers: [] }, "linux"),
    pulumi: async () => "3.200.0",
    fileMode: async () => 0o600,
    ...over,
  };
}

/** Every check of `settings` (default: a local stack with no config) on a machine where `over` is broken. */
const diagnoseWith = (over: Partial<Probes> = {}, settings: Settings = local()) =>
  diagnose(settings, probes(over), CTX);

const byId = (report: DoctorReport, id: string): Check => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}; have ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
};
const checksOf = (report: DoctorReport, ...ids: string[]): Check[] =>
  ids.map((id) => byId(report, id));

describe("doctor with fake probes", () => {
  it("finds no blocker on a ready machine, and checks every port the stack publishes", async () => {
    const report = await diagnoseWith();
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== "ok")).toEqual([]);
    expect(report.checks.filter((c) => c.id.startsWith("port:")).map((c) => c.label)).toEqual([
      "Port 8000",
      "Port 54324",
      "Port 6333",
      "Port 11434",
      "Port 6379",
      "Port 9090",
      "Port 8080",
    ]);
  });

  it("blocks when Docker is not installed, or installed but not running", async () => {
    const missing = await diagnoseWith({ docker: async () => ({ state: "missing" }) });
    expect(missing.ok).toBe(false);
    expect(byId(missing, "docker")).toMatchObject({
      status: "fail",
      detail: "Docker not installed",
      fix: expect.stringContaining("docs.docker.com"),
    });
    const stopped = await diagnoseWith({
      docker: async () => ({ state: "stopped", client: "28.2.2", error: "Cannot connect" }),
    });
    expect(byId(stopped, "docker")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^Docker not running: client 28\.2\.2 is installed/),
      fix: expect.stringContaining("systemctl start docker"),
    });
  });

  it("compares RAM with the memory limits of the enabled services only", async () => {
    const on = local();
    const off = local({ "ownstack:ollama": "false" });
    // Open WebUI (auto) goes with Ollama.
    expect(memoryBudgetMiB(on) - memoryBudgetMiB(off)).toBe(
      on.memoryMiB.ollama + on.memoryMiB.openWebui,
    );
    const budget = memoryBudgetMiB(on);
    const short = await diagnoseWith(
      { memory: async () => ({ totalMiB: budget - 1, availableMiB: budget - 1 }) },
      on,
    );
    expect(byId(short, "memory")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("memoryLimits[0]' ollama="),
    });
    expect(short.ok).toBe(false);
    const busy = await diagnoseWith(
      { memory: async () => ({ totalMiB: budget * 2, availableMiB: budget - 1 }) },
      on,
    );
    expect(byId(busy, "memory").status).toBe("warn");
    expect(busy.ok).toBe(true);
    const small = await diagnoseWith(
      { memory: async () => ({ totalMiB: budget - 1, availableMiB: budget - 1 }) },
      off,
    );
    expect(byId(small, "memory").status).toBe("ok");
  });

  it("blocks on a nearly full disk at Docker's root", async () => {
    let asked = "";
    const full = await diagnoseWith({
      diskFree: async (p) => ((asked = p), { mount: "/var", freeMiB: 4096 }),
    });
    expect(asked).toBe("/var/lib/docker");
    expect(byId(full, "disk")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("4.0 GiB free on /var"),
    });
  });

  it("blocks on a port held by another program, names the key to move it, and accepts its own containers", async () => {
    const report = await diagnoseWith({
      port: async (_ip, p) => (p === 8000 || p === 6379 ? "in-use" : "free"),
      ownPorts: async () => new Map([[6379, "redis"]]),
    });
    expect(checksOf(report, "port:8000", "port:6379")).toMatchObject([
      {
        status: "fail",
        fix: expect.stringContaining("pulumi config set -s local apiPort <free port>"),
      },
      { status: "ok", detail: expect.stringContaining("already ours (redis)") },
    ]);
    expect(report.blockers).toBe(1);
  });

  it("follows a moved port: the stack's config decides what is checked", async () => {
    const seen: number[] = [];
    await diagnoseWith(
      { port: async (_ip, p) => (seen.push(p), "free") },
      local({ "ownstack:apiPort": "8100" }),
    );
    expect(seen).toContain(8100);
    expect(seen).not.toContain(8000);
  });

  it("blocks without the Pulumi CLI and on a passphrase file others can read; a missing one is a warning", async () => {
    const report = await diagnoseWith({
      pulumi: async () => undefined,
      fileMode: async () => 0o644,
    });
    expect(checksOf(report, "pulumi", "passphrase")).toMatchObject([
      { status: "fail", fix: expect.stringContaining("get.pulumi.com") },
      {
        status: "fail",
        detail: expect.stringContaining("mode 0644"),
        fix: "chmod 600 /project/.pulumi-passphrase",
      },
    ]);
    const fresh = await diagnoseWith({ fileMode: async () => undefined });
    expect(byId(fresh, "passphrase").status).toBe("warn");
  });

  it("says which accelerator Ollama gets, from the same decision the program makes", async () => {
    const nvidia = await diagnoseWith({
      gpu: async (s) =>
        decideGpu(s.ollama.gpu, {
          controllers: [{ vendor: "NVIDIA Corporation", model: "RTX 4070" }],
        }),
    });
    expect(byId(nvidia, "gpu").detail).toMatch(
      /^Ollama runs on NVIDIA GPU: found NVIDIA Corporation RTX 4070/,
    );
    const noOllama = await diagnoseWith({}, local({ "ownstack:ollama": "false" }));
    expect(noOllama.checks.some((c) => c.id === "gpu")).toBe(false);
  });

  it("on a remote Docker host reads the server's memory and does not probe this machine's ports or disk", async () => {
    const settings = vpsSettings({
      "ownstack:dockerHost": "ssh://deploy@203.0.113.10",
      "ownstack:ollamaGpu": "cpu",
    });
    let hostAsked: string | undefined;
    const report = await diagnoseWith(
      {
        docker: async (h) => (
          (hostAsked = h),
          { state: "running", server: "27.0", memTotalMiB: 1024 }
        ),
        port: async () => "in-use",
      },
      settings,
    );
    expect(hostAsked).toBe("ssh://deploy@203.0.113.10");
    expect(checksOf(report, "memory", "ports", "disk")).toMatchObject([
      { status: "fail", detail: expect.stringMatching(/^the server has 1\.0 GiB/) },
      { status: "skip", detail: expect.stringContaining("80, 443") },
      { status: "skip" },
    ]);
  });

  it("prints a table with a fix under each failing line", async () => {
    const text = formatReport(await diagnoseWith({ docker: async () => ({ state: "missing" }) }));
    expect(text).toMatch(/\n {2}✗ Docker +Docker not installed\n +fix: Install Docker Desktop/);
    expect(text).toMatch(/1 blocker: fix the ✗ lines/);
  });
});

describe("doctor probes", () => {
  it("reads the host ports our containers publish from docker ps", async () => {
    const ports = parsePublishedPorts(
      "kong\t127.0.0.1:8000->8000/tcp\nredis\t127.0.0.1:6379->6379/tcp, 6380/tcp\ndb\t5432/tcp\n",
    );
    expect([...ports]).toEqual([
      [8000, "kong"],
      [6379, "redis"],
    ]);
  });

  it("sees a port that another program listens on", async () => {
    const server = createServer();
    const port = await new Promise<number>((ok) =>
      server.listen(0, "127.0.0.1", () => ok((server.address() as { port: number }).port)),
    );
    expect(await probePort("127.0.0.1", port)).toBe("in-use");
    await new Promise((ok) => server.close(ok));
    expect(await probePort("127.0.0.1", port)).toBe("free");
  });
});

/** `npm run doctor` as a user runs it: a real process, the real probes. */
function doctor(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runScript("doctor", args, { env: { ...process.env, ...env } });
}

describe("npm run doctor on this machine", () => {
  const noTrace = (r: { stdout: string; stderr: string }) =>
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);

  it("says plainly that Docker is not running, exits 1, and prints no stack trace", async () => {
    // A socket nobody serves: the real Docker client answers as on a machine whose daemon is down.
    const r = await doctor(["-s", "local"], {
      DOCKER_HOST: "unix:///nonexistent/ownstack-doctor.sock",
    });
    expect(r.status).toBe(1);
    if (spawnSync("docker", ["--version"]).error)
      expect(r.stdout).toMatch(/✗ Docker +Docker not installed/);
    else
      expect(r.stdout).toMatch(
        /✗ Docker +Docker not running: client \S+ is installed, but no daemon answers/,
      );
    expect(r.stdout).toMatch(/fix: (start Docker Desktop|Install Docker)/);
    noTrace(r);
  });

  it("says Docker is not installed when there is no docker on PATH", async () => {
    const path = (process.env.PATH ?? "")
      .split(delimiter)
      .filter((d) => !existsSync(join(d, "docker")));
    const r = await doctor(["-s", "local", "--json"], { PATH: path.join(delimiter) });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.find((c) => c.id === "docker")).toMatchObject({
      status: "fail",
      detail: "Docker not installed",
    });
    expect(report.ok).toBe(false);
    noTrace(r);
  });

  it("refuses an unknown stack in one line", async () => {
    const r = await doctor(["-s", "staging"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^doctor: unknown stack "staging"; known stacks: (\S+, )*local, (\S+, )*vps\b.*Pulumi\.<stack>\.yaml\)$/,
      ),
    ]);
    expect(r.stdout).toBe("");
  });
});
