import { describe, expect, it } from "vitest";
import { summarizePlan } from "../../src/ops/deploy/plan-summary.js";
import { decideApply } from "../../src/ops/deploy/planner.js";

/** Completing a first deploy that stopped mid-apply: what terraform tainted was never live. */
const show = {
  resource_changes: [
    { address: "module.noveli.aws_kms_key.main", type: "aws_kms_key", action_reason: "replace_because_tainted", change: { actions: ["delete", "create"] } },
    { address: "module.noveli.aws_dynamodb_table.story_sessions", type: "aws_dynamodb_table", change: { actions: ["create"] } },
  ],
};

describe("completing an interrupted first deploy", () => {
  it("marks replaces of tainted resources", () => {
    const summary = summarizePlan(show);
    expect(summary.destructive).toEqual([{ address: "module.noveli.aws_kms_key.main", type: "aws_kms_key", action: "replace", tainted: true }]);
  });

  it("may replace a tainted key of a first deploy that never finished, and nothing else", () => {
    const summary = summarizePlan(show);
    const base = { env: "dev" as const, summary, allowDestroy: false, yes: true, interactive: false, emulator: true };
    expect(decideApply({ ...base, completingFirstDeploy: true })).toEqual({ kind: "apply" });
    // Anywhere else a replaced key is refused, tainted or not: data may be encrypted under it.
    expect(decideApply(base).kind).toBe("refuse");
    const untainted = summarizePlan({ resource_changes: [{ ...show.resource_changes[0], action_reason: undefined }] });
    expect(decideApply({ ...base, summary: untainted, completingFirstDeploy: true }).kind).toBe("refuse");
  });
});
