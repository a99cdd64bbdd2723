/**
 * Pure: what a saved plan will do, from `terraform show -json <planfile>` or from the plan's own
 * machine-readable messages (`terraform plan -json`).
 */

export type PlanAction = "create" | "update" | "replace" | "delete";

export interface PlannedChange {
  address: string;
  type: string;
  action: PlanAction;
}

export interface PlanSummary {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  /** Every planned change except no-ops and reads, in plan order. */
  changes: PlannedChange[];
  /** Deletes and replaces of resources that hold data or keys (story table, KMS key). */
  destructive: PlannedChange[];
}

/** Resource types whose delete or replace loses stored data or the means to read it. */
export const PROTECTED_TYPES = new Set(["aws_dynamodb_table", "aws_kms_key"]);

interface ShowJson {
  resource_changes?: { address: string; type: string; mode?: string; change: { actions: string[] } }[];
}

export function classifyActions(actions: string[]): PlanAction | undefined {
  const set = new Set(actions);
  if (set.has("delete") && set.has("create")) return "replace";
  if (set.has("create")) return "create";
  if (set.has("delete")) return "delete";
  if (set.has("update")) return "update";
  return undefined; // no-op, read
}

export function summarizePlan(show: unknown): PlanSummary {
  const changes: PlannedChange[] = [];
  for (const rc of (show as ShowJson).resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const action = classifyActions(rc.change.actions);
    if (action) changes.push({ address: rc.address, type: rc.type, action });
  }
  return summarizePlannedChanges(changes);
}

/** The summary of the changes `terraform plan -json` announced (see src/terraform/json-stream.ts). */
export function summarizePlannedChanges(planned: PlannedChange[]): PlanSummary {
  const changes = planned.map(({ address, type, action }) => ({ address, type, action }));
  const count = (action: PlanAction) => changes.filter((c) => c.action === action).length;
  return {
    add: count("create"),
    change: count("update"),
    replace: count("replace"),
    destroy: count("delete"),
    changes,
    destructive: changes.filter((c) => (c.action === "delete" || c.action === "replace") && PROTECTED_TYPES.has(c.type)),
  };
}

/** Pure: the summary as lines for a person: counts, then every delete and replace by address. */
export function renderPlanSummary(summary: PlanSummary): string[] {
  const lines = [`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.replace} to replace, ${summary.destroy} to destroy.`];
  for (const change of summary.changes) {
    if (change.action === "delete" || change.action === "replace") {
      const marker = PROTECTED_TYPES.has(change.type) ? "  !! " : "  ";
      lines.push(`${marker}${change.action === "delete" ? "destroy" : "replace"} ${change.address}`);
    }
  }
  return lines;
}
