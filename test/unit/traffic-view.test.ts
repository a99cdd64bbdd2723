import { describe, expect, it } from "vitest";
import type { TrafficChangeResult } from "../../src/ops/traffic/run.js";
import { styleFor } from "../../src/output/style.js";
import { rollbackView, switchTrafficView } from "../../src/views/traffic.js";

/** The traffic view: the --json document and the human lines of a switch, a rollback and a dry run. */

const plain = styleFor(false);
const switched: TrafficChangeResult = {
  env: "dev",
  outcome: {
    from: "blue",
    to: "green",
    result: "switched",
    exit: "success",
    reason: "live traffic moved from blue to green",
    steps: [
      { name: "read-stage", status: "ok", at: "2026-12-01T10:00:00.000Z", durationMs: 3, detail: "live stage: blue" },
      { name: "propagation", status: "skipped", at: "2026-12-01T10:00:01.000Z", durationMs: 0, detail: "not available on the embedded emulator" },
      { name: "switch", status: "failed", at: "2026-12-01T10:00:01.000Z", durationMs: 4, detail: "reads back blue" },
    ],
    liveAfter: { deployment: "green" },
  },
};

describe("trafficView", () => {
  it("json: env, from, to, steps, result, reason (and the analysis mode when there is one)", () => {
    expect(switchTrafficView.json(switched)).toEqual({ env: "dev", from: "blue", to: "green", steps: switched.outcome.steps, result: "switched", reason: "live traffic moved from blue to green" });
    expect(switchTrafficView.json({ ...switched, analysis: { mode: "skipped" } })).toMatchObject({ analysis: { mode: "skipped" } });
  });

  it("human: the headline, then one line per step with its mark", () => {
    expect(switchTrafficView.human(switched, plain)).toEqual([
      "✓ dev: live traffic moved from blue to green",
      "  ✓ read-stage       live stage: blue",
      "  - propagation      not available on the embedded emulator",
      "  ✗ switch           reads back blue",
    ]);
    const refused = { ...switched, outcome: { ...switched.outcome, result: "refused" as const, exit: "failed" as const, reason: "green is unhealthy", steps: [] } };
    expect(rollbackView.human(refused, plain)).toEqual(["✗ dev: green is unhealthy"]);
  });

  it("a dry run lists the UpdateStage calls it would make, with the verb of the command", () => {
    const dryRun: TrafficChangeResult = {
      ...switched,
      outcome: { ...switched.outcome, from: "green", to: "blue", result: "unchanged", reason: "dry run", steps: [] },
      dryRun: [{ name: "switch", percent: 100, title: "all traffic to blue", patchOperations: [{ op: "replace", path: "/variables/deployment", value: "blue" }], expect: { deployment: "blue" } }],
    };
    expect(rollbackView.human(dryRun, plain)).toEqual(["Dry run (dev): live is green; rollback to blue", "  1. all traffic to blue", "     UpdateStage replace /variables/deployment=blue"]);
    expect(rollbackView.json(dryRun)).toMatchObject({ steps: dryRun.dryRun, result: "unchanged" });
    expect(switchTrafficView.human({ ...dryRun, dryRun: [] }, plain)).toEqual(["Dry run (dev): live is green; switch to blue", "  nothing would change"]);
  });
});
