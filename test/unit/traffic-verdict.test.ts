import { describe, expect, it } from "vitest";
import type { MetricSeries, MetricStatQuery } from "../../src/aws/cloudwatch.js";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { getMetricData } from "../../src/aws/cloudwatch.js";
import { parseAnalysisSettings, parseRate } from "../../src/ops/traffic/flags.js";
import { verdictTable } from "../../src/views/traffic.js";
import { styleFor } from "../../src/output/style.js";
import type { Clock } from "../../src/core/clock.js";
import { analysisQueries, createCanaryAnalysis, decide, DEFAULT_POLICY, figuresFrom, windowStart, type AnalysisSettings } from "../../src/ops/traffic/analysis.js";
import { DEFAULT_THRESHOLDS, judgeCanary, type ColorFigures } from "../../src/ops/traffic/verdict.js";

const figures = (color: "blue" | "green", over: Partial<ColorFigures> = {}): ColorFigures => ({
  color,
  invocations: 100,
  errors: 0,
  throttles: 0,
  p95DurationMs: 200,
  generations: 0,
  generationFailures: 0,
  ...over,
});

const byMetric = (verdict: ReturnType<typeof judgeCanary>) => Object.fromEntries(verdict.checks.map((c) => [c.metric, c.verdict]));

describe("judgeCanary", () => {
  it("passes a new color that does as well as the old one", () => {
    const verdict = judgeCanary(figures("green", { errors: 0, p95DurationMs: 210 }), figures("blue", { p95DurationMs: 200 }), DEFAULT_THRESHOLDS);
    expect(verdict.verdict).toBe("pass");
    expect(byMetric(verdict)).toEqual({ requests: "pass", "error-rate": "pass", throttles: "pass", "p95-duration": "pass", "generation-failures": "inconclusive" });
    expect(verdict.checks.map((c) => c.metric)).toEqual(["requests", "error-rate", "throttles", "p95-duration", "generation-failures"]);
  });

  it("fails on errors of the new color only, with the figures in the summary", () => {
    const verdict = judgeCanary(figures("green", { errors: 10 }), figures("blue"), DEFAULT_THRESHOLDS);
    expect(verdict.verdict).toBe("fail");
    expect(byMetric(verdict)["error-rate"]).toBe("fail");
    expect(verdict.checks.find((c) => c.metric === "error-rate")).toMatchObject({ new: 0.1, old: 0, threshold: "≤ 1%" });
    expect(verdict.summary).toBe("canary analysis of green against blue failed: error-rate: error rate 10% > 1%, old 0% (10/100 vs 0/100)");
  });

  it("equal figures on both colors are not a failure of the new one, even above the threshold", () => {
    const verdict = judgeCanary(figures("green", { errors: 5 }), figures("blue", { errors: 5 }), DEFAULT_THRESHOLDS);
    expect(verdict.verdict).toBe("pass");
    expect(verdict.checks.find((c) => c.metric === "error-rate")?.detail).toMatch(/above 1% but the old color's is 5%: not the new color's doing/);
  });

  it("a new color clearly worse than a bad old one still fails", () => {
    expect(judgeCanary(figures("green", { errors: 20 }), figures("blue", { errors: 5 }), DEFAULT_THRESHOLDS).verdict).toBe("fail");
  });

  it("too few requests is inconclusive, not a pass, whatever the errors", () => {
    const verdict = judgeCanary(figures("green", { invocations: 10, errors: 10 }), figures("blue"), DEFAULT_THRESHOLDS);
    expect(verdict.verdict).toBe("inconclusive");
    expect(verdict.summary).toBe("canary analysis inconclusive: 10 request(s) on green, 20 needed for a verdict");
    expect(byMetric(verdict)["error-rate"]).toBe("inconclusive");
  });

  it("a zero baseline: the old color served nothing, so the absolute thresholds judge alone", () => {
    const idle = figures("blue", { invocations: 0, p95DurationMs: null });
    const bad = judgeCanary(figures("green", { errors: 2 }), idle, DEFAULT_THRESHOLDS);
    expect(bad.verdict).toBe("fail");
    expect(bad.checks.find((c) => c.metric === "error-rate")).toMatchObject({ old: null, detail: "error rate 2% > 1%, no baseline (2/100)" });
    const good = judgeCanary(figures("green"), idle, DEFAULT_THRESHOLDS);
    expect(good.verdict).toBe("pass");
    // No ratio without a baseline (and no division by zero): the latency row says so.
    expect(good.checks.find((c) => c.metric === "p95-duration")).toMatchObject({ verdict: "inconclusive", old: null });
    expect(good.checks[0]?.detail).toMatch(/blue served 0: no baseline, absolute thresholds only/);
    // A zero p95 on the old color is no baseline either.
    expect(judgeCanary(figures("green"), figures("blue", { p95DurationMs: 0 }), DEFAULT_THRESHOLDS).checks.find((c) => c.metric === "p95-duration")?.verdict).toBe("inconclusive");
  });

  it("fails a p95 duration above the ratio, passes at the ratio", () => {
    const slow = judgeCanary(figures("green", { p95DurationMs: 301 }), figures("blue", { p95DurationMs: 200 }), DEFAULT_THRESHOLDS);
    expect(slow.verdict).toBe("fail");
    expect(slow.checks.find((c) => c.metric === "p95-duration")?.detail).toBe("p95 301ms vs 200ms = 1.50× > 1.5×");
    expect(judgeCanary(figures("green", { p95DurationMs: 300 }), figures("blue", { p95DurationMs: 200 }), DEFAULT_THRESHOLDS).verdict).toBe("pass");
    // Without percentiles (moto) the row is inconclusive and the rest still judges.
    const none = judgeCanary(figures("green", { p95DurationMs: null, errors: 3 }), figures("blue", { p95DurationMs: null }), DEFAULT_THRESHOLDS);
    expect(byMetric(none)).toMatchObject({ "p95-duration": "inconclusive", "error-rate": "fail" });
  });

  it("throttles count as requests and fail by their rate", () => {
    const throttled = judgeCanary(figures("green", { invocations: 0, throttles: 50 }), figures("blue"), DEFAULT_THRESHOLDS);
    expect(throttled.verdict).toBe("fail");
    expect(byMetric(throttled)).toMatchObject({ requests: "pass", throttles: "fail" });
  });

  it("judges the story generation failure rate from the function's own metrics", () => {
    const verdict = judgeCanary(figures("green", { generations: 40, generationFailures: 8 }), figures("blue", { generations: 40, generationFailures: 0 }), DEFAULT_THRESHOLDS);
    expect(verdict.verdict).toBe("fail");
    expect(verdict.checks.find((c) => c.metric === "generation-failures")).toMatchObject({ new: 0.2, old: 0, verdict: "fail" });
  });
});

