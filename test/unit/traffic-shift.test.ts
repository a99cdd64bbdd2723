import { describe, expect, it } from "vitest";
import type { StageTraffic } from "../../src/aws/apigateway.js";
import type { AlarmState } from "../../src/aws/cloudwatch.js";
import type { HealthReport } from "../../src/ops/health/judge.js";
import type { Clock } from "../../src/core/clock.js";
import type { StagePatch } from "../../src/ops/traffic/planner.js";
import { executeShift, type LiveStage, type ShiftDeps, type ShiftRequest } from "../../src/ops/traffic/shift.js";
import type { Color } from "../../src/core/color.js";

/** An in-memory live stage that applies patch operations like API Gateway (or ignores canaries, like moto). */
class MemoryStage implements LiveStage {
  updates: StagePatch[][] = [];
  failUpdates = 0;
  failUpdateAfter = Number.POSITIVE_INFINITY;
  constructor(
    public traffic: StageTraffic,
    private readonly options: { ignoreCanary?: boolean } = {},
  ) {}
  async read(): Promise<StageTraffic> {
    return structuredClone(this.traffic);
  }
  async update(ops: StagePatch[]): Promise<StageTraffic> {
    if (this.updates.length >= this.failUpdateAfter) throw new Error("AccessDeniedException: not allowed to apigateway:PATCH");
    this.updates.push(ops);
    for (const op of ops) {
      if (op.path === "/variables/deployment" && op.op === "replace") this.traffic.deployment = op.value;
      if (this.options.ignoreCanary) continue;
      if (op.path === "/canarySettings" && op.op === "remove") delete this.traffic.canary;
      if (op.path === "/canarySettings/percentTraffic") this.traffic.canary = { percentTraffic: Number(op.value), deployment: this.traffic.canary?.deployment };
      if (op.path === "/canarySettings/stageVariableOverrides/deployment") this.traffic.canary = { percentTraffic: this.traffic.canary?.percentTraffic ?? 0, deployment: op.value };
    }
    return structuredClone(this.traffic);
  }
}

