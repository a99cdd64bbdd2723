import type { Environment } from "../../core/environment.js";
import { UsageError } from "../../errors.js";
import { forecastWindow, type ReportPeriod } from "./period.js";

/**
 * Pure: the Cost Explorer requests of a report. Spend is one GetCostAndUsage query (grouped by
 * service or by the Environment tag, daily or monthly), followed through every NextPageToken:
 * the totals and the day chart both come from it, so a report costs as few requests as possible.
 */

/** The tag every noveli resource carries (terraform/environments/*: Project = "noveli"). */
export const PROJECT_TAG = { key: "Project", value: "noveli" } as const;
/** The tag that names the environment (dev, staging, production). */
export const ENVIRONMENT_TAG_KEY = "Environment";
/** Cost Explorer metric of every figure in the report (what the invoice shows before credits are amortised). */
export const COST_METRIC = "UnblendedCost";
export const FORECAST_METRIC = "UNBLENDED_COST";
/** The confidence level asked of the forecast's prediction interval. */
export const PREDICTION_INTERVAL_LEVEL = 80;

export type GroupBy = "service" | "env";
export const GROUP_BYS: readonly GroupBy[] = ["service", "env"];

/** Cost Explorer's filter expression (the subset the report uses). */
export interface CeExpression {
  Tags?: { Key: string; Values: string[] };
  And?: CeExpression[];
}

export interface CostAndUsageRequest {
  TimePeriod: { Start: string; End: string };
  Granularity: "DAILY" | "MONTHLY";
  Metrics: string[];
  Filter: CeExpression;
  GroupBy: { Type: "DIMENSION" | "TAG"; Key: string }[];
  NextPageToken?: string;
}

export interface CostForecastRequest {
  TimePeriod: { Start: string; End: string };
  Metric: string;
  Granularity: "MONTHLY";
  Filter: CeExpression;
  PredictionIntervalLevel: number;
}

export interface AnomaliesRequest {
  DateInterval: { StartDate: string; EndDate: string };
  NextPageToken?: string;
}

/** The tag filter: Project=noveli, and Environment=<env> when an environment is given. */
export function tagFilter(env: Environment | undefined): CeExpression {
  const project: CeExpression = { Tags: { Key: PROJECT_TAG.key, Values: [PROJECT_TAG.value] } };
  if (env === undefined) return project;
  return { And: [project, { Tags: { Key: ENVIRONMENT_TAG_KEY, Values: [env] } }] };
}

export function costAndUsageRequest(period: ReportPeriod, groupBy: GroupBy, env: Environment | undefined, nextPageToken?: string): CostAndUsageRequest {
  return {
    TimePeriod: { Start: period.from, End: period.endExclusive },
    Granularity: period.granularity === "daily" ? "DAILY" : "MONTHLY",
    Metrics: [COST_METRIC],
    Filter: tagFilter(env),
    GroupBy: [groupBy === "service" ? { Type: "DIMENSION", Key: "SERVICE" } : { Type: "TAG", Key: ENVIRONMENT_TAG_KEY }],
    ...(nextPageToken !== undefined ? { NextPageToken: nextPageToken } : {}),
  };
}

export function costForecastRequest(today: string, env: Environment | undefined): CostForecastRequest {
  const window = forecastWindow(today);
  return {
    TimePeriod: { Start: window.start, End: window.endExclusive },
    Metric: FORECAST_METRIC,
    Granularity: "MONTHLY",
    Filter: tagFilter(env),
    PredictionIntervalLevel: PREDICTION_INTERVAL_LEVEL,
  };
}

/** Anomalies observed in the period (GetAnomalies' EndDate is the last day, inclusive). */
export function anomaliesRequest(period: ReportPeriod, nextPageToken?: string): AnomaliesRequest {
  return {
    DateInterval: { StartDate: period.from, EndDate: period.to },
    ...(nextPageToken !== undefined ? { NextPageToken: nextPageToken } : {}),
  };
}

export function parseGroupBy(raw: string | undefined): GroupBy {
  if (raw === undefined) return "service";
  const value = raw.trim().toLowerCase();
  if (value === "environment") return "env";
  if ((GROUP_BYS as readonly string[]).includes(value)) return value as GroupBy;
  throw new UsageError(`--group-by must be service or env, got ${JSON.stringify(raw)}`);
}
