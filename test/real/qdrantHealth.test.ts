import { spawn } from "node:child_process";
import { Server, createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qdrantReadyCheck } from "../../components/qdrant";
import { freePort } from "../support/ports";

/**
 * Qdrant's image has bash but no curl or wget, so its healthcheck speaks HTTP over /dev/tcp. This
 * runs that exact script with bash against a stand-in that answers /readyz like Qdrant does.
 */

const run = (script: string) =>
  new Promise<number | null>((resolve) => {
    const child = spawn("bash", ["-c", script], { stdio: "ignore" });
    child.on("exit", (code) => resolve(code));
  });

describe("the Qdrant healthcheck script", () => {
  let server: Server;
  let port: number;
  let ready = false;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? "");
      // Qdrant answers 503 until every shard is loaded; the body mentions codes on purpose.
      if (req.url === "/readyz" && ready) res.writeHead(200).end("all shards are ready");
      else res.writeHead(503).end("some shards are not ready yet (200 expected)");
    });
    // Port 0: the kernel picks a free port and the server holds it from that moment.
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fails while /readyz answers 503, even if the body contains ' 200 '", async () => {
    ready = false;
    expect(await run(qdrantReadyCheck(port))).not.toBe(0);
    expect(paths.at(-1)).toBe("/readyz");
  });

  it("passes once /readyz answers 200", async () => {
    ready = true;
    expect(await run(qdrantReadyCheck(port))).toBe(0);
  });

  it("fails when nothing listens", async () => {
    expect(await run(qdrantReadyCheck(await freePort()))).not.toBe(0);
  });
});