const settings = (over: Partial<AnalysisSettings> = {}): AnalysisSettings => ({ ...DEFAULT_THRESHOLDS, ...DEFAULT_POLICY, ...over });

describe("decide (failure limit, inconclusive)", () => {
  it("the first failed verdict trips with the default limit of 1", () => {
    expect(decide(settings(), { failures: 0, extensions: 0 }, "fail", false)).toEqual({ decision: { kind: "trip", summary: "a failed verdict: failure 1 of limit 1" }, failures: 1 });
  });
  it("below the limit a failure is counted and the step goes on; the limit-th trips", () => {
    const policy = settings({ failureLimit: 3 });
    expect(decide(policy, { failures: 0, extensions: 0 }, "fail", false)).toEqual({ decision: { kind: "continue" }, failures: 1 });
    expect(decide(policy, { failures: 1, extensions: 0 }, "pass", false)).toEqual({ decision: { kind: "continue" }, failures: 1 });
    expect(decide(policy, { failures: 2, extensions: 0 }, "fail", false).decision.kind).toBe("trip");
    // A step that ends on a failed verdict below the limit does not advance: it waits another interval.
    expect(decide(policy, { failures: 1, extensions: 0 }, "fail", true).decision.kind).toBe("extend");
  });
  it("an inconclusive step waits one more interval by default, then goes on unjudged", () => {
    expect(decide(settings(), { failures: 0, extensions: 0 }, "inconclusive", false).decision).toEqual({ kind: "continue" });
    expect(decide(settings(), { failures: 0, extensions: 0 }, "inconclusive", true).decision).toEqual({ kind: "extend", why: "too few requests for a verdict" });
    expect(decide(settings(), { failures: 0, extensions: 1 }, "inconclusive", true).decision).toEqual({ kind: "done", result: "unjudged" });
  });
  it("--require-traffic makes a step that ends inconclusive a failure", () => {
    expect(decide(settings({ requireTraffic: true }), { failures: 0, extensions: 0 }, "inconclusive", true)).toEqual({
      decision: { kind: "trip", summary: "too few requests (--require-traffic): failure 1 of limit 1" },
      failures: 1,
    });
    // Mid-window it is not yet a failure: the window may still fill.
    expect(decide(settings({ requireTraffic: true }), { failures: 0, extensions: 0 }, "inconclusive", false)).toEqual({ decision: { kind: "continue" }, failures: 0 });
  });
  it("a passing step ends passed", () => {
    expect(decide(settings(), { failures: 0, extensions: 0 }, "pass", true).decision).toEqual({ kind: "done", result: "passed" });
  });
});

