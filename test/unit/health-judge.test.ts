import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { formatDuration, parseDuration } from "../../src/ops/health/duration.js";
import { attemptFailure, expectationFromHistory, expectationFromLambda, judgeHealth, percentile, type Expectation } from "../../src/ops/health/judge.js";
import type { ProbeResponse } from "../../src/ops/health/probe.js";
import { parseColor } from "../../src/core/color.js";
import { parseHealthSettings } from "../../src/ops/health/settings.js";
import type { HistoryRecord } from "../../src/state/history.js";

const SHA_GREEN = "Qh85XnQD++8e/O3XMMJ5+QBr6CSkuhjwBubZKg5wKrY=";
const SHA_BLUE = "lLhx21j0HGxVGbnQ4Hn5muHX3KIEd8gc+Zr12i0ufQs=";

const ok = (ms: number, body: Record<string, unknown> = {}): ProbeResponse => ({
  kind: "response",
  status: 200,
  body: JSON.stringify({ status: "ok", color: "green", version: "2.0.0", functionVersion: "2", ...body }),
  durationMs: ms,
});
const http = (status: number, body: string, ms = 30): ProbeResponse => ({ kind: "response", status, body, durationMs: ms });

const expected: Expectation = { source: "deploy-record", recordedAt: "2026-11-25T09:00:00.000Z", version: "2.0.0", codeSha256: SHA_GREEN, lambdaVersion: "2" };
const thresholds = { requiredSuccesses: 5, maxP95Ms: 500 };

