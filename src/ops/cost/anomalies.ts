import { roundMoney } from "./spend.js";

/**
 * Pure: Cost Anomaly Detection results, largest impact first, each with its root causes. Cost
 * Explorer cannot filter anomalies by tag, so they are the account's (every monitor's).
 */

export interface CeAnomaly {
  AnomalyId?: string;
  AnomalyStartDate?: string;
  AnomalyEndDate?: string;
  DimensionValue?: string;
  MonitorArn?: string;
  Feedback?: string;
  AnomalyScore?: { MaxScore?: number; CurrentScore?: number };
  Impact?: { MaxImpact?: number; TotalImpact?: number; TotalActualSpend?: number; TotalExpectedSpend?: number; TotalImpactPercentage?: number };
  RootCauses?: {
    Service?: string;
    Region?: string;
    LinkedAccount?: string;
    LinkedAccountName?: string;
    UsageType?: string;
    Impact?: { Contribution?: number };
  }[];
}

export interface AnomalyRootCause {
  service: string | null;
  region: string | null;
  usageType: string | null;
  linkedAccount: string | null;
  contribution: number | null;
}

export interface AnomalySummary {
  id: string;
  /** YYYY-MM-DD */
  start: string | null;
  end: string | null;
  /** What the monitor watches, e.g. the service name. */
  dimension: string | null;
  totalImpact: number | null;
  maxImpact: number | null;
  impactPercent: number | null;
  actualSpend: number | null;
  expectedSpend: number | null;
  rootCauses: AnomalyRootCause[];
  monitorArn: string | null;
  feedback: string | null;
}

const day = (value: string | undefined) => (value ? value.slice(0, 10) : null);
const num = (value: number | undefined) => (typeof value === "number" && Number.isFinite(value) ? roundMoney(value) : null);

export function summarizeAnomalies(anomalies: CeAnomaly[]): AnomalySummary[] {
  return anomalies
    .map((a) => ({
      id: a.AnomalyId ?? "(no id)",
      start: day(a.AnomalyStartDate),
      end: day(a.AnomalyEndDate),
      dimension: a.DimensionValue ?? null,
      totalImpact: num(a.Impact?.TotalImpact),
      maxImpact: num(a.Impact?.MaxImpact),
      impactPercent: num(a.Impact?.TotalImpactPercentage),
      actualSpend: num(a.Impact?.TotalActualSpend),
      expectedSpend: num(a.Impact?.TotalExpectedSpend),
      rootCauses: (a.RootCauses ?? []).map((c) => ({
        service: c.Service ?? null,
        region: c.Region ?? null,
        usageType: c.UsageType ?? null,
        linkedAccount: c.LinkedAccount ?? null,
        contribution: num(c.Impact?.Contribution),
      })),
      monitorArn: a.MonitorArn ?? null,
      feedback: a.Feedback ?? null,
    }))
    .sort((a, b) => (b.totalImpact ?? b.maxImpact ?? 0) - (a.totalImpact ?? a.maxImpact ?? 0) || a.id.localeCompare(b.id));
}

/** One line per root cause, e.g. "AWS Lambda · us-east-1 · Request ($12.00)". */
export function describeRootCause(cause: AnomalyRootCause): string {
  const parts = [cause.service, cause.region, cause.usageType, cause.linkedAccount ? `account ${cause.linkedAccount}` : null].filter((p): p is string => p !== null && p !== "");
  const text = parts.length > 0 ? parts.join(" · ") : "unknown";
  return cause.contribution !== null ? `${text} ($${cause.contribution.toFixed(2)})` : text;
}
