import type { Environment } from "../../core/environment.js";
import type { AiSpend } from "./ai.js";
import type { AnomalySummary } from "./anomalies.js";
import type { BudgetLine, GateResult } from "./budgets.js";
import type { ForecastSummary } from "./forecast.js";
import type { Granularity, ReportPeriod } from "./period.js";
import { COST_METRIC, ENVIRONMENT_TAG_KEY, PROJECT_TAG, type GroupBy } from "./query.js";
import { ceRequestCost } from "./requests.js";
import type { SpendSummary } from "./spend.js";
import type { Unavailable } from "./unavailable.js";

/**
 * The cost report document: what `--json` prints (after `schemaVersion`) and what the table,
 * CSV and Markdown renderers read. A figure that could not be obtained is null, never 0.
 */
export interface CostReport {
  command: "cost-report";
  /** Both days inclusive, UTC. */
  period: { from: string; to: string };
  granularity: Granularity;
  groupBy: GroupBy;
  /** The cost allocation tags the spend is filtered on. */
  filter: { tags: Record<string, string> };
  /** The Cost Explorer metric of every spend figure. */
  metric: string;
  currency: string;
  /** Spend over the period; null when the spend section is unavailable. */
  total: number | null;
  /** Part of the spend falls in an open billing period and may still change. */
  estimated: boolean;
  /** The figures are sample data noveli seeded into this emulator, not spend; null otherwise. */
  sampleData: { seededBy: string; seededAt: string } | null;
  /** With --group-by service (else null). Largest first. */
  byService: { service: string; amount: number; estimated: boolean }[] | null;
  /** With --group-by env (else null); spend without the Environment tag is its own line (environment null). */
  byEnvironment: { environment: string | null; label: string; amount: number; estimated: boolean; untagged: boolean }[] | null;
  /** One entry per period Cost Explorer returned (days, or months with --granularity monthly), labelled by its start date. */
  daily: { date: string; amount: number; estimated: boolean }[];
  /** Each day's (or month's) spend per group, for the stacked chart. */
  dailyByGroup: { date: string; groups: { label: string; amount: number }[] }[];
  forecast: ForecastSummary | null;
  budgets: BudgetLine[];
  /** Present when a budget is given (--budget, or the environment's configured budget). */
  budgetGate: GateResult | null;
  anomalies: AnomalySummary[];
  ai: AiSpend | null;
  /**
   * Cost Explorer requests this report made (retries included) and what they cost at $0.01 each;
   * on an emulator nothing is billed (`billed` false, cost 0).
   */
  requests: { costExplorer: number; estimatedCostUsd: number; billed: boolean };
  unavailable: Unavailable[];
}

export interface ReportParts {
  period: ReportPeriod;
  groupBy: GroupBy;
  env: Environment | undefined;
  spend: SpendSummary | null;
  forecast: ForecastSummary | null;
  budgets: BudgetLine[];
  budgetGate: GateResult | null;
  anomalies: AnomalySummary[];
  ai: AiSpend | null;
  ceRequests: number;
  unavailable: Unavailable[];
  /** The report ran against an emulator: its requests cost nothing. Default false. */
  emulator?: boolean;
  /** The emulator holds sample data noveli seeded. Default: none. */
  sampleData?: { seededBy: string; seededAt: string } | null;
}

/** Pure: the document from its sections. */
export function assembleReport(parts: ReportParts): CostReport {
  const { spend } = parts;
  const tags: Record<string, string> = { [PROJECT_TAG.key]: PROJECT_TAG.value };
  if (parts.env !== undefined) tags[ENVIRONMENT_TAG_KEY] = parts.env;
  return {
    command: "cost-report",
    period: { from: parts.period.from, to: parts.period.to },
    granularity: parts.period.granularity,
    groupBy: parts.groupBy,
    filter: { tags },
    metric: COST_METRIC,
    // Cost Explorer reports in USD unless the account's billing currency says otherwise.
    currency: spend?.currency ?? parts.forecast?.currency ?? "USD",
    total: spend ? spend.total : null,
    estimated: spend?.estimated ?? false,
    sampleData: parts.sampleData ? { seededBy: parts.sampleData.seededBy, seededAt: parts.sampleData.seededAt } : null,
    byService:
      parts.groupBy === "service" ? (spend?.groups ?? []).map((g) => ({ service: g.label, amount: g.amount, estimated: g.estimated })) : null,
    byEnvironment:
      parts.groupBy === "env"
        ? (spend?.groups ?? []).map((g) => ({ environment: g.key, label: g.label, amount: g.amount, estimated: g.estimated, untagged: g.untagged }))
        : null,
    daily: (spend?.days ?? []).map((d) => ({ date: d.date, amount: d.amount, estimated: d.estimated })),
    dailyByGroup: (spend?.days ?? []).map((d) => ({ date: d.date, groups: d.groups ?? [] })),
    forecast: parts.forecast,
    budgets: parts.budgets,
    budgetGate: parts.budgetGate,
    anomalies: parts.anomalies,
    ai: parts.ai,
    requests: { costExplorer: parts.ceRequests, estimatedCostUsd: parts.emulator ? 0 : ceRequestCost(parts.ceRequests), billed: parts.emulator !== true },
    unavailable: parts.unavailable,
  };
}
