import type { TerraformUiMessage } from "../../terraform/json-stream.js";
import type { PlanSummary } from "./plan-summary.js";

/**
 * Pure: how far an apply has come, from terraform's machine-readable events. Every planned change
 * counts once toward the total; a replace completes in two steps (destroy and create, in either
 * order), so it counts as done after both, or after one step terraform reports as a replace.
 */
export interface ApplyProgressUpdate {
  done: number;
  total: number;
  /** e.g. "12/38 module.noveli.aws_lambda_alias.blue created" */
  text: string;
  /** The update crosses a quarter of the total (or is the last): worth a line in a CI log. */
  milestone: boolean;
}

const DONE_VERBS: Record<string, string> = { create: "created", update: "updated", delete: "destroyed", replace: "replaced", read: "read" };

export function createApplyProgress(summary: PlanSummary): { total: number; record(message: TerraformUiMessage): ApplyProgressUpdate | undefined } {
  const steps = new Map<string, { needed: number; seen: number }>();
  for (const change of summary.changes) steps.set(change.address, { needed: change.action === "replace" ? 2 : 1, seen: 0 });
  const total = steps.size;
  let done = 0;
  let quarter = 0;
  return {
    total,
    record(message) {
      const address = message.hook?.resource?.addr;
      const action = message.hook?.action ?? "";
      if (address === undefined || (message.type !== "apply_complete" && message.type !== "apply_errored" && message.type !== "apply_start")) return undefined;
      const counter = `${done}/${total}`;
      if (message.type === "apply_start") return { done, total, text: `${counter} ${address}...`, milestone: false };
      if (message.type === "apply_errored") return { done, total, text: `${counter} ${address} failed`, milestone: true };
      const step = steps.get(address);
      if (step && step.seen < step.needed) {
        step.seen = action === "replace" ? step.needed : step.seen + 1;
        if (step.seen === step.needed) done += 1;
      }
      const nowQuarter = total === 0 ? 4 : Math.floor((done * 4) / total);
      const milestone = nowQuarter > quarter;
      quarter = nowQuarter;
      return { done, total, text: `${done}/${total} ${address} ${DONE_VERBS[action] ?? "done"}`, milestone };
    },
  };
}
