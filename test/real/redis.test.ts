import { ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { Socket, createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPingCheck, renderRedisConf } from "../../components/render/redis";
import { missingBinaries } from "../support/binaries";
import { PortTakenError, onFreePort } from "../support/ports";

const available =
  missingBinaries(["redis-server", "redis-cli"], "the Redis checks", "redis-server").length === 0;

// Alphanumeric like the generated one (RandomPassword with special: false).
const PASSWORD = "Rz8kQ2vLm4Xw9Tb7Nc3Hy6Pd1Fg5Js0A";

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

  /** Resolves when redis-server logs that it accepts connections; rejects when it exits first. */
  function start(): Promise<void> {
    const child = spawn("redis-server", [conf], { stdio: ["ignore", "pipe", "pipe"] });
    server = child;
    return new Promise((resolve, reject) => {
      let log = "";
      const onData = (d: Buffer) => {
        log += d.toString();
        if (log.includes("Ready to accept connections")) {
          child.off("exit", onExit);
          resolve();
        }
      };
      const onExit = () =>
        reject(
          /Address already in use/.test(log)
            ? new PortTakenError(`port ${port} is taken`)
            : new Error(`redis-server exited: ${log}`),
        );
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", onExit);
    });
  }

  /** Every AOF file's text: Redis 7 keeps a base and increments in appendonlydir/. */
  const aofText = () =>
    readdirSync(dir, { recursive: true })
      .map((f) => join(dir, String(f)))
      .filter((f) => /appendonly/.test(f) && statSync(f).isFile())
      .map((f) => readFileSync(f, "latin1"))
      .join("");

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
    conf = join(dir, "redis.conf");
    await onFreePort(async (p) => {
      port = p;
      // Exactly the container's file, with only where it listens and writes moved into the temp dir.
      writeFileSync(
        conf,
        renderRedisConf({
          password: PASSWORD,
          maxMemory: "64mb",
          maxMemoryPolicy: "allkeys-lfu",
          bind: "127.0.0.1",
          port,
          dir,
        }),
        { mode: 0o600 },
      );
      await start();
    });
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
    // SIGKILL: no shutdown save, so only the AOF can bring the key back. With appendfsync
    // everysec Redis may hold the write back while a background fsync runs: wait for the file.
    for (let waited = 0; !aofText().includes("survives"); waited++) {
      if (waited > 100) throw new Error("the key never reached the append-only file");
      await new Promise((r) => setTimeout(r, 50));
    }
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
    expect(
      spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "ping"], {
        env,
        encoding: "utf8",
      }),
    ).toMatchObject({ status: 0, stdout: expect.stringMatching(/NOAUTH/) });
    expect(spawnSync("sh", ["-c", check], { env }).status).not.toBe(0);
    expect(
      spawnSync("sh", ["-c", check], { env: { ...env, REDISCLI_AUTH: PASSWORD } }).status,
    ).toBe(0);
  });
});
