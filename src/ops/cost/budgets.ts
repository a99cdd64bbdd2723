import type { Environment } from "../../core/environment.js";
import { roundMoney } from "./spend.js";

/**
 * Pure: AWS Budgets against their limits, and the budget gate CI uses. Thresholds are the
 * seed's notifications: a warning above 80% and over budget above 100% (AWS Budgets notifies
 * on GREATER_THAN, so exactly 100% is still within budget).
 */

export const BUDGET_THRESHOLDS = { warning: 80, over: 100 } as const;

export type ThresholdStatus = "ok" | "warning" | "over";

export interface AwsBudget {
  BudgetName?: string;
  BudgetType?: string;
  TimeUnit?: string;
  BudgetLimit?: { Amount?: string; Unit?: string };
  CalculatedSpend?: { ActualSpend?: { Amount?: string; Unit?: string }; ForecastedSpend?: { Amount?: string; Unit?: string } };
}

export interface BudgetLine {
  name: string;
  limit: number | null;
  unit: string | null;
  timeUnit: string | null;
  actual: number | null;
  forecast: number | null;
  /** actual / limit, in percent. */
  percent: number | null;
  forecastPercent: number | null;
  status: ThresholdStatus | null;
  forecastStatus: ThresholdStatus | null;
  /** The environment's own budget (Terraform output budget_name). */
  configured: boolean;
}

function readNumber(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

export function percentOf(value: number | null, limit: number | null): number | null {
  if (value === null || limit === null || limit <= 0) return null;
  return Math.round((value / limit) * 1000) / 10;
}

export function thresholdStatus(percent: number | null): ThresholdStatus | null {
  if (percent === null) return null;
  if (percent > BUDGET_THRESHOLDS.over) return "over";
  if (percent > BUDGET_THRESHOLDS.warning) return "warning";
  return "ok";
}

/**
 * Which budgets belong in the report: noveli's (names starting with `noveli-`, or
 * `noveli-<env>-` with an environment), plus the environment's configured budget by name.
 */
export function budgetBelongs(name: string, env: Environment | undefined, configuredName: string | null): boolean {
  if (configuredName !== null && name === configuredName) return true;
  return name.startsWith(env === undefined ? "noveli-" : `noveli-${env}-`);
}

/** Pure: the report's budget lines, cost budgets only (usage and coverage budgets are not money). */
export function summarizeBudgets(budgets: AwsBudget[], env: Environment | undefined, configuredName: string | null): BudgetLine[] {
  return budgets
    .filter((b) => b.BudgetName !== undefined && (b.BudgetType ?? "COST") === "COST" && budgetBelongs(b.BudgetName, env, configuredName))
    .map((b) => {
      const limit = readNumber(b.BudgetLimit?.Amount);
      const actual = readNumber(b.CalculatedSpend?.ActualSpend?.Amount);
      const forecast = readNumber(b.CalculatedSpend?.ForecastedSpend?.Amount);
      const percent = percentOf(actual, limit);
      const forecastPercent = percentOf(forecast, limit);
      return {
        name: b.BudgetName!,
        limit,
        unit: b.BudgetLimit?.Unit ?? null,
        timeUnit: b.TimeUnit ?? null,
        actual,
        forecast,
        percent,
        forecastPercent,
        status: thresholdStatus(percent),
        forecastStatus: thresholdStatus(forecastPercent),
        configured: configuredName !== null && b.BudgetName === configuredName,
      };
    })
    .sort((a, b) => Number(b.configured) - Number(a.configured) || a.name.localeCompare(b.name));
}

export interface GateInput {
  /** The limit in USD. */
  limit: number;
  /** Where the limit comes from, e.g. "--budget" or "terraform output monthly_budget_usd (dev)". */
  source: string;
  /** Spend of the report period; null when the spend section is unavailable. */
  actual: number | null;
  /** Month-end forecast; null when no forecast is available. */
  forecast: number | null;
  forecastSource: string | null;
}

export type GateVerdict = "within" | "over" | "unknown";

export interface GateResult extends GateInput {
  actualPercent: number | null;
  forecastPercent: number | null;
  verdict: GateVerdict;
  /** One line saying why. */
  reason: string;
}

/**
 * Pure: the gate decision. Over when actual or forecast spend is over 100% of the limit. Unknown
 * (which fails the gate too) when the actual spend could not be read: a gate that cannot see the
 * spend must not let CI pass. A missing forecast alone gates on the actual spend.
 */
export function evaluateBudgetGate(input: GateInput): GateResult {
  const actualPercent = percentOf(input.actual, input.limit);
  const forecastPercent = percentOf(input.forecast, input.limit);
  const money = (v: number) => `$${roundMoney(v).toFixed(2)}`;
  const pct = (p: number | null) => (p === null ? "n/a" : `${p.toFixed(1)}%`);
  const over: string[] = [];
  if (input.actual !== null && input.actual > input.limit) over.push(`actual spend ${money(input.actual)} is ${pct(actualPercent)} of ${money(input.limit)}`);
  if (input.forecast !== null && input.forecast > input.limit) over.push(`forecast ${money(input.forecast)} is ${pct(forecastPercent)} of ${money(input.limit)}`);
  if (over.length > 0) return { ...input, actualPercent, forecastPercent, verdict: "over", reason: `over budget: ${over.join("; ")}` };
  if (input.actual === null) {
    return { ...input, actualPercent, forecastPercent, verdict: "unknown", reason: "the actual spend is unavailable, so the budget cannot be checked" };
  }
  const forecastPart = input.forecast === null ? "no forecast available, gated on actual spend only" : `forecast ${pct(forecastPercent)}`;
  return { ...input, actualPercent, forecastPercent, verdict: "within", reason: `within budget: actual ${pct(actualPercent)}, ${forecastPart}` };
}

/** Parses `--budget <usd>`: a positive amount, `$` allowed. */
export function parseBudgetUsd(raw: string): number | undefined {
  const text = raw.trim().replace(/^\$/, "");
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}