describe("the CloudWatch side of the analysis", () => {
  it("windows start at the first whole minute at or after the step began", () => {
    expect(new Date(windowStart(Date.parse("2026-11-25T10:00:30.500Z"))).toISOString()).toBe("2026-11-25T10:01:00.000Z");
    expect(new Date(windowStart(Date.parse("2026-11-25T10:00:00.000Z"))).toISOString()).toBe("2026-11-25T10:00:00.000Z");
  });

  it("queries each alias at 1-minute periods, p95 as one period over the window, and the function's metrics per Color", () => {
    const queries = analysisQueries({ functionName: "noveli-dev-story", environment: "dev", percentiles: true }, ["green", "blue"], 150_000);
    const green = queries.filter((q) => q.id.startsWith("green_"));
    expect(green.map((q) => [q.id, q.metricName, q.stat, q.periodSeconds])).toEqual([
      ["green_invocations", "Invocations", "Sum", 60],
      ["green_errors", "Errors", "Sum", 60],
      ["green_throttles", "Throttles", "Sum", 60],
      ["green_p95", "Duration", "p95", 180],
      ["green_gen_success", "SuccessRate", "Sum", 60],
      ["green_gen_count", "SuccessRate", "SampleCount", 60],
    ]);
    expect(green[0]).toMatchObject({ namespace: "AWS/Lambda", dimensions: { FunctionName: "noveli-dev-story", Resource: "noveli-dev-story:green" } });
    expect(green[4]).toMatchObject({ namespace: "LiminalTransit/StoryGeneration", dimensions: { Environment: "dev", Color: "green" } });
    // Every id is a valid GetMetricData id (lower-case letter first).
    expect(queries.every((q) => /^[a-z][A-Za-z0-9_]*$/.test(q.id))).toBe(true);
    expect(analysisQueries({ functionName: "f", environment: "dev", percentiles: false }, ["green", "blue"], 60_000).some((q) => q.stat === "p95")).toBe(false);
  });

  it("adds the periods up into one color's figures", () => {
    const series = new Map<string, MetricSeries>(
      Object.entries({ green_invocations: [30, 20], green_errors: [2, 1], green_p95: [480], green_gen_success: [900, 800], green_gen_count: [10, 8] }).map(([id, values]) => [
        id,
        { id, values, timestamps: values.map((_, i) => `2026-11-25T10:0${i}:00.000Z`), status: "Complete" },
      ]),
    );
    expect(figuresFrom(series, "green")).toEqual({ color: "green", invocations: 50, errors: 3, throttles: 0, p95DurationMs: 480, generations: 18, generationFailures: 1 });
    expect(figuresFrom(series, "blue")).toEqual({ color: "blue", invocations: 0, errors: 0, throttles: 0, p95DurationMs: null, generations: 0, generationFailures: 0 });
  });
});