function instantClock(): Clock & { slept: number[] } {
  let now = Date.parse("2026-11-25T10:00:00Z");
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

const report = (color: Color, healthy: boolean, detail = "HTTP 502: Internal server error"): HealthReport => ({
  color,
  healthy,
  checks: healthy
    ? [{ name: "health-endpoint", ok: true, detail: "5/5 consecutive GET /health answered 200 ok" }]
    : [{ name: "health-endpoint", ok: false, detail: `0 consecutive successful GET /health, then attempt 1: ${detail}` }],
  p50Ms: 12,
  p95Ms: 20,
  version: healthy ? "2.0.0" : null,
  codeSha256: healthy ? "abc=" : null,
});

const alarm = (name: string, state: AlarmState["state"], reason = ""): AlarmState => ({ name, state, reason, updatedAt: null });

interface Harness {
  deps: ShiftDeps;
  stage: MemoryStage;
  clock: ReturnType<typeof instantClock>;
  controller: AbortController;
  gateCalls: Color[];
  pollCalls: Color[];
  alarmReads: number;
  messages: string[];
}

function harness(
  stage: MemoryStage,
  options: { gate?: (c: Color) => HealthReport; poll?: (c: Color, n: number) => HealthReport; alarms?: (read: number) => AlarmState[] } = {},
): Harness {
  const clock = instantClock();
  const controller = new AbortController();
  const h: Harness = {
    stage,
    clock,
    controller,
    gateCalls: [],
    pollCalls: [],
    alarmReads: 0,
    messages: [],
    deps: undefined as unknown as ShiftDeps,
  };
  h.deps = {
    stage,
    clock,
    signal: controller.signal,
    progress: (m) => h.messages.push(m),
    gateHealth: async (c) => {
      h.gateCalls.push(c);
      return (options.gate ?? ((color) => report(color, true)))(c);
    },
    pollHealth: async (c) => {
      h.pollCalls.push(c);
      return (options.poll ?? ((color) => report(color, true)))(c, h.pollCalls.length);
    },
    readAlarms: async () => {
      h.alarmReads += 1;
      return (options.alarms ?? (() => [alarm("noveli-dev-lambda-errors", "OK"), alarm("noveli-dev-api-5xx", "INSUFFICIENT_DATA")]))(h.alarmReads);
    },
  };
  return h;
}

const request = (overrides: Partial<ShiftRequest> = {}): ShiftRequest => ({
  operation: "switch",
  to: "green",
  stepIntervalMs: 60_000,
  watchMs: 0,
  pollMs: 10_000,
  autoRollback: true,
  healthGate: true,
  ...overrides,
});

describe("executeShift: all at once", () => {
  it("health-checks the target, replaces /variables/deployment and reads it back", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }));
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ from: "blue", to: "green", result: "switched", exit: "success" });
    expect(h.gateCalls).toEqual(["green"]);
    expect(h.stage.updates).toEqual([[{ op: "replace", path: "/variables/deployment", value: "green" }]]);
    expect(h.stage.traffic).toEqual({ deployment: "green" });
    expect(outcome.steps.map((s) => [s.name, s.status])).toEqual([
      ["read-stage", "ok"],
      ["health-gate", "ok"],
      ["switch", "ok"],
    ]);
    expect(h.alarmReads).toBe(0);
  });

  it("switching to the live color is a no-op", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }));
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "unchanged", exit: "success" });
    expect(outcome.reason).toMatch(/green already serves all live traffic/);
    expect(h.stage.updates).toEqual([]);
    expect(h.gateCalls).toEqual([]);
  });

  it("refuses an unhealthy target and leaves live untouched", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), { gate: (c) => report(c, false) });
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "refused", exit: "failed" });
    expect(outcome.reason).toMatch(/green is unhealthy, live traffic stays on blue: health-endpoint: .*HTTP 502/);
    expect(outcome.evidence).toMatchObject({ kind: "health-gate", health: { healthy: false, failedChecks: [{ name: "health-endpoint" }] } });
    expect(h.stage.updates).toEqual([]);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
  });

  it("a change that does not take is a failure, never reported as switched", async () => {
    const stage = new MemoryStage({ deployment: "blue" });
    stage.update = async (ops) => {
      stage.updates.push(ops); // accepted, but nothing changes (an endpoint that drops the patch)
      return structuredClone(stage.traffic);
    };
    const h = harness(stage);
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "refused", exit: "failed" });
    expect(outcome.reason).toMatch(/deployment variable reads back as "blue", not "green"/);
    expect(outcome.evidence).toMatchObject({ kind: "read-back", actual: { deployment: "blue" } });
    expect(outcome.reason).toMatch(/the change had not taken/);
  });

  it("an AWS error mid-switch restores the previous color and fails", async () => {
    const stage = new MemoryStage({ deployment: "blue" });
    stage.failUpdateAfter = 0;
    const h = harness(stage);
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "refused", exit: "failed", evidence: { kind: "error" } });
    expect(outcome.reason).toMatch(/AccessDeniedException.*live traffic is on blue/);
    expect(stage.traffic).toEqual({ deployment: "blue" });
  });

  it("refuses while a canary from an unfinished switch is on the stage", async () => {
    const h = harness(new MemoryStage({ deployment: "blue", canary: { percentTraffic: 10, deployment: "green" } }));
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "refused", exit: "failed" });
    expect(outcome.reason).toMatch(/canary is in progress .*10% to green.*noveli rollback/);
    expect(h.stage.updates).toEqual([]);
  });
});