describe("judgeHealth", () => {
  it("healthy: 5 consecutive 200s, p95 under the threshold, identity as deployed", () => {
    const report = judgeHealth(
      { color: "green", attempts: [ok(20), ok(30), ok(10), ok(40), ok(25)], deep: ok(200), expected, lambda: { aliasVersion: "2", codeSha256: SHA_GREEN, appVersion: "2.0.0" } },
      thresholds,
    );
    expect(report.healthy).toBe(true);
    expect(report).toMatchObject({ color: "green", p50Ms: 25, p95Ms: 40, version: "2.0.0", codeSha256: SHA_GREEN });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ["health-endpoint", true],
      ["deep-health", true],
      ["latency", true],
      ["color", true],
      ["version", true],
      ["code-sha256", true],
      ["alias-version", true],
    ]);
    expect(report.checks[0]?.attempts).toHaveLength(5);
  });

  it("fewer consecutive successes than required is unhealthy, naming the failing attempt", () => {
    const report = judgeHealth({ color: "green", attempts: [ok(20), ok(20), http(503, '{"error":{"code":"unavailable"}}')], expected }, thresholds);
    expect(report.healthy).toBe(false);
    const endpoint = report.checks.find((c) => c.name === "health-endpoint");
    expect(endpoint).toMatchObject({ ok: false, actual: 2 });
    expect(endpoint?.detail).toBe('2 consecutive successful GET /health, then attempt 3: HTTP 503: {"error":{"code":"unavailable"}}');
  });

  it("too few attempts made is not enough either", () => {
    expect(judgeHealth({ color: "green", attempts: [ok(5), ok(5)], expected }, thresholds).checks[0]).toMatchObject({ ok: false, detail: "2/5 consecutive GET /health answered 200 ok" });
  });

  it("p95 over the threshold is unhealthy", () => {
    const report = judgeHealth({ color: "green", attempts: [ok(100), ok(120), ok(90), ok(110), ok(900)], expected }, thresholds);
    expect(report.checks.find((c) => c.name === "latency")).toMatchObject({ ok: false, detail: "p50 110ms, p95 900ms (max 500ms)" });
    expect(report.healthy).toBe(false);
  });

  it("a 200 that does not say ok is a failure", () => {
    expect(attemptFailure(http(200, "<html>hi</html>"))).toMatch(/not a JSON object/);
    expect(attemptFailure(http(200, JSON.stringify({ status: "degraded" })))).toBe('HTTP 200 but status is "degraded"');
    expect(attemptFailure({ kind: "error", message: "x", timedOut: true, durationMs: 5000 })).toBe("no answer within the timeout (5000ms)");
    expect(attemptFailure(ok(1))).toBeUndefined();
  });

  it("another version or code than deploy recorded is unhealthy", () => {
    // The alias points at version 2 as recorded, but version 2's code (Lambda API) is another zip.
    const report = judgeHealth({ color: "green", attempts: [1, 2, 3, 4, 5].map(() => ok(10, { version: "1.0.0" })), expected, lambda: { aliasVersion: "2", codeSha256: SHA_BLUE, appVersion: "1.0.0" } }, thresholds);
    expect(report.checks.find((c) => c.name === "version")).toMatchObject({ ok: false, actual: "1.0.0", expected: "2.0.0" });
    expect(report.checks.find((c) => c.name === "code-sha256")).toMatchObject({ ok: false, expected: SHA_GREEN, actual: SHA_BLUE });
    expect(report.checks.find((c) => c.name === "code-sha256")?.detail).toMatch(/runs Lambda version 2, code lLhx.*CodeSha256 from the Lambda API.*expected Qh85.*deploy of green at 2026-11-25T09:00:00.000Z/);
    expect(report.codeSha256).toBe(SHA_BLUE);
  });

  it("the code is proven through the published version that answers and that version's CodeSha256", () => {
    const lambda = { aliasVersion: "2", codeSha256: SHA_GREEN, appVersion: "2.0.0" };
    const code = (attempts: ProbeResponse[], facts: typeof lambda | null = lambda) =>
      judgeHealth({ color: "green", attempts, expected, ...(facts ? { lambda: facts } : {}) }, thresholds).checks.find((c) => c.name === "code-sha256");
    const five = (body: Record<string, unknown>) => [1, 2, 3, 4, 5].map(() => ok(10, body));
    expect(code(five({}))).toMatchObject({ ok: true, detail: expect.stringMatching(/runs Lambda version 2, code Qh85.*CodeSha256 from the Lambda API/) });
    // Answering as another version than the alias's: the stage does not run the alias's code.
    expect(code(five({ functionVersion: "1" }))).toMatchObject({ ok: false, detail: "answers as Lambda version 1, but the green alias points at version 2" });
    // $LATEST (or nothing) is not a published version: its code can change, so it proves nothing.
    expect(code(five({ functionVersion: "$LATEST" }))).toMatchObject({ ok: false, detail: expect.stringMatching(/not a published version/) });
    expect(code(five({ functionVersion: undefined }))).toMatchObject({ ok: false, detail: "reports Lambda version null, not a published version: its code cannot be proven" });
    expect(code([ok(10), ok(10, { functionVersion: "1" }), ok(10), ok(10), ok(10)])).toMatchObject({ ok: false, detail: "answers disagree on the Lambda version that runs: 2, 1" });
    // Without the Lambda API (real AWS, alias unreadable): the version that deploy published is known to run its code.
    expect(code(five({}), null)).toMatchObject({ ok: true, detail: expect.stringMatching(/recorded by the deploy that published it/) });
    expect(code(five({ functionVersion: "3" }), null)).toMatchObject({ ok: false, detail: expect.stringMatching(/answers as Lambda version 3; .*only version 2 is known to run Qh85/) });
  });

  it("the wrong color answering (the stage routes elsewhere) is unhealthy", () => {
    const report = judgeHealth({ color: "green", attempts: [1, 2, 3, 4, 5].map(() => ok(10, { color: "blue" })), expected }, thresholds);
    expect(report.checks.find((c) => c.name === "color")).toMatchObject({ ok: false, detail: 'reports color "blue", expected "green" from the requested color' });
  });

  it("answers that disagree (a mix of versions behind the stage) are unhealthy", () => {
    const report = judgeHealth({ color: "green", attempts: [ok(10), ok(10, { version: "1.0.0" }), ok(10), ok(10), ok(10)], expected }, thresholds);
    expect(report.checks.find((c) => c.name === "version")).toMatchObject({ ok: false, detail: "answers disagree on the version: 2.0.0, 1.0.0" });
    expect(report.version).toBeNull();
  });

  it("an alias moved outside noveli fails even when the answers match the record", () => {
    const report = judgeHealth({ color: "green", attempts: [1, 2, 3, 4, 5].map(() => ok(10)), expected, lambda: { aliasVersion: "7", codeSha256: SHA_BLUE, appVersion: "2.0.0" } }, thresholds);
    expect(report.checks.find((c) => c.name === "code-sha256")?.detail).toBe("answers as Lambda version 2, but the green alias points at version 7");
    expect(report.checks.find((c) => c.name === "alias-version")).toMatchObject({ ok: false, expected: "2", actual: "7" });
  });

  it("without any expectation the identity checks fail instead of passing silently", () => {
    const report = judgeHealth({ color: "green", attempts: [1, 2, 3, 4, 5].map(() => ok(10)) }, thresholds);
    expect(report.healthy).toBe(false);
    expect(report.checks.find((c) => c.name === "code-sha256")?.detail).toMatch(/nothing to compare/);
  });

  it("deep and synthetic failures count", () => {
    const report = judgeHealth(
      { color: "green", attempts: [1, 2, 3, 4, 5].map(() => ok(10)), deep: http(503, '{"status":"error","dynamodb":"unreachable"}'), synthetic: http(500, "{}"), expected },
      thresholds,
    );
    expect(report.checks.find((c) => c.name === "deep-health")).toMatchObject({ ok: false, detail: expect.stringMatching(/GET \/health\?deep=1: HTTP 503/) });
    expect(report.checks.find((c) => c.name === "synthetic")).toMatchObject({ ok: false, detail: "POST /stories: HTTP 500: {}" });
  });

  it("never answering gives no latency and no identity", () => {
    const report = judgeHealth({ color: "blue", attempts: [{ kind: "error", message: "request failed: fetch failed (connect ECONNREFUSED)", timedOut: false, durationMs: 3 }], expected }, thresholds);
    expect(report).toMatchObject({ healthy: false, version: null, codeSha256: null, p95Ms: 3 });
    expect(report.checks.find((c) => c.name === "color")?.detail).toBe("no successful GET /health to read the color from");
  });
});