function instantClock(start: string): Clock {
  let now = Date.parse(start);
  return { now: () => now, sleep: async (ms) => void (now += ms) };
}

/** A fake CloudWatch: per color, the invocations and errors of each minute from the window start. */
function fakeCloudWatch(perMinute: Record<"blue" | "green", { invocations: number; errors: number }>) {
  const reads: { start: string; end: string; ids: string[] }[] = [];
  const read = async (queries: MetricStatQuery[], start: Date, end: Date) => {
    reads.push({ start: start.toISOString(), end: end.toISOString(), ids: queries.map((q) => q.id) });
    const minutes = Math.ceil((end.getTime() - start.getTime()) / 60_000);
    const series = new Map<string, MetricSeries>();
    for (const color of ["blue", "green"] as const) {
      for (const [id, value] of [["invocations", perMinute[color].invocations], ["errors", perMinute[color].errors]] as const) {
        series.set(`${color}_${id}`, { id: `${color}_${id}`, values: Array.from({ length: minutes }, () => value), timestamps: Array.from({ length: minutes }, (_, i) => new Date(start.getTime() + i * 60_000).toISOString()), status: "Complete" });
      }
    }
    return series;
  };
  return { reads, read };
}

describe("createCanaryAnalysis: the analysis at every poll", () => {
  const spec = { functionName: "f", environment: "dev", percentiles: false };

  it("rolls back on the first failed verdict, with the figures as evidence, reading only the window since the step began", async () => {
    const clock = instantClock("2026-11-25T10:00:30Z");
    const cloudWatch = fakeCloudWatch({ green: { invocations: 40, errors: 4 }, blue: { invocations: 40, errors: 0 } });
    const progress: string[] = [];
    const analysis = createCanaryAnalysis({ settings: settings(), spec, read: cloudWatch.read, progress: (m) => progress.push(m) });
    const result = await analysis.watch({ durationMs: 180_000, pollMs: 20_000, clock, newColor: "green", oldColor: "blue", label: "watch 3m", poll: async () => ({ kind: "ok" }) });
    expect(result.watch.kind).toBe("tripped");
    if (result.watch.kind !== "tripped") return;
    expect(result.watch.evidence).toMatchObject({ kind: "analysis", failures: 1, failureLimit: 1 });
    expect(result.watch.evidence.summary).toMatch(/^canary analysis of green against blue failed: error-rate: error rate 10% > 1%, old 0% \(4\/40 vs 0\/40\) \(a failed verdict: failure 1 of limit 1\)$/);
    expect(result.analysis).toMatchObject({ result: "failed", windowStart: "2026-11-25T10:01:00.000Z", failures: 1 });
    // Until 10:01:00 nothing is read at all: the minute the step began in holds traffic from before it.
    expect(cloudWatch.reads.every((r) => r.start === "2026-11-25T10:01:00.000Z")).toBe(true);
    expect(result.analysis.analyses.length).toBeGreaterThan(cloudWatch.reads.length);
    expect(result.analysis.analyses[0]?.verdict.summary).toBe("canary analysis inconclusive: its window opens at 10:01:00 UTC, the first whole minute of the step");
  });

  it("the same low error rate on both colors does not roll back", async () => {
    const clock = instantClock("2026-11-25T10:00:00Z");
    const cloudWatch = fakeCloudWatch({ green: { invocations: 200, errors: 1 }, blue: { invocations: 200, errors: 1 } });
    const analysis = createCanaryAnalysis({ settings: settings(), spec, read: cloudWatch.read, progress: () => undefined });
    const result = await analysis.watch({ durationMs: 120_000, pollMs: 30_000, clock, newColor: "green", oldColor: "blue", label: "watch", poll: async () => ({ kind: "ok" }) });
    expect(result.watch.kind).toBe("clean");
    expect(result.analysis).toMatchObject({ result: "passed", extensions: 0, failures: 0 });
    expect(result.analysis.analyses.at(-1)?.figures.new).toMatchObject({ invocations: 400, errors: 2 });
  });

  it("an inconclusive step waits one more interval, then goes on unjudged; --require-traffic rolls back instead", async () => {
    const quiet = fakeCloudWatch({ green: { invocations: 1, errors: 0 }, blue: { invocations: 1, errors: 0 } });
    const progress: string[] = [];
    const quietStep = (over: Partial<AnalysisSettings>) =>
      createCanaryAnalysis({ settings: settings(over), spec, read: quiet.read, progress: (m) => progress.push(m) }).watch({
        durationMs: 60_000,
        pollMs: 30_000,
        clock: instantClock("2026-11-25T10:00:00Z"),
        newColor: "green",
        oldColor: "blue",
        label: "canary 10%",
        poll: async () => ({ kind: "ok" }),
      });
    const waited = await quietStep({});
    expect(waited.watch.kind).toBe("clean");
    expect(waited.analysis).toMatchObject({ result: "unjudged", extensions: 1 });
    expect(progress).toContain("canary 10%: too few requests for a verdict: waiting another 1m");

    const required = await quietStep({ requireTraffic: true });
    expect(required.watch.kind).toBe("tripped");
    expect(required.watch.kind === "tripped" && required.watch.evidence.summary).toMatch(/inconclusive: .* \(too few requests \(--require-traffic\): failure 1 of limit 1\)$/);
  });

  it("counts failures across the steps of one shift towards the limit", async () => {
    const bad = fakeCloudWatch({ green: { invocations: 40, errors: 4 }, blue: { invocations: 40, errors: 0 } });
    const analysis = createCanaryAnalysis({ settings: settings({ failureLimit: 3 }), spec, read: bad.read, progress: () => undefined });
    const clock = instantClock("2026-11-25T10:00:00Z");
    const step = () => analysis.watch({ durationMs: 60_000, pollMs: 60_000, clock, newColor: "green", oldColor: "blue", label: "canary", poll: async () => ({ kind: "ok" }) });
    const first = await step();
    // Two polls (start, end): the start one opens the window with no figures, the end one fails (1 of 3), then it waits; the next fails again (2 of 3)...
    expect(first.watch.kind).toBe("tripped");
    expect(first.analysis.failures).toBe(3);
  });

  it("an alarm or failed health poll stops the step before the analysis reads anything", async () => {
    const cloudWatch = fakeCloudWatch({ green: { invocations: 40, errors: 0 }, blue: { invocations: 40, errors: 0 } });
    const result = await createCanaryAnalysis({ settings: settings(), spec, read: cloudWatch.read, progress: () => undefined }).watch({
      durationMs: 60_000,
      pollMs: 10_000,
      clock: instantClock("2026-11-25T10:00:00Z"),
      newColor: "green",
      oldColor: "blue",
      label: "watch",
      poll: async () => ({ kind: "tripped", evidence: { kind: "alarm", at: "t", alarms: [], summary: "alarm x is in ALARM" } }),
    });
    expect(result.watch.kind === "tripped" && result.watch.evidence.kind).toBe("alarm");
    expect(result.analysis.result).toBe("stopped");
    expect(cloudWatch.reads).toEqual([]);
  });
});