describe("executeShift: canary", () => {
  it("steps through the canary percentages with an analysis at each, then promotes", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }));
    const outcome = await executeShift(h.deps, request({ canary: [10, 50, 100], stepIntervalMs: 60_000, pollMs: 20_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });
    expect(outcome.reason).toBe("live traffic moved from blue to green through 10%, 50%");
    expect(h.stage.traffic).toEqual({ deployment: "green" });
    expect(outcome.steps.map((s) => s.name)).toEqual(["read-stage", "preflight-alarms", "health-gate", "canary", "watch", "canary", "watch", "promote"]);
    // Each 60 s step is polled at 0, 20, 40 and 60 s.
    expect(h.pollCalls).toHaveLength(8);
    expect(h.clock.slept).toEqual([20_000, 20_000, 20_000, 20_000, 20_000, 20_000]);
    expect(h.stage.updates[0]).toEqual([
      { op: "replace", path: "/canarySettings/percentTraffic", value: "10" },
      { op: "replace", path: "/canarySettings/stageVariableOverrides/deployment", value: "green" },
    ]);
  });

  it("an endpoint that ignores canary settings gives a clear failure and live stays on the old color", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }, { ignoreCanary: true }));
    const outcome = await executeShift(h.deps, request({ canary: [10, 100] }));
    expect(outcome).toMatchObject({ result: "refused", exit: "failed", evidence: { kind: "read-back" } });
    expect(outcome.reason).toMatch(/reads back without canary settings .*ignores API Gateway canary settings/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    expect(h.stage.updates).toHaveLength(1);
    expect(h.pollCalls).toEqual([]);
  });

  it("an alarm during a canary step removes the canary: rolled back", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), {
      alarms: (read) => [alarm("noveli-dev-api-5xx", read >= 3 ? "ALARM" : "OK", "Threshold Crossed: 1 datapoint [0.2] was greater than the threshold (0.05)")],
    });
    const outcome = await executeShift(h.deps, request({ canary: [10, 50, 100], stepIntervalMs: 60_000, pollMs: 30_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back" });
    expect(outcome.evidence).toMatchObject({ kind: "alarm", alarms: [{ name: "noveli-dev-api-5xx", state: "ALARM" }] });
    expect(outcome.reason).toMatch(/alarm noveli-dev-api-5xx is in ALARM: Threshold Crossed.*live traffic is back on blue/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    expect(outcome.steps.at(-1)).toMatchObject({ name: "restore", status: "ok", patchOperations: [{ op: "remove", path: "/canarySettings" }] });
  });

  it("--no-rollback leaves the canary where it is and reports", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), { poll: (c) => report(c, false) });
    const outcome = await executeShift(h.deps, request({ canary: [25, 100], autoRollback: false }));
    expect(outcome).toMatchObject({ result: "refused", exit: "failed", evidence: { kind: "unhealthy" } });
    expect(outcome.reason).toMatch(/not rolled back \(--no-rollback\): the canary stays at 25% to green/);
    expect(h.stage.traffic).toEqual({ deployment: "blue", canary: { percentTraffic: 25, deployment: "green" } });
  });
});

