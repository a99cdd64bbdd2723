import { describe, expect, it } from "vitest";
import { summarizePlannedChanges } from "../../src/ops/deploy/plan-summary.js";
import { parseUiMessages, plannedChanges } from "../../src/terraform/json-stream.js";
import { decideApply } from "../../src/ops/deploy/planner.js";

/** Completing a first deploy that stopped mid-apply: what terraform tainted was never live. */
// planned_change messages of `terraform plan -json`, as terraform 1.x prints them.
const planned = (reason?: string) =>
  plannedChanges(
    parseUiMessages(
      [
        { type: "planned_change", change: { resource: { addr: "module.noveli.aws_kms_key.main", resource_type: "aws_kms_key" }, action: "replace", ...(reason ? { reason } : {}) } },
        { type: "planned_change", change: { resource: { addr: "module.noveli.aws_dynamodb_table.story_sessions", resource_type: "aws_dynamodb_table" }, action: "create" } },
      ]
        .map((m) => JSON.stringify(m))
        .join("\n"),
    ),
  );

describe("completing an interrupted first deploy", () => {
  it("marks replaces of tainted resources", () => {
    const summary = summarizePlannedChanges(planned("tainted"));
    expect(summary.destructive).toEqual([{ address: "module.noveli.aws_kms_key.main", type: "aws_kms_key", action: "replace", tainted: true }]);
  });

  it("may replace a tainted key of a first deploy that never finished, and nothing else", () => {
    const summary = summarizePlannedChanges(planned("tainted"));
    const base = { env: "dev" as const, summary, allowDestroy: false, yes: true, interactive: false, emulator: true };
    expect(decideApply({ ...base, completingFirstDeploy: true })).toEqual({ kind: "apply" });
    // Anywhere else a replaced key is refused, tainted or not: data may be encrypted under it.
    expect(decideApply(base).kind).toBe("refuse");
    const untainted = summarizePlannedChanges(planned("requested"));
    expect(decideApply({ ...base, summary: untainted, completingFirstDeploy: true }).kind).toBe("refuse");
  });
});
