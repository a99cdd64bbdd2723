import { describe, expect, it } from "vitest";
import { proxyEvent, proxyResponse } from "../../src/ops/health/local-probe.js";
import type { HealthProbe, ProbeRequest, ProbeResponse } from "../../src/ops/health/probe.js";
import { checkColorHealth, gatherHealthEvidence, SYNTHETIC_STORY } from "../../src/ops/health/run.js";
import { type Clock } from "../../src/core/clock.js";
import { judgePoll, watchWindow } from "../../src/ops/traffic/watch.js";

function instantClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      slept.push(ms);
      now += ms;
    },
  };
}

/** A probe answering from a script, recording every request. */
function scriptedProbe(answer: (request: ProbeRequest, n: number) => ProbeResponse): HealthProbe & { requests: ProbeRequest[]; closed: boolean } {
  const probe = {
    kind: "http" as const,
    via: "https://example.invalid/green",
    requests: [] as ProbeRequest[],
    closed: false,
    async send(request: ProbeRequest) {
      probe.requests.push(request);
      return answer(request, probe.requests.length);
    },
    async close() {
      probe.closed = true;
    },
  };
  return probe;
}

const okBody = JSON.stringify({ status: "ok", color: "green", version: "2.0.0", functionVersion: "2" });
const settings = { attempts: 4, intervalMs: 250, timeoutMs: 2000, maxP95Ms: 1000, synthetic: false, deep: true };

describe("gatherHealthEvidence", () => {
  it("checks deep health first, then the attempts spaced by the interval", async () => {
    const clock = instantClock();
    const probe = scriptedProbe(() => ({ kind: "response", status: 200, body: okBody, durationMs: 12 }));
    const evidence = await gatherHealthEvidence({ probe, settings, clock });
    expect(probe.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${new URLSearchParams(r.query)}` : ""}`)).toEqual([
      "GET /health?deep=1",
      "GET /health",
      "GET /health",
      "GET /health",
      "GET /health",
    ]);
    expect(evidence.attempts).toHaveLength(4);
    expect(evidence.deep).toBeDefined();
    expect(clock.slept).toEqual([250, 250, 250]);
    expect(probe.requests.every((r) => r.timeoutMs === 2000)).toBe(true);
  });

  it("stops at the first failed attempt (consecutive successes are required)", async () => {
    const probe = scriptedProbe((_r, n) => (n === 3 ? { kind: "response", status: 500, body: "{}", durationMs: 5 } : { kind: "response", status: 200, body: okBody, durationMs: 5 }));
    const evidence = await gatherHealthEvidence({ probe, settings: { ...settings, deep: false }, clock: instantClock() });
    expect(evidence.attempts).toHaveLength(3);
  });

  const syntheticIdentity = { username: "noveli-synthetic-check", idToken: "header.payload.signature", claims: { sub: "5f0c-synthetic", token_use: "id" } };

  it("--synthetic posts a marked story after the attempts, signed in as the synthetic user", async () => {
    const probe = scriptedProbe((r) => ({ kind: "response", status: r.method === "POST" ? 201 : 200, body: r.method === "POST" ? '{"sessionId":"s1"}' : okBody, durationMs: 5 }));
    const report = await checkColorHealth({
      color: "green",
      probe,
      settings: { ...settings, synthetic: true, deep: false, attempts: 2 },
      clock: instantClock(),
      syntheticUser: async () => syntheticIdentity,
      expected: { source: "deploy-record", version: "2.0.0", codeSha256: "abc=", lambdaVersion: "2" },
    });
    expect(probe.requests.at(-1)).toMatchObject({ method: "POST", path: "/stories", body: SYNTHETIC_STORY, user: syntheticIdentity });
    expect(SYNTHETIC_STORY).not.toHaveProperty("userId");
    // Only the story request is signed in: /health stays anonymous.
    expect(probe.requests.filter((r) => r.user !== undefined)).toHaveLength(1);
    expect(report.checks.find((c) => c.name === "synthetic")).toMatchObject({ ok: true });
    expect(report.healthy).toBe(true);
  });

  it("--synthetic without a synthetic user, or when it cannot sign in, fails the check clearly and sends no story", async () => {
    for (const syntheticUser of [undefined, async () => Promise.reject(new Error("Incorrect username or password."))]) {
      const probe = scriptedProbe(() => ({ kind: "response", status: 200, body: okBody, durationMs: 5 }));
      const report = await checkColorHealth({
        color: "green",
        probe,
        settings: { ...settings, synthetic: true, deep: false, attempts: 1 },
        clock: instantClock(),
        ...(syntheticUser ? { syntheticUser } : {}),
      });
      expect(probe.requests.some((r) => r.method === "POST")).toBe(false);
      const check = report.checks.find((c) => c.name === "synthetic");
      expect(check?.ok).toBe(false);
      expect(check?.detail).toMatch(syntheticUser ? /could not sign in: Incorrect username or password/ : /no synthetic user/);
      expect(report.healthy).toBe(false);
    }
  });
});

