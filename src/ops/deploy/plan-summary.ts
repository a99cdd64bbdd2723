/**
 * Pure: what a saved plan will do, from `terraform show -json <planfile>` or from the plan's own
 * machine-readable messages (`terraform plan -json`).
 */

export type PlanAction = "create" | "update" | "replace" | "delete";

export interface PlannedChange {
  address: string;
  type: string;
  action: PlanAction;
  /** A replace because terraform marked it tainted: its creation never finished (an interrupted apply). */
  tainted?: true;
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
  resource_changes?: { address: string; type: string; mode?: string; action_reason?: string; change: { actions: string[] } }[];
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
    if (action) changes.push({ address: rc.address, type: rc.type, action, ...(action === "replace" && rc.action_reason === "replace_because_tainted" ? { tainted: true as const } : {}) });
  }
  return summarizePlannedChanges(changes);
}

/** The summary of the changes `terraform plan -json` announced (see src/terraform/json-stream.ts). */
export function summarizePlannedChanges(planned: PlannedChange[]): PlanSummary {
  const changes = planned.map(({ address, type, action, tainted }) => ({ address, type, action, ...(tainted ? { tainted } : {}) }));
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

/** Resource type prefixes and the service each belongs to; the longest matching prefix wins. */
const SERVICES: [prefix: string, service: string][] = [
  ["aws_api_gateway_", "API Gateway"],
  ["aws_apigatewayv2_", "API Gateway"],
  ["aws_appautoscaling_", "Application Auto Scaling"],
  ["aws_budgets_", "Budgets"],
  ["aws_ce_", "Cost Explorer"],
  ["aws_cloudwatch_event_", "EventBridge"],
  ["aws_cloudwatch_log_", "CloudWatch Logs"],
  ["aws_cloudwatch_", "CloudWatch"],
  ["aws_cognito_", "Cognito"],
  ["aws_dynamodb_", "DynamoDB"],
  ["aws_eip", "VPC"],
  ["aws_iam_", "IAM"],
  ["aws_internet_gateway", "VPC"],
  ["aws_kms_", "KMS"],
  ["aws_lambda_", "Lambda"],
  ["aws_nat_gateway", "VPC"],
  ["aws_route53_", "Route 53"],
  ["aws_route", "VPC"],
  ["aws_s3_", "S3"],
  ["aws_secretsmanager_", "Secrets Manager"],
  ["aws_security_group", "VPC"],
  ["aws_sns_", "SNS"],
  ["aws_sqs_", "SQS"],
  ["aws_subnet", "VPC"],
  ["aws_vpc", "VPC"],
  ["aws_wafv2_", "WAF"],
];

/** Pure: the AWS service a resource type belongs to ("aws_lambda_alias" → "Lambda"). */
export function serviceOf(type: string): string {
  let best: [string, string] | undefined;
  for (const entry of SERVICES) if (type.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  if (best) return best[1];
  const [provider, service] = type.split("_");
  return provider === "aws" && service ? service.toUpperCase() : (provider ?? type);
}

export interface ServiceChanges {
  service: string;
  create: number;
  update: number;
  replace: number;
  delete: number;
}

/** Pure: the planned changes counted per service, in the order services first appear in the plan. */
export function changesByService(summary: PlanSummary): ServiceChanges[] {
  const services = new Map<string, ServiceChanges>();
  for (const change of summary.changes) {
    const service = serviceOf(change.type);
    const entry = services.get(service) ?? { service, create: 0, update: 0, replace: 0, delete: 0 };
    entry[change.action] += 1;
    services.set(service, entry);
  }
  return [...services.values()];
}

/** Pure: "12 to add, 1 to replace" for one service's counts. */
function countsText(counts: Omit<ServiceChanges, "service">): string {
  const parts: string[] = [];
  if (counts.create) parts.push(`${counts.create} to add`);
  if (counts.update) parts.push(`${counts.update} to change`);
  if (counts.replace) parts.push(`${counts.replace} to replace`);
  if (counts.delete) parts.push(`${counts.delete} to destroy`);
  return parts.join(", ");
}

/**
 * Pure: the summary as lines for a person: the totals, one line per service with its counts, then
 * every delete and replace by address (marked when it holds data or keys).
 */
export function renderPlanSummary(summary: PlanSummary): string[] {
  const lines = [`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.replace} to replace, ${summary.destroy} to destroy.`];
  const services = changesByService(summary);
  const width = Math.max(0, ...services.map((s) => s.service.length));
  for (const entry of services) lines.push(`  ${entry.service.padEnd(width)}  ${countsText(entry)}`);
  const losses = summary.changes.filter((change) => change.action === "delete" || change.action === "replace");
  if (losses.length > 0) lines.push("Deletes and replaces:");
  for (const change of losses) {
    const marker = PROTECTED_TYPES.has(change.type) ? "  !! " : "  ";
    lines.push(`${marker}${change.action === "delete" ? "destroy" : "replace"} ${change.address}${PROTECTED_TYPES.has(change.type) ? " (holds stored data or its key)" : ""}`);
  }
  return lines;
}
