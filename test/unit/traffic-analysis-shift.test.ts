import { describe, expect, it } from "vitest";
import type { StageTraffic } from "../../src/aws/apigateway.js";
import type { AlarmState, MetricSeries, MetricStatQuery } from "../../src/aws/cloudwatch.js";
import type { HealthReport } from "../../src/ops/health/judge.js";
import type { HealthProbe, ProbeResponse } from "../../src/ops/health/probe.js";
import type { Clock } from "../../src/core/clock.js";
import { createCanaryAnalysis, DEFAULT_POLICY } from "../../src/ops/traffic/analysis.js";
import type { StagePatch } from "../../src/ops/traffic/planner.js";
import { DEFAULT_PROPAGATION, verifyPropagation } from "../../src/ops/traffic/propagation.js";
import { executeShift, type ShiftDeps, type ShiftRequest } from "../../src/ops/traffic/shift.js";
import { DEFAULT_THRESHOLDS } from "../../src/ops/traffic/verdict.js";
import type { Color } from "../../src/core/color.js";

/**
 * The canary analysis inside a shift: the hook into the poll loop of each canary step and of the
 * watch, the rollback it causes, the figures in the step records, and the per-color alarms.
 */

function stageOf(initial: StageTraffic) {
  const traffic: StageTraffic = structuredClone(initial);
  return {
    traffic,
    read: async () => structuredClone(traffic),
    update: async (ops: StagePatch[]) => {
      for (const op of ops) {
        if (op.path === "/variables/deployment") traffic.deployment = op.value;
        if (op.path === "/canarySettings" && op.op === "remove") delete traffic.canary;
        if (op.path === "/canarySettings/percentTraffic") traffic.canary = { percentTraffic: Number(op.value), deployment: traffic.canary?.deployment };
        if (op.path === "/canarySettings/stageVariableOverrides/deployment") traffic.canary = { percentTraffic: traffic.canary?.percentTraffic ?? 0, deployment: op.value };
      }
      return structuredClone(traffic);
    },
  };
}

const healthy = (color: Color): HealthReport => ({ color, healthy: true, checks: [], p50Ms: 5, p95Ms: 9, version: "2.0.0", codeSha256: "x" });

/** CloudWatch answering per color a fixed count per minute of the window. */
function metrics(perMinute: Record<Color, { invocations: number; errors: number }>) {
  const reads: string[] = [];
  const read = async (queries: MetricStatQuery[], start: Date, end: Date) => {
    reads.push(start.toISOString());
    const minutes = Math.ceil((end.getTime() - start.getTime()) / 60_000);
    const series = new Map<string, MetricSeries>();
    for (const q of queries) {
      const [color, id] = q.id.split("_") as [Color, string];
      const value = id === "invocations" ? perMinute[color].invocations : id === "errors" ? perMinute[color].errors : undefined;
      if (value !== undefined) series.set(q.id, { id: q.id, values: Array.from({ length: minutes }, () => value), timestamps: Array.from({ length: minutes }, (_, i) => new Date(start.getTime() + i * 60_000).toISOString()), status: "Complete" });
    }
    return series;
  };
  return { reads, read };
}

function deps(options: { figures: Record<Color, { invocations: number; errors: number }>; alarms?: (AlarmState & { color?: Color })[]; initial?: StageTraffic }) {
  let now = Date.parse("2026-11-25T10:00:10Z");
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
  const stage = stageOf(options.initial ?? { deployment: "blue" });
  const messages: string[] = [];
  const cloudWatch = metrics(options.figures);
  const shiftDeps: ShiftDeps = {
    stage,
    clock,
    signal: new AbortController().signal,
    progress: (m) => messages.push(m),
    gateHealth: async (c) => healthy(c),
    pollHealth: async (c) => healthy(c),
    readAlarms: async () => options.alarms ?? [],
    analysis: createCanaryAnalysis({ settings: { ...DEFAULT_THRESHOLDS, ...DEFAULT_POLICY }, spec: { functionName: "f", environment: "dev", percentiles: false }, read: cloudWatch.read, progress: (m) => messages.push(m) }),
  };
  return { shiftDeps, stage, messages, cloudWatch };
}

const request = (overrides: Partial<ShiftRequest> = {}): ShiftRequest => ({ operation: "switch", to: "green", stepIntervalMs: 120_000, watchMs: 0, pollMs: 15_000, autoRollback: true, healthGate: true, ...overrides });