describe("the analysis flags", () => {
  it("parses rates as percentages or fractions and refuses the ambiguous", () => {
    expect(parseRate("1%", "--max-error-rate")).toBe(0.01);
    expect(parseRate("0.5%", "--max-error-rate")).toBe(0.005);
    expect(parseRate("0.02", "--max-error-rate")).toBe(0.02);
    expect(() => parseRate("5", "--max-error-rate")).toThrow(/is not a rate: use a percentage below 100%/);
    expect(() => parseRate("100%", "--max-error-rate")).toThrow(/not a rate/);
    expect(() => parseRate("abc", "--max-error-rate")).toThrow(/not a rate/);
  });
  it("defaults, overrides, the bypass and the combinations refused", () => {
    expect(parseAnalysisSettings({}, true)).toEqual({ maxErrorRate: 0.01, maxLatencyRatio: 1.5, minRequests: 20, failureLimit: 1, requireTraffic: false, maxExtensions: 1 });
    expect(parseAnalysisSettings({ maxErrorRate: "2%", maxLatencyRatio: "2", minRequests: "50", failureLimit: "3", requireTraffic: true }, true)).toMatchObject({ maxErrorRate: 0.02, maxLatencyRatio: 2, minRequests: 50, failureLimit: 3, requireTraffic: true });
    expect(parseAnalysisSettings({ skipAnalysis: true }, true)).toBe("skipped");
    expect(parseAnalysisSettings({}, false)).toBeUndefined();
    expect(() => parseAnalysisSettings({ skipAnalysis: true, maxErrorRate: "2%" }, true)).toThrow("--skip-analysis turns the canary analysis off: drop --max-error-rate");
    expect(() => parseAnalysisSettings({ minRequests: "5" }, false)).toThrow("--min-requests only matter with --watch or --canary");
    expect(() => parseAnalysisSettings({ maxLatencyRatio: "0.5" }, true)).toThrow(/--max-latency-ratio must be a number of at least 1/);
    expect(() => parseAnalysisSettings({ failureLimit: "0" }, true)).toThrow(/--failure-limit must be a whole number from 1 to 100/);
  });
});

