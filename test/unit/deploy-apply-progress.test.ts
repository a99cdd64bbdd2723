import { describe, expect, it } from "vitest";
import { createApplyProgress } from "../../src/ops/deploy/apply-progress.js";
import { summarizePlan } from "../../src/ops/deploy/plan-summary.js";
import { parseUiMessages, type TerraformUiMessage } from "../../src/terraform/json-stream.js";

const show = (changes: [string, string, string[]][]) => ({
  resource_changes: changes.map(([address, type, actions]) => ({ address, type, change: { actions } })),
});

/** Lines as `terraform apply -json` (Terraform 1.x machine-readable UI) writes them. */
const line = (type: string, addr: string, action: string) =>
  JSON.stringify({ "@level": "info", "@message": `${addr}: ${type}`, "@module": "terraform.ui", type, hook: { resource: { addr, resource_type: "x", resource_name: "y" }, action } });

describe("createApplyProgress", () => {
  const summary = summarizePlan(
    show([
      ["a.one", "aws_sqs_queue", ["create"]],
      ["a.two", "aws_lambda_alias", ["update"]],
      ["a.three", "aws_lambda_function", ["delete", "create"]],
      ["a.four", "aws_iam_role", ["delete"]],
      ["a.noop", "aws_iam_role", ["no-op"]],
    ]),
  );
  const feed = (events: TerraformUiMessage[]) => {
    const progress = createApplyProgress(summary);
    return events.map((e) => progress.record(e)).filter((u) => u !== undefined);
  };
  const ev = (type: "apply_start" | "apply_complete" | "apply_errored", address: string, action: string) => parseUiMessages(line(type, address, action))[0] as TerraformUiMessage;

  it("counts every planned change once; a replace is done after both of its steps", () => {
    const updates = feed([
      ev("apply_start", "a.one", "create"),
      ev("apply_complete", "a.one", "create"),
      ev("apply_complete", "a.two", "update"),
      ev("apply_complete", "a.three", "delete"),
      ev("apply_complete", "a.three", "create"),
      ev("apply_complete", "a.four", "delete"),
    ]);
    expect(updates.map((u) => u.text)).toEqual([
      "0/4 a.one...",
      "1/4 a.one created",
      "2/4 a.two updated",
      "2/4 a.three destroyed",
      "3/4 a.three created",
      "4/4 a.four destroyed",
    ]);
    // A line in a CI log at each quarter: 1/4, 2/4, 3/4, 4/4; not for starts or the half-done replace.
    expect(updates.map((u) => u.milestone)).toEqual([false, true, true, false, true, true]);
  });

  it("a replace reported as one step completes at once; unknown addresses and repeats never overshoot", () => {
    const updates = feed([ev("apply_complete", "a.three", "replace"), ev("apply_complete", "a.three", "create"), ev("apply_complete", "data.x", "read")]);
    expect(updates.map((u) => u.done)).toEqual([1, 1, 1]);
    expect(updates.every((u) => u.done <= u.total)).toBe(true);
  });

  it("an errored resource is a milestone line", () => {
    expect(feed([ev("apply_errored", "a.one", "create")])).toEqual([{ done: 0, total: 4, text: "0/4 a.one failed", milestone: true }]);
  });
});
