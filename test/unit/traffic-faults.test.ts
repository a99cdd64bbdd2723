import { describe, expect, it } from "vitest";
import type { StageTraffic } from "../../src/aws/apigateway.js";
import type { HealthReport } from "../../src/ops/health/judge.js";
import type { Clock } from "../../src/core/clock.js";
import type { StagePatch } from "../../src/ops/traffic/planner.js";
import { executeShift, type LiveStage, type ShiftDeps, type ShiftRequest } from "../../src/ops/traffic/shift.js";
import type { Color } from "../../src/core/color.js";

/**
 * Faults during a watched shift: traffic moved by someone else, a stage that stops answering while
 * the restore runs. The stage is in memory; `freezeReads` makes every read hang until its signal
 * aborts, as a SIGSTOPped endpoint does until the client's timeout.
 */
class FaultyStage implements LiveStage {
  updates: StagePatch[][] = [];
  reads = 0;
  freezeReads = false;
  /** Called before each read is answered: lets a test move traffic "as someone else". */
  beforeRead?: (reads: number, stage: FaultyStage) => void;
  constructor(public traffic: StageTraffic) {}
  read(signal?: AbortSignal): Promise<StageTraffic> {
    this.reads += 1;
    this.beforeRead?.(this.reads, this);
    if (this.freezeReads) {
      return new Promise((_, reject) => {
        if (!signal) return; // never answers: only a deadline can end it
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    return Promise.resolve(structuredClone(this.traffic));
  }
  async update(ops: StagePatch[]): Promise<StageTraffic> {
    this.updates.push(ops);
    for (const op of ops) if (op.path === "/variables/deployment" && op.op === "replace") this.traffic.deployment = op.value;
    return structuredClone(this.traffic);
  }
}

const healthy = (color: Color): HealthReport => ({
  color,
  healthy: true,
  checks: [{ name: "health-endpoint", ok: true, detail: "ok" }],
  p50Ms: 1,
  p95Ms: 2,
  version: "2.0.0",
  codeSha256: "abc=",
});

function deps(stage: FaultyStage, overrides: Partial<ShiftDeps> = {}): ShiftDeps & { controller: AbortController; messages: string[] } {
  let now = Date.parse("2026-12-01T10:00:00Z");
  const clock: Clock = {
    now: () => now,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      now += ms;
    },
  };
  const controller = new AbortController();
  const messages: string[] = [];
  return {
    stage,
    clock,
    signal: controller.signal,
    progress: (m) => messages.push(m),
    gateHealth: async (c) => healthy(c),
    pollHealth: async (c) => healthy(c),
    readAlarms: async () => [],
    controller,
    messages,
    ...overrides,
  };
}

const watched = (overrides: Partial<ShiftRequest> = {}): ShiftRequest => ({
  operation: "switch",
  to: "green",
  stepIntervalMs: 60_000,
  watchMs: 60_000,
  pollMs: 10_000,
  autoRollback: true,
  healthGate: true,
  ...overrides,
});

describe("the watch reads the stage at every poll", () => {
  it("stops without rolling back when someone else moved traffic, and says so", async () => {
    const stage = new FaultyStage({ deployment: "blue" });
    // read 1: preflight (the switch answers its own read-back); reads 2+: the watch's polls. Someone moves it back at poll 2.
    stage.beforeRead = (n, s) => {
      if (n === 3) s.traffic = { deployment: "blue" };
    };
    const outcome = await executeShift(deps(stage), watched());
    expect(outcome.result).toBe("superseded");
    expect(outcome.exit).toBe("failed");
    expect(outcome.reason).toMatch(/moved by someone else.*reads blue, not green.*not rolled back over their change/);
    expect(outcome.evidence).toMatchObject({ kind: "moved-by-other", expected: { deployment: "green" }, actual: { deployment: "blue" } });
    expect(stage.updates).toHaveLength(1); // the switch itself; nothing written after the other's change
    expect(stage.traffic).toEqual({ deployment: "blue" });
    expect(outcome.liveAfter).toEqual({ deployment: "blue" });
  });

  it("a clean watch reads the stage once per poll", async () => {
    const stage = new FaultyStage({ deployment: "blue" });
    const outcome = await executeShift(deps(stage), watched({ watchMs: 30_000, pollMs: 10_000 }));
    expect(outcome.result).toBe("switched");
    // 1 preflight + 4 polls (0s, 10s, 20s, 30s); the switch's read-back is UpdateStage's answer
    expect(stage.reads).toBe(5);
  });

  it("an interrupt after someone else moved traffic does not restore over them", async () => {
    const stage = new FaultyStage({ deployment: "blue" });
    const d = deps(stage);
    stage.beforeRead = (n, s) => {
      if (n === 3) {
        s.traffic = { deployment: "blue", canary: { percentTraffic: 5, deployment: "green" } };
        d.controller.abort(new Error("interrupted by SIGINT"));
      }
    };
    const outcome = await executeShift(d, watched());
    expect(outcome.reason).toMatch(/RESTORE SKIPPED: someone else moved live traffic/);
    expect(outcome.exit).toBe("failed");
    expect(stage.updates).toHaveLength(1);
    expect(stage.traffic.canary?.percentTraffic).toBe(5);
  });
});

describe("a restore that cannot complete", () => {
  it("gives up at its deadline, exits failed and names the state it left", async () => {
    const stage = new FaultyStage({ deployment: "blue" });
    // The watch's first poll fails (the alarms cannot be read), then the endpoint freezes.
    const d = deps(stage, {
      restoreDeadlineMs: 50,
      readAlarms: async () => {
        if (stage.reads >= 2) {
          stage.freezeReads = true;
          throw new Error("TimeoutError: Connection timed out after 1000 ms");
        }
        return [];
      },
    });
    const started = Date.now();
    const outcome = await executeShift(d, watched());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.exit).toBe("failed");
    expect(outcome.reason).toMatch(/RESTORE FAILED: no answer within 50ms; the live stage last read green, and may still send traffic to green/);
    expect(outcome.restoreFailed).toBe(true);
    expect(outcome.steps.at(-1)).toMatchObject({ name: "restore", status: "failed" });
  });

  it("an interrupt whose restore fails exits failed, not interrupted", async () => {
    const stage = new FaultyStage({ deployment: "blue" });
    const d = deps(stage, { restoreDeadlineMs: 50 });
    stage.beforeRead = (n, s) => {
      if (n === 2) {
        s.freezeReads = true;
        d.controller.abort(new Error("interrupted by SIGTERM"));
      }
    };
    const outcome = await executeShift(d, watched());
    expect(outcome.exit).toBe("failed");
    expect(outcome.reason).toMatch(/interrupted by SIGTERM; RESTORE FAILED: no answer within 50ms; the live stage last read green/);
  });
});