describe("getMetricData (the one GetMetricData wrapper)", () => {
  it("sends each query as a MetricStat, follows NextToken, keeps series oldest first and drops non-finite values", async () => {
    const sent: Record<string, unknown>[] = [];
    const pages = [
      {
        MetricDataResults: [{ Id: "green_invocations", Timestamps: [new Date("2026-11-25T10:02:00Z"), new Date("2026-11-25T10:01:00Z")], Values: [5, 7], StatusCode: "PartialData" }],
        NextToken: "t1",
      },
      { MetricDataResults: [{ Id: "green_invocations", Timestamps: [new Date("2026-11-25T10:03:00Z"), new Date("2026-11-25T10:04:00Z")], Values: [Number.NaN, 2], StatusCode: "Complete" }, { Id: "unknown", Timestamps: [], Values: [] }] },
    ];
    const client = { send: async (command: { input: Record<string, unknown> }) => (sent.push(command.input), pages[sent.length - 1]) } as unknown as CloudWatchClient;
    const query = { id: "green_invocations", namespace: "AWS/Lambda", metricName: "Invocations", dimensions: { FunctionName: "f", Resource: "f:green" }, stat: "Sum", periodSeconds: 60 };
    const series = await getMetricData(client, [query], new Date("2026-11-25T10:01:00Z"), new Date("2026-11-25T10:05:00Z"));
    expect(series.get("green_invocations")).toEqual({
      id: "green_invocations",
      timestamps: ["2026-11-25T10:01:00.000Z", "2026-11-25T10:02:00.000Z", "2026-11-25T10:04:00.000Z"],
      values: [7, 5, 2],
      status: "Complete",
    });
    expect(sent).toHaveLength(2);
    expect(sent[1]?.NextToken).toBe("t1");
    expect(sent[0]?.MetricDataQueries).toEqual([
      { Id: "green_invocations", ReturnData: true, MetricStat: { Metric: { Namespace: "AWS/Lambda", MetricName: "Invocations", Dimensions: [{ Name: "FunctionName", Value: "f" }, { Name: "Resource", Value: "f:green" }] }, Period: 60, Stat: "Sum" } },
    ]);
  });
});

describe("the verdict table", () => {
  it("shows metric, new, old, threshold and verdict, rates as percentages", () => {
    const plain = styleFor(false);
    const verdict = judgeCanary(figures("green", { errors: 10, p95DurationMs: 250 }), figures("blue", { p95DurationMs: 200 }), DEFAULT_THRESHOLDS);
    expect(verdictTable(plain, verdict.checks, "green (new)", "blue (old)")).toEqual([
      "metric               green (new)  blue (old)  threshold   verdict",
      "requests             100          100         ≥ 20        pass",
      "error-rate           10%          0%          ≤ 1%        fail",
      "throttles            0%           0%          ≤ 1%        pass",
      "p95-duration         250ms        200ms       ≤ 1.5× old  pass",
      "generation-failures  -            -           ≤ 1%        inconclusive",
    ]);
  });
});