describe("percentile", () => {
  it("is nearest-rank", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5], 0.95)).toBe(5);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 0.95)).toBe(19);
    expect(percentile(Array.from({ length: 100 }, (_, i) => 100 - i), 0.95)).toBe(95);
  });
});

describe("expectationFromHistory", () => {
  const rec = (extra: Partial<HistoryRecord> & Record<string, unknown>): HistoryRecord => ({ type: "deploy", at: "t", user: "u", env: "dev", outcome: "applied", ...extra }) as HistoryRecord;
  it("uses the newest applied deploy of the color", () => {
    const history = [
      rec({ at: "1", color: "blue", version: "1.0.0", codeSha256: SHA_BLUE, lambdaVersion: "1", liveColor: "blue" }),
      rec({ at: "2", color: "green", version: "2.0.0", codeSha256: SHA_GREEN, lambdaVersion: "2" }),
      rec({ at: "3", color: "green", outcome: "failed", version: "3.0.0" }),
      rec({ at: "4", type: "switch", outcome: "switched" }),
    ];
    expect(expectationFromHistory(history, "green")).toEqual({ source: "deploy-record", recordedAt: "2", version: "2.0.0", codeSha256: SHA_GREEN, lambdaVersion: "2" });
    expect(expectationFromHistory(history, "blue")).toMatchObject({ recordedAt: "1", version: "1.0.0" });
  });
  it("a first deploy sets up both colors", () => {
    expect(expectationFromHistory([rec({ at: "1", color: "blue", version: "1.0.0", codeSha256: SHA_BLUE, lambdaVersion: "1", liveColor: "blue" })], "green")).toMatchObject({ version: "1.0.0", lambdaVersion: "1" });
  });
  it("nothing recorded is undefined; the Lambda can stand in", () => {
    expect(expectationFromHistory([], "green")).toBeUndefined();
    expect(expectationFromLambda({ aliasVersion: "4", codeSha256: SHA_GREEN, appVersion: null })).toEqual({ source: "lambda-configuration", version: null, codeSha256: SHA_GREEN, lambdaVersion: "4" });
  });
});

describe("durations and flags", () => {
  it("parses 1500ms, 30s, 2m, 1m30s, 1h", () => {
    expect(parseDuration("1500ms", "--x")).toBe(1500);
    expect(parseDuration("30s", "--x")).toBe(30_000);
    expect(parseDuration("2m", "--x")).toBe(120_000);
    expect(parseDuration("1m30s", "--x")).toBe(90_000);
    expect(parseDuration("0.5s", "--x")).toBe(500);
    expect(parseDuration("1h", "--x")).toBe(3_600_000);
  });
  it.each(["60", "2 minutes", "", "s", "-1s", "1d"])("refuses %j", (raw) => {
    expect(() => parseDuration(raw, "--interval")).toThrow(UsageError);
    expect(() => parseDuration(raw, "--interval")).toThrow(/--interval .* is not a duration/);
  });
  it("formats durations back", () => {
    expect([850, 1000, 1500, 30_000, 120_000, 90_000].map(formatDuration)).toEqual(["850ms", "1s", "1.5s", "30s", "2m", "1m30s"]);
  });
  it("health settings: defaults, overrides, refusals", () => {
    expect(parseHealthSettings({})).toEqual({ attempts: 5, intervalMs: 1000, timeoutMs: 5000, maxP95Ms: 1500, synthetic: false, deep: true });
    expect(parseHealthSettings({ attempts: "3", interval: "200ms", timeout: "2s", maxP95: "800", synthetic: true, deep: false })).toEqual({
      attempts: 3,
      intervalMs: 200,
      timeoutMs: 2000,
      maxP95Ms: 800,
      synthetic: true,
      deep: false,
    });
    expect(parseHealthSettings({ maxP95: "1.2s" }).maxP95Ms).toBe(1200);
    expect(() => parseHealthSettings({ attempts: "0" })).toThrow(/--attempts must be a whole number from 1 to 100/);
    expect(() => parseHealthSettings({ attempts: "x" }, "health-")).toThrow(/--health-attempts/);
    expect(() => parseHealthSettings({ timeout: "10ms" })).toThrow(/at least 100ms/);
    expect(() => parseColor("purple", "the color")).toThrow(/must be blue or green, got "purple"/);
  });
});
