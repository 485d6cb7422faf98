import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hammer, renderReport } from "../../scripts/lib/rollout-check";

/**
 * `npm run rollout-check`'s logic against a real HTTP server on loopback that plays an update:
 * answers, then a gap in which it fails (what delete-first replacement looks like), then answers.
 */

let url = "";
let calls = 0;
let sawKey: string | undefined;
const server = createServer((req, res) => {
  calls++;
  sawKey = req.headers.apikey as string | undefined;
  // Requests 4 and 5 land in the gap: 502 from the gateway, then a dropped connection.
  if (calls === 4) {
    res.writeHead(502).end("bad gateway");
    return;
  }
  if (calls === 5) {
    req.socket.destroy();
    return;
  }
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/v1/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("rollout-check", () => {
  it("counts every request and reports exactly the failed ones, with what failed", async () => {
    calls = 0;
    const seen: string[] = [];
    const report = await hammer({
      probes: [{ name: "rest", url, headers: { apikey: "anon" } }],
      pauseMs: 0,
      timeoutMs: 5000,
      signal: new AbortController().signal,
      maxRequests: 8,
      onFailure: (f) => seen.push(f.what),
    });
    expect(report.requests).toEqual({ rest: 8 });
    expect(report.failures.map((f) => f.what)).toEqual(["HTTP 502", "UND_ERR_SOCKET"]);
    expect(seen).toEqual(["HTTP 502", "UND_ERR_SOCKET"]);
    expect(sawKey).toBe("anon");
    expect(renderReport(report)).toMatch(/^8 requests in \d+\.\d s \(rest 8\): 2 failed\n/);
  });

  it("reports none failed when the server answers throughout, and stops when aborted", async () => {
    calls = 100;
    const stop = new AbortController();
    const report = await hammer({
      probes: [
        { name: "auth", url },
        { name: "rest", url },
      ],
      pauseMs: 0,
      timeoutMs: 5000,
      signal: stop.signal,
      onFailure: () => stop.abort(),
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (calls >= 120) stop.abort();
        return res;
      },
    });
    expect(report.failures).toEqual([]);
    expect(report.requests.auth + report.requests.rest).toBeGreaterThanOrEqual(20);
    expect(renderReport(report)).toContain(": 0 failed");
  });

  it("a connection refused (nothing listening: the old container gone, no new one) is a failure", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const report = await hammer({
      probes: [{ name: "auth", url: `http://127.0.0.1:${port}/auth/v1/health` }],
      pauseMs: 0,
      timeoutMs: 5000,
      signal: new AbortController().signal,
      maxRequests: 2,
    });
    expect(report.failures.map((f) => f.what)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
  });
});