describe("local probe events", () => {
  const stage = { apiId: "a1b2c3", region: "us-east-1", stageName: "green", deployment: "green", accountId: "123456789012" };
  it("is the REST proxy event the color's stage would send", () => {
    const event = proxyEvent({ method: "GET", path: "/health", query: { deep: "1" }, timeoutMs: 1000 }, stage, "req-1", 1_764_000_000_000);
    expect(event).toMatchObject({
      httpMethod: "GET",
      path: "/health",
      resource: "/{proxy+}",
      pathParameters: { proxy: "health" },
      queryStringParameters: { deep: "1" },
      stageVariables: { deployment: "green" },
      body: null,
      isBase64Encoded: false,
      requestContext: { stage: "green", path: "/green/health", requestId: "req-1", apiId: "a1b2c3", accountId: "123456789012", httpMethod: "GET" },
    });
    const post = proxyEvent({ method: "POST", path: "/stories", body: { prompt: "p" }, timeoutMs: 1000 }, stage, "req-2");
    expect(post).toMatchObject({ body: '{"prompt":"p"}', queryStringParameters: null, headers: { "content-type": "application/json" } });
  });
  it("maps proxy results like API Gateway does", () => {
    expect(proxyResponse({ statusCode: 201, body: "{}" })).toEqual({ status: 201, body: "{}" });
    expect(proxyResponse({ statusCode: 200, body: Buffer.from("hi").toString("base64"), isBase64Encoded: true })).toEqual({ status: 200, body: "hi" });
    expect(proxyResponse({ statusCode: 204 })).toEqual({ status: 204, body: "" });
    expect(proxyResponse("hello").status).toBe(502);
    expect(proxyResponse({ body: "x" }).status).toBe(502);
  });
});

describe("watchWindow", () => {
  it("polls at the start and end of the window and every poll interval between", async () => {
    const clock = instantClock();
    let polls = 0;
    const result = await watchWindow({ durationMs: 25_000, pollMs: 10_000, clock, poll: async () => (polls++, { kind: "ok" }) });
    expect(result).toEqual({ kind: "clean", polls: 4 });
    expect(clock.slept).toEqual([10_000, 10_000, 5_000]);
  });
  it("stops at the first trip", async () => {
    const clock = instantClock();
    let polls = 0;
    const result = await watchWindow({
      durationMs: 60_000,
      pollMs: 10_000,
      clock,
      poll: async () => {
        polls += 1;
        return polls === 2 ? judgePoll({ alarms: [{ name: "x", state: "ALARM", reason: "why", updatedAt: null }], at: "t" }) : { kind: "ok" };
      },
    });
    expect(result).toMatchObject({ kind: "tripped", polls: 2, evidence: { kind: "alarm", summary: "alarm x is in ALARM: why" } });
  });
  it("INSUFFICIENT_DATA does not trip; a failed health report does", () => {
    expect(judgePoll({ alarms: [{ name: "x", state: "INSUFFICIENT_DATA", reason: "", updatedAt: null }], at: "t" })).toEqual({ kind: "ok" });
    const verdict = judgePoll({
      alarms: [],
      at: "t",
      health: { color: "green", healthy: false, checks: [{ name: "version", ok: false, detail: "reports 1" }], p50Ms: 1, p95Ms: 1, version: "1", codeSha256: null },
    });
    expect(verdict).toMatchObject({ kind: "tripped", evidence: { kind: "unhealthy", failedChecks: [{ name: "version", detail: "reports 1" }] } });
  });
  it("stops when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("interrupted by SIGINT"));
    await expect(watchWindow({ durationMs: 1000, pollMs: 100, clock: instantClock(), signal: controller.signal, poll: async () => ({ kind: "ok" }) })).rejects.toThrow(/SIGINT/);
  });
});