describe("executeShift with the canary analysis", () => {
  it("a canary step whose new color errors rolls back (exit 3) with the figures, no alarm firing", async () => {
    const h = deps({ figures: { green: { invocations: 30, errors: 6 }, blue: { invocations: 270, errors: 1 } }, alarms: [{ name: "noveli-dev-lambda-errors", state: "OK", reason: "", updatedAt: null }] });
    const outcome = await executeShift(h.shiftDeps, request({ canary: [10, 100] }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back", evidence: { kind: "analysis", failures: 1, failureLimit: 1 } });
    expect(outcome.reason).toMatch(/^canary analysis of green against blue failed: error-rate: error rate 20% > 1%, old 0\.37% \(6\/30 vs 1\/270\)/);
    expect(outcome.reason).toMatch(/live traffic is back on blue/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    const canary = outcome.steps.find((s) => s.name === "watch");
    expect(canary?.analysis).toMatchObject({ newColor: "green", oldColor: "blue", result: "failed", windowStart: "2026-11-25T10:01:00.000Z" });
    expect(canary?.analysis?.analyses.at(-1)?.figures).toMatchObject({ new: { invocations: 30, errors: 6 }, old: { invocations: 270, errors: 1 } });
  });

  it("the same low error rate on both colors goes through every step and the watch", async () => {
    const h = deps({ figures: { green: { invocations: 100, errors: 1 }, blue: { invocations: 100, errors: 1 } } });
    const outcome = await executeShift(h.shiftDeps, request({ canary: [10, 50, 100], watchMs: 120_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });
    expect(outcome.reason).toMatch(/watched 2m: no alarm, green healthy, canary analysis passed/);
    const watches = outcome.steps.filter((s) => s.name === "watch");
    expect(watches.map((s) => s.analysis?.result)).toEqual(["passed", "passed", "passed"]);
    expect(h.stage.traffic).toEqual({ deployment: "green" });
  });

  it("once traffic has left the old color, its own alarms no longer trip the watch; the new color's do", async () => {
    const idleAlarm = { name: "noveli-dev-blue-error-rate", state: "ALARM" as const, reason: "blue errors", updatedAt: null, color: "blue" as const };
    const quiet = { green: { invocations: 100, errors: 0 }, blue: { invocations: 0, errors: 0 } };
    // Preflight sees no ALARM; the idle color's alarm goes off after the switch.
    let reads = 0;
    const h = deps({ figures: quiet });
    h.shiftDeps.readAlarms = async () => (reads++ === 0 ? [] : [idleAlarm]);
    const outcome = await executeShift(h.shiftDeps, request({ watchMs: 120_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });

    const newAlarm = { ...idleAlarm, name: "noveli-dev-green-error-rate", color: "green" as const };
    let reads2 = 0;
    const h2 = deps({ figures: quiet });
    h2.shiftDeps.readAlarms = async () => (reads2++ === 0 ? [] : [newAlarm]);
    const tripped = await executeShift(h2.shiftDeps, request({ watchMs: 120_000 }));
    expect(tripped).toMatchObject({ result: "rolled-back", evidence: { kind: "alarm", alarms: [{ name: "noveli-dev-green-error-rate" }] } });
  });

  it("a watch with too few requests waits one more interval, then reports the switch as not judged", async () => {
    const h = deps({ figures: { green: { invocations: 3, errors: 0 }, blue: { invocations: 0, errors: 0 } } });
    const outcome = await executeShift(h.shiftDeps, request({ watchMs: 120_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });
    // 3 a minute over the 4 whole minutes of the watch and its extra interval.
    expect(outcome.reason).toBe("live traffic moved from blue to green; watched 2m: no alarm, green healthy, canary analysis not judged (12 request(s) on green, 20 needed for a verdict)");
    expect(outcome.steps.find((s) => s.name === "watch")?.analysis).toMatchObject({ result: "unjudged", extensions: 1 });
    expect(h.messages).toContain("watch 2m: too few requests for a verdict: waiting another 2m");
  });

  it("a zero baseline after an all-at-once switch: the new color is judged on the absolute threshold", async () => {
    const h = deps({ figures: { green: { invocations: 100, errors: 5 }, blue: { invocations: 0, errors: 0 } } });
    const outcome = await executeShift(h.shiftDeps, request({ watchMs: 120_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back" });
    expect(outcome.reason).toContain("error rate 5% > 1%, no baseline");
  });

  it("a CloudWatch read that fails during the watch rolls back like a watch that cannot see", async () => {
    const h = deps({ figures: { green: { invocations: 100, errors: 0 }, blue: { invocations: 100, errors: 0 } } });
    h.shiftDeps.analysis = createCanaryAnalysis({
      settings: { ...DEFAULT_THRESHOLDS, ...DEFAULT_POLICY },
      spec: { functionName: "f", environment: "dev", percentiles: false },
      read: async () => {
        throw new Error("AccessDenied: cloudwatch:GetMetricData");
      },
      progress: () => undefined,
    });
    const outcome = await executeShift(h.shiftDeps, request({ watchMs: 120_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back" });
    expect(outcome.reason).toMatch(/could not read alarms or health: AccessDenied: cloudwatch:GetMetricData/);
  });
});

/** A live stage that answers GET /health from `answers` in turn (the last one repeats). */
function fakeLiveStage(answers: (string | number)[]): HealthProbe & { sent: number } {
  const probe = {
    kind: "http" as const,
    via: "https://example.execute-api.us-east-1.amazonaws.com/live",
    sent: 0,
    async send(): Promise<ProbeResponse> {
      const answer = answers[Math.min(probe.sent, answers.length - 1)] as string | number;
      probe.sent += 1;
      if (typeof answer === "number") return { kind: "response", status: answer, body: "{}", durationMs: 1 };
      if (answer === "timeout") return { kind: "error", message: "no answer within 5000ms", timedOut: true, durationMs: 5000 };
      return { kind: "response", status: 200, body: JSON.stringify({ status: "ok", color: answer }), durationMs: 1 };
    },
    async close() {},
  };
  return probe;
}

describe("verifyPropagation: the switch verified where the traffic lands", () => {
  const settings = { ...DEFAULT_PROPAGATION, consecutive: 3, intervalMs: 250, timeoutMs: 5_000 };
  const clock = (): Clock => {
    let now = 0;
    return { now: () => now, sleep: async (ms) => void (now += ms) };
  };

  it("waits for K consecutive answers from the new color; the time until the first is the propagation time", async () => {
    const probe = fakeLiveStage(["blue", "green", "blue", "green", "green", "green"]);
    const result = await verifyPropagation({ probe, color: "green", settings, clock: clock() });
    expect(result).toMatchObject({ kind: "verified", color: "green", propagationMs: 750, verifiedMs: 1250, probes: 6, seen: { blue: 2, green: 4 } });
    expect(result.summary).toBe("live traffic lands on green: 3 consecutive GET /health answered by green after 750ms (6 probe(s): blue ×2, green ×4)");
  });

  it("a timeout names the colors seen, errors and bad answers included", async () => {
    const probe = fakeLiveStage(["blue", 502, "timeout", "blue"]);
    const result = await verifyPropagation({ probe, color: "green", settings, clock: clock() });
    expect(result.kind).toBe("timeout");
    expect(result.summary).toMatch(/^live traffic did not land on green within 5s: 3 consecutive answers from green needed, the live stage answered blue ×\d+, http 502 ×1, error ×1$/);
  });

  it("in a shift: verified after an all-at-once switch, in the step and the reason", async () => {
    const h = deps({ figures: { green: { invocations: 0, errors: 0 }, blue: { invocations: 0, errors: 0 } } });
    h.shiftDeps.verifyPropagation = (color) => verifyPropagation({ probe: fakeLiveStage(["blue", color]), color, settings, clock: h.shiftDeps.clock });
    const outcome = await executeShift(h.shiftDeps, request());
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });
    expect(outcome.reason).toBe("live traffic moved from blue to green; traffic landed in 250ms");
    expect(outcome.steps.map((s) => [s.name, s.status])).toEqual([
      ["read-stage", "ok"],
      ["health-gate", "ok"],
      ["switch", "ok"],
      ["propagation", "ok"],
    ]);
    expect(outcome.steps.at(-1)?.propagation).toMatchObject({ kind: "verified", propagationMs: 250 });
  });

  it("in a shift: after the promotion of a canary; a timeout is a failure (exit 1), not a rollback", async () => {
    const h = deps({ figures: { green: { invocations: 100, errors: 0 }, blue: { invocations: 100, errors: 0 } } });
    h.shiftDeps.verifyPropagation = (color) => verifyPropagation({ probe: fakeLiveStage(["blue"]), color, settings, clock: h.shiftDeps.clock });
    const outcome = await executeShift(h.shiftDeps, request({ canary: [10, 100], watchMs: 60_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "failed", evidence: { kind: "propagation" } });
    expect(outcome.reason).toMatch(/^the live stage reads back green, but live traffic did not land on green within 5s: .* answered blue ×\d+; not rolled back/);
    expect(outcome.steps.map((s) => s.name)).toEqual(["read-stage", "preflight-alarms", "health-gate", "canary", "watch", "promote", "propagation"]);
  });

  it("on an emulator the step says it is not available there", async () => {
    const h = deps({ figures: { green: { invocations: 0, errors: 0 }, blue: { invocations: 0, errors: 0 } } });
    h.shiftDeps.verifyPropagation = async () => ({ kind: "unavailable", summary: "not available on the embedded emulator" });
    const outcome = await executeShift(h.shiftDeps, request());
    expect(outcome).toMatchObject({ result: "switched", exit: "success", reason: "live traffic moved from blue to green" });
    expect(outcome.steps.at(-1)).toMatchObject({ name: "propagation", status: "skipped", detail: "not available on the embedded emulator" });
  });
});
