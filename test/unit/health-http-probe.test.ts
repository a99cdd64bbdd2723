import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpProbe } from "../../src/ops/health/http-probe.js";

/** A loopback stand-in for a color's API Gateway stage. */
let server: Server;
let base: string;
const seen: { method: string; url: string; body: string; contentType?: string }[] = [];

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", body: await body(req), contentType: req.headers["content-type"] });
    if (req.url?.startsWith("/green/slow")) return void setTimeout(() => res.end("late"), 2_000);
    res.writeHead(req.url?.startsWith("/green/health") ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", color: "green" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/green/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("httpProbe (real AWS: the color's own stage URL)", () => {
  it("sends requests below the stage URL and returns status, body and duration", async () => {
    const probe = httpProbe(base);
    expect(probe.via).toBe(base.replace(/\/$/, ""));
    const response = await probe.send({ method: "GET", path: "/health", query: { deep: "1" }, timeoutMs: 1_000 });
    expect(response).toMatchObject({ kind: "response", status: 200, body: '{"status":"ok","color":"green"}' });
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/green/health?deep=1" });
    await probe.send({ method: "POST", path: "/stories", body: { prompt: "p" }, timeoutMs: 1_000 });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/green/stories", body: '{"prompt":"p"}', contentType: "application/json" });
  });

  it("a timeout is a timed-out failure, not a hang", async () => {
    const response = await httpProbe(base).send({ method: "GET", path: "/slow", timeoutMs: 150 });
    expect(response).toMatchObject({ kind: "error", timedOut: true, message: "no answer within 150ms" });
  });

  it("a refused connection names its cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const response = await httpProbe(`http://127.0.0.1:${port}/blue`).send({ method: "GET", path: "/health", timeoutMs: 1_000 });
    expect(response).toMatchObject({ kind: "error", timedOut: false, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("an abort (SIGINT) propagates instead of being judged as a failed check", async () => {
    const controller = new AbortController();
    const pending = httpProbe(base).send({ method: "GET", path: "/slow", timeoutMs: 5_000 }, controller.signal);
    setTimeout(() => controller.abort(new Error("interrupted by SIGINT")), 50);
    await expect(pending).rejects.toThrow(/SIGINT/);
  });
});