describe("executeShift: watch", () => {
  it("an alarm in ALARM during --watch rolls back with its evidence", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), {
      alarms: (read) => [alarm("noveli-dev-lambda-errors", read >= 4 ? "ALARM" : "OK", "set by the test")],
    });
    const outcome = await executeShift(h.deps, request({ watchMs: 120_000, pollMs: 10_000 }));
    expect(outcome).toMatchObject({ from: "blue", to: "green", result: "rolled-back", exit: "rolled-back" });
    expect(outcome.reason).toMatch(/alarm noveli-dev-lambda-errors is in ALARM: set by the test; live traffic is back on blue/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    const watch = outcome.steps.find((s) => s.name === "watch");
    expect(watch).toMatchObject({ status: "failed", polls: 3, evidence: { kind: "alarm" } });
    expect(outcome.steps.map((s) => s.name)).toEqual(["read-stage", "preflight-alarms", "health-gate", "switch", "watch", "restore"]);
  });

  it("failed health during --watch rolls back", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), { poll: (c, n) => report(c, n < 2, "HTTP 500") });
    const outcome = await executeShift(h.deps, request({ watchMs: 60_000, pollMs: 15_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back", evidence: { kind: "unhealthy", color: "green" } });
    expect(outcome.reason).toMatch(/green failed its health check: health-endpoint: .*HTTP 500/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
  });

  it("a clean watch polls for the whole window", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }));
    const outcome = await executeShift(h.deps, request({ to: "blue", watchMs: 120_000, pollMs: 30_000 }));
    expect(outcome).toMatchObject({ result: "switched", exit: "success" });
    expect(outcome.reason).toBe("live traffic moved from green to blue; watched 2m: no alarm, blue healthy");
    expect(h.pollCalls).toHaveLength(5);
    expect(h.clock.slept.reduce((a, b) => a + b, 0)).toBe(120_000);
  });

  it("--no-rollback only reports: live stays on the new color, exit failed", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), { alarms: (read) => [alarm("a", read >= 2 ? "ALARM" : "OK", "r")] });
    const outcome = await executeShift(h.deps, request({ watchMs: 60_000, autoRollback: false }));
    expect(outcome).toMatchObject({ result: "switched", exit: "failed" });
    expect(outcome.reason).toMatch(/then alarm a is in ALARM: r; not rolled back \(--no-rollback\)/);
    expect(h.stage.traffic).toEqual({ deployment: "green" });
  });

  it("a watch that cannot read the alarms rolls back: it can no longer tell", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), {
      alarms: (read) => {
        if (read >= 3) throw new Error("ThrottlingException: Rate exceeded");
        return [alarm("a", "OK")];
      },
    });
    const outcome = await executeShift(h.deps, request({ watchMs: 60_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back", evidence: { kind: "error" } });
    expect(outcome.reason).toMatch(/the watch could not read alarms or health: ThrottlingException: Rate exceeded; live traffic is back on blue/);
    expect(outcome.steps.find((s) => s.name === "watch")).toMatchObject({ status: "failed", detail: expect.stringMatching(/could not watch: ThrottlingException/) });
    expect(h.stage.traffic).toEqual({ deployment: "blue" });

    const reportOnly = harness(new MemoryStage({ deployment: "blue" }), {
      alarms: (read) => {
        if (read >= 2) throw new Error("ThrottlingException: Rate exceeded");
        return [];
      },
    });
    const reported = await executeShift(reportOnly.deps, request({ watchMs: 60_000, autoRollback: false }));
    expect(reported).toMatchObject({ result: "switched", exit: "failed" });
    expect(reportOnly.stage.traffic).toEqual({ deployment: "green" });
  });

  it("refuses a watched switch while an alarm already fires", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }), { alarms: () => [alarm("noveli-dev-lambda-duration", "ALARM", "too slow")] });
    const outcome = await executeShift(h.deps, request({ watchMs: 60_000 }));
    expect(outcome).toMatchObject({ result: "refused", exit: "failed", evidence: { kind: "alarms-before" } });
    expect(outcome.reason).toMatch(/already in ALARM before the switch.*noveli-dev-lambda-duration \(too slow\)/);
    expect(h.stage.updates).toEqual([]);
    expect(h.gateCalls).toEqual([]);
  });

  it("SIGINT during the watch restores the previous color once and reports an interruption", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }));
    h.deps.pollHealth = async (c) => {
      h.pollCalls.push(c);
      if (h.pollCalls.length === 2) h.controller.abort(new Error("interrupted by SIGINT"));
      return report(c, true);
    };
    const outcome = await executeShift(h.deps, request({ watchMs: 60_000, pollMs: 10_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "interrupted", evidence: { kind: "interrupted" } });
    expect(outcome.reason).toMatch(/interrupted by SIGINT; live traffic is back on blue/);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    expect(outcome.steps.filter((s) => s.name === "restore")).toHaveLength(1);
  });

  it("SIGINT before anything changed leaves the stage alone", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }));
    h.deps.gateHealth = async () => {
      h.controller.abort(new Error("interrupted by SIGTERM"));
      throw new Error("aborted");
    };
    const outcome = await executeShift(h.deps, request());
    expect(outcome).toMatchObject({ result: "unchanged", exit: "interrupted" });
    expect(h.stage.updates).toEqual([]);
  });

  it("a restore that fails says so loudly", async () => {
    const stage = new MemoryStage({ deployment: "blue" });
    stage.failUpdateAfter = 1; // the switch goes through; the restore is denied
    const h = harness(stage, { alarms: (read) => [alarm("a", read >= 2 ? "ALARM" : "OK", "r")] });
    const outcome = await executeShift(h.deps, request({ watchMs: 30_000 }));
    expect(outcome).toMatchObject({ result: "refused", exit: "failed" });
    expect(outcome.reason).toMatch(/RESTORE FAILED: AccessDeniedException/);
    expect(stage.traffic).toEqual({ deployment: "green" });
  });
});

describe("executeShift: rollback", () => {
  it("goes back to the other color after health-checking it", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }));
    const outcome = await executeShift(h.deps, request({ operation: "rollback", to: undefined }));
    expect(outcome).toMatchObject({ from: "green", to: "blue", result: "switched", exit: "success" });
    expect(h.gateCalls).toEqual(["blue"]);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
  });

  it("under an unfinished canary it removes the canary (the stable color stays)", async () => {
    const h = harness(new MemoryStage({ deployment: "blue", canary: { percentTraffic: 50, deployment: "green" } }));
    const outcome = await executeShift(h.deps, request({ operation: "rollback", to: undefined, healthGate: false }));
    expect(outcome).toMatchObject({ from: "blue", to: "blue", result: "switched" });
    expect(h.stage.updates).toEqual([[{ op: "remove", path: "/canarySettings" }]]);
    expect(h.stage.traffic).toEqual({ deployment: "blue" });
    expect(h.gateCalls).toEqual([]);
  });

  it("refuses when the previous color is unhealthy, unless forced", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }), { gate: (c) => report(c, false) });
    expect(await executeShift(h.deps, request({ operation: "rollback", to: undefined }))).toMatchObject({ result: "refused" });
    expect(h.stage.traffic).toEqual({ deployment: "green" });
    const forced = await executeShift(h.deps, request({ operation: "rollback", to: undefined, healthGate: false }));
    expect(forced).toMatchObject({ result: "switched", to: "blue" });
  });
});

