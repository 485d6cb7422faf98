import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Socket, createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPingCheck, renderRedisConf } from "../../components/render/redis";

const available = spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;
if (!available) {
  if (process.env.CI === "true") throw new Error("redis-server is missing; .ci/run installs the Debian package `redis-server`");
  console.log("NOTICE: redis-server not found (apt-get install redis-server); skipping the Redis checks");
}

// Alphanumeric like the generated one (RandomPassword with special: false).
const PASSWORD = "Rz8kQ2vLm4Xw9Tb7Nc3Hy6Pd1Fg5Js0A";

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** One connection speaking RESP: send a command, read one reply line (enough for these replies). */
class Resp {
  private buffer = "";
  private waiting: ((line: string) => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      this.drain();
    });
  }
  static open(port: number): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => resolve(new Resp(socket)));
      socket.once("error", reject);
    });
  }
  private drain(): void {
    while (this.waiting.length > 0) {
      const reply = this.parse();
      if (reply === undefined) return;
      this.waiting.shift()!(reply);
    }
  }
  /** Returns `+OK`, `-ERR …`, `:1` or the bulk string's value; undefined until complete. */
  private parse(): string | undefined {
    const end = this.buffer.indexOf("\r\n");
    if (end < 0) return undefined;
    const head = this.buffer.slice(0, end);
    if (head[0] !== "$") {
      this.buffer = this.buffer.slice(end + 2);
      return head;
    }
    const length = Number(head.slice(1));
    if (length < 0) {
      this.buffer = this.buffer.slice(end + 2);
      return "(nil)";
    }
    if (this.buffer.length < end + 2 + length + 2) return undefined;
    const value = this.buffer.slice(end + 2, end + 2 + length);
    this.buffer = this.buffer.slice(end + 2 + length + 2);
    return value;
  }
  send(...args: string[]): Promise<string> {
    const body = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(body);
      this.drain();
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

describe.skipIf(!available)("redis-server with our rendered config", () => {
  let dir: string;
  let port: number;
  let conf: string;
  let server: ChildProcess | undefined;

  async function start(): Promise<void> {
    server = spawn("redis-server", [conf], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      try {
        (await Resp.open(port)).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error("redis-server did not start");
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s || s.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      s.once("exit", () => resolve());
      s.kill("SIGTERM");
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ownstack-redis-"));
    // redis-server drops no privileges here, but keep the dir writable for whoever runs it.
    chmodSync(dir, 0o777);
    port = await freePort();
    conf = join(dir, "redis.conf");
    // Exactly the container's file, with only where it listens and writes moved into the temp dir.
    writeFileSync(conf, renderRedisConf({ password: PASSWORD, maxMemory: "64mb", maxMemoryPolicy: "allkeys-lfu", bind: "127.0.0.1", port, dir }), { mode: 0o600 });
    await start();
  });

  afterAll(async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a command without AUTH", async () => {
    const c = await Resp.open(port);
    expect(await c.send("SET", "k", "v")).toMatch(/^-NOAUTH/);
    expect(await c.send("AUTH", "wrong-password")).toMatch(/^-(WRONGPASS|ERR)/);
    expect(await c.send("GET", "k")).toMatch(/^-NOAUTH/);
    c.close();
  });

  it("accepts AUTH with the generated password and applies maxmemory and its policy", async () => {
    const c = await Resp.open(port);
    expect(await c.send("AUTH", PASSWORD)).toBe("+OK");
    expect(await c.send("SET", "k", "v")).toBe("+OK");
    const info = await c.send("INFO", "memory");
    expect(info).toMatch(/maxmemory:67108864\r\n/);
    expect(info).toMatch(/maxmemory_policy:allkeys-lfu\r\n/);
    c.close();
  });

  it("keeps data across a restart through the append-only file", async () => {
    const c = await Resp.open(port);
    await c.send("AUTH", PASSWORD);
    expect(await c.send("SET", "survives", "restart")).toBe("+OK");
    c.close();
    // SIGKILL: no shutdown save, so only the AOF (fsynced every second) can bring the key back.
    await new Promise((r) => setTimeout(r, 1500));
    const s = server!;
    await new Promise<void>((resolve) => {
      s.once("exit", () => resolve());
      s.kill("SIGKILL");
    });
    expect(existsSync(join(dir, "dump.rdb"))).toBe(false);
    expect(readdirSync(dir).some((f) => f.startsWith("appendonly"))).toBe(true);
    await start();
    const d = await Resp.open(port);
    await d.send("AUTH", PASSWORD);
    expect(await d.send("GET", "survives")).toBe("restart");
    d.close();
  });

  it("the healthcheck line passes only with the password in REDISCLI_AUTH (ping alone exits 0 on NOAUTH)", () => {
    const check = redisPingCheck("redis-cli", port);
    const env = { ...process.env };
    delete env.REDISCLI_AUTH;
    expect(spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "ping"], { env, encoding: "utf8" })).toMatchObject({ status: 0, stdout: expect.stringMatching(/NOAUTH/) });
    expect(spawnSync("sh", ["-c", check], { env }).status).not.toBe(0);
    expect(spawnSync("sh", ["-c", check], { env: { ...env, REDISCLI_AUTH: PASSWORD } }).status).toBe(0);
  });
});
