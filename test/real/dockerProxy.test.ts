import { startHaproxy } from "../support/haproxy";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { IncomingMessage, Server, ServerResponse, createServer, request, Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDockerProxyCfg } from "../../components/render/dockerProxy";
import { missingBinaries } from "../support/binaries";
import { onFreePort } from "../support/ports";

/**
 * The rendered haproxy.cfg run by Debian's HAProxy, as the image runs it (`haproxy -W -db -f`,
 * docker-library/haproxy docker-entrypoint.sh), on loopback in front of a stand-in Docker API on
 * a unix socket. The stand-in answers every request with 200, so a 403 can only come from the
 * proxy, and it records what it saw.
 */

const available =
  missingBinaries(["haproxy"], "the Docker API proxy checks", "haproxy").length === 0;

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A stream the stand-in holds open: its next chunk is written when the test asks for it. */
class HeldStream {
  private res?: ServerResponse;
  private opened?: () => void;
  readonly open = new Promise<void>((resolve) => (this.opened = resolve));
  attach(res: ServerResponse): void {
    this.res = res;
    res.writeHead(200, { "content-type": "application/json" });
    this.opened!();
  }
  write(chunk: string): void {
    this.res!.write(chunk);
  }
  end(chunk: string): void {
    this.res!.end(chunk);
  }
}

describe.skipIf(!available)("the Docker API proxy (HAProxy with our rendered config)", () => {
  let dir: string;
  let port: number;
  let daemon: Server;
  let proxy: ChildProcess | undefined;
  const seen: string[] = [];
  const streams = { logs: new HeldStream(), events: new HeldStream() };

  function standIn(req: IncomingMessage, res: ServerResponse): void {
    seen.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? "/", "http://docker").pathname;
    if (path.endsWith("/logs")) return streams.logs.attach(res);
    if (path.endsWith("/events")) return streams.events.attach(res);
    res.writeHead(200, { "content-type": "application/json", "api-version": "1.51" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify({ path }));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ownstack-docker-proxy-"));
    const socket = join(dir, "docker.sock");
    daemon = createServer(standIn);
    await new Promise<void>((resolve) => daemon.listen(socket, resolve));
    const cfg = join(dir, "haproxy.cfg");
    await onFreePort(async (p) => {
      port = p;
      // Exactly the container's file, with only where it listens and the socket moved.
      writeFileSync(cfg, renderDockerProxyCfg({ bind: `127.0.0.1:${p}`, socket }), {
        mode: 0o600,
      });
      proxy = await startHaproxy(cfg, port);
    });
  });

  afterAll(async () => {
    const p = proxy;
    if (p && p.exitCode === null)
      await new Promise<void>((resolve) => {
        p.once("exit", () => resolve());
        p.kill("SIGTERM");
      });
    await new Promise<void>((resolve) => (daemon ? daemon.close(() => resolve()) : resolve()));
    daemon?.closeAllConnections();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function send(method: string, path: string, agent?: Agent): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path, agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once("error", reject);
      req.end();
    });
  }

  /** Opens a streaming GET; `next()` resolves with each chunk as it arrives, `done` at its end. */
  function openStream(path: string) {
    const chunks: string[] = [];
    const waiting: ((c: string) => void)[] = [];
    let status = 0;
    const done = new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "GET", path }, (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          const w = waiting.shift();
          if (w) w(c);
          else chunks.push(c);
        });
        res.on("end", () => resolve());
      });
      req.once("error", reject);
      req.end();
    });
    const next = () =>
      new Promise<string>((resolve) => {
        const c = chunks.shift();
        if (c !== undefined) resolve(c);
        else waiting.push(resolve);
      });
    return { next, done, status: () => status };
  }

  const ALLOWED: [string, string][] = [
    // Traefik: moby's version negotiation (HEAD, then GET), then its provider's reads.
    ["HEAD", "/_ping"],
    ["GET", "/_ping"],
    ["GET", "/v1.51/version"],
    ["GET", '/v1.51/containers/json?filters={"label":["ownstack.stack=dev"]}'],
    ["GET", "/v1.51/containers/ownstack-dev-kong/json"],
    ["GET", "/v1.41/containers/4f1c0e8a9b2d/json"],
  ];

  it("passes the readers' GETs and HEADs through with the daemon's answers", async () => {
    for (const [method, path] of ALLOWED) {
      const reply = await send(method, encodeURI(path));
      expect(reply.status, `${method} ${path}`).toBe(200);
      if (method === "GET")
        expect(JSON.parse(reply.body)).toEqual({ path: new URL(path, "http://d").pathname });
    }
  });

  it("streams a followed container log chunk by chunk, as the daemon writes it", async () => {
    const logs = openStream("/v1.41/containers/ownstack-dev-auth/logs?follow=1&stdout=1&stderr=1");
    await streams.logs.open;
    streams.logs.write("first line\n");
    // The second chunk is written only after the first arrived: the proxy does not buffer.
    expect(await logs.next()).toBe("first line\n");
    streams.logs.end("second line\n");
    expect(await logs.next()).toBe("second line\n");
    await logs.done;
    expect(logs.status()).toBe(200);
  });

  it("streams the events feed as events happen", async () => {
    const events = openStream("/v1.51/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
    await streams.events.open;
    streams.events.write('{"status":"start"}\n');
    expect(await events.next()).toBe('{"status":"start"}\n');
    streams.events.end('{"status":"die"}\n');
    expect(await events.next()).toBe('{"status":"die"}\n');
    await events.done;
  });

  const REFUSED: [string, string][] = [
    ["POST", "/v1.51/containers/create"],
    ["DELETE", "/v1.51/containers/ownstack-dev-db"],
    ["POST", "/v1.51/containers/ownstack-dev-db/exec"],
    ["POST", "/v1.51/exec/0123abcd/start"],
    ["GET", "/v1.51/exec/0123abcd/json"],
    ["PUT", "/v1.51/containers/ownstack-dev-db/archive?path=/"],
    // Unlisted reads: a container's files, every secret, the daemon's details.
    ["GET", "/v1.51/containers/ownstack-dev-db/archive?path=/etc"],
    ["GET", "/v1.51/containers/ownstack-dev-db/export"],
    ["GET", "/v1.51/secrets"],
    ["GET", "/v1.51/info"],
    ["GET", "/v1.51/images/json"],
    // A write to an allowed path, and paths that only look like one.
    ["POST", "/v1.51/containers/json"],
    ["GET", "/v1.51/containers/ownstack-dev-db%2Fexport"],
    ["GET", "/v1.51/containers/../secrets"],
    ["GET", "/v1.51/containers/x/json/../../../secrets"],
    ["GET", "/V1.51/containers/json/extra"],
  ];

  it("refuses writes, exec and unlisted reads with 403, and the daemon never sees them", async () => {
    const before = seen.length;
    for (const [method, path] of REFUSED) {
      const reply = await send(method, path);
      expect(reply.status, `${method} ${path}`).toBe(403);
    }
    expect(seen.slice(before)).toEqual([]);
  });

  it("judges every request on a kept-alive connection, not only the first", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = seen.length;
    expect((await send("GET", "/v1.51/containers/json", agent)).status).toBe(200);
    expect((await send("POST", "/v1.51/containers/create", agent)).status).toBe(403);
    expect((await send("GET", "/v1.51/version", agent)).status).toBe(200);
    agent.destroy();
    expect(seen.slice(before)).toEqual(["GET /v1.51/containers/json", "GET /v1.51/version"]);
  });
});