describe("executeShift: rollback from the shared history", () => {
  const switchRecord = (from: string, to: string) => ({ type: "switch" as const, at: "2026-12-01T10:00:00.000Z", user: "alice", host: "laptop-a", env: "dev" as const, outcome: "switched", from, to, live: { deployment: to } });

  it("goes back to the color live before the last completed switch, and says whose switch it undoes", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }));
    h.deps.trafficHistory = async () => [switchRecord("blue", "green")];
    const outcome = await executeShift(h.deps, request({ operation: "rollback", to: undefined }));
    expect(outcome).toMatchObject({ from: "green", to: "blue", result: "switched", undoes: { user: "alice", host: "laptop-a", from: "blue", to: "green" } });
    expect(h.messages).toContain("rollback: live is green since the switch blue → green by alice@laptop-a at 2026-12-01T10:00:00.000Z; the previous color is blue");
  });

  it("refuses without touching the stage when the history and the stage disagree", async () => {
    const h = harness(new MemoryStage({ deployment: "blue" }));
    h.deps.trafficHistory = async () => [switchRecord("blue", "green")];
    const outcome = await executeShift(h.deps, request({ operation: "rollback", to: undefined }));
    expect(outcome).toMatchObject({ from: "blue", to: null, result: "refused", exit: "failed" });
    expect(outcome.reason).toMatch(/left live traffic on green, but the live stage reads blue/);
    expect(h.stage.updates).toEqual([]);
    expect(h.gateCalls).toEqual([]);
  });

  it("a history that cannot be read refuses: nothing is guessed", async () => {
    const h = harness(new MemoryStage({ deployment: "green" }));
    h.deps.trafficHistory = async () => {
      throw new Error("ProvisionedThroughputExceededException: slow down");
    };
    const outcome = await executeShift(h.deps, request({ operation: "rollback", to: undefined }));
    expect(outcome).toMatchObject({ result: "refused", exit: "failed", reason: expect.stringMatching(/ProvisionedThroughputExceeded/) });
    expect(h.stage.updates).toEqual([]);
  });
});

describe("executeShift: the one rollback", () => {
  it("runs once even when an interrupt arrives while it runs", async () => {
    const stage = new MemoryStage({ deployment: "blue" });
    const h = harness(stage, { alarms: (read) => [alarm("a", read >= 2 ? "ALARM" : "OK", "r")] });
    const update = stage.update.bind(stage);
    stage.update = async (ops) => {
      if (stage.updates.length === 1) h.controller.abort(new Error("interrupted by SIGINT")); // during the rollback's write
      return update(ops);
    };
    const outcome = await executeShift(h.deps, request({ watchMs: 30_000 }));
    expect(outcome).toMatchObject({ result: "rolled-back", exit: "rolled-back" });
    expect(outcome.steps.filter((s) => s.name === "restore")).toHaveLength(1);
    expect(stage.updates).toHaveLength(2);
    expect(stage.traffic).toEqual({ deployment: "blue" });
  });
});

describe("exit codes of a traffic change", () => {
  const base = { from: "blue", to: "green", reason: "r", steps: [], liveAfter: null };
  it("0 switched/unchanged, 1 refused or failed, 3 rolled back, 130 interrupted", async () => {
    const { throwForOutcome } = await import("../../src/ops/traffic/run.js");
    const { ExitCode } = await import("../../src/errors.js");
    const exitOf = (outcome: Parameters<typeof throwForOutcome>[0]): number => {
      try {
        throwForOutcome(outcome, "switch to green");
        return ExitCode.Success;
      } catch (error) {
        return (error as { exitCode: number }).exitCode;
      }
    };
    expect(exitOf({ ...base, result: "switched", exit: "success" })).toBe(0);
    expect(exitOf({ ...base, result: "unchanged", exit: "success" })).toBe(0);
    expect(exitOf({ ...base, result: "refused", exit: "failed" })).toBe(1);
    expect(exitOf({ ...base, result: "switched", exit: "failed" })).toBe(1);
    expect(exitOf({ ...base, result: "rolled-back", exit: "rolled-back" })).toBe(3);
    expect(exitOf({ ...base, result: "rolled-back", exit: "interrupted" })).toBe(130);
  });
});
