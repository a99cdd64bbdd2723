import { firstOfMonth, forecastWindow, type ReportPeriod } from "./period.js";
import { PREDICTION_INTERVAL_LEVEL } from "./query.js";
import { MalformedSpendError, roundMoney, type SpendDay } from "./spend.js";

/**
 * Pure: the month-end forecast. Cost Explorer forecasts from today (it refuses a start in the
 * past), so the month-end figure is the actual spend of this month before today plus the
 * forecast from today to the end of the month. Today's own partial spend is left out of the
 * actual part, as the forecast covers the whole of today.
 */

export interface CeForecastResponse {
  Total?: { Amount?: string; Unit?: string };
  ForecastResultsByTime?: { MeanValue?: string; PredictionIntervalLowerBound?: string; PredictionIntervalUpperBound?: string }[];
}

export interface ForecastSummary {
  /** Today: the forecast's first day. */
  from: string;
  /** The month's last day, inclusive. */
  to: string;
  /** Forecast spend from today to the end of the month. */
  remaining: number;
  lowerBound: number | null;
  upperBound: number | null;
  predictionIntervalLevel: number;
  /** Actual spend from the first of the month to yesterday; null when the report's data cannot tell. */
  monthToDate: number | null;
  /** monthToDate + remaining; null when monthToDate is unknown (monthEndNote says why). */
  monthEnd: number | null;
  monthEndNote: string | null;
  currency: string | null;
}

function amount(raw: string | undefined, what: string): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isFinite(value)) throw new MalformedSpendError(`Cost Explorer returned an unreadable forecast ${what} ${JSON.stringify(raw)}`);
  return value;
}

function sumOptional(values: (string | undefined)[], what: string): number | null {
  if (values.length === 0 || values.some((v) => v === undefined)) return null;
  return roundMoney(values.reduce((sum, v) => sum + amount(v, what), 0));
}

/**
 * This month's actual spend before today, from the report's days. Known only with daily
 * granularity over a period covering the first of the month to yesterday.
 */
export function monthToDateBeforeToday(period: ReportPeriod, days: SpendDay[] | null): { amount: number | null; note: string | null } {
  const monthStart = firstOfMonth(period.today);
  if (days === null) return { amount: null, note: "the spend section is unavailable" };
  if (period.today === monthStart) return { amount: 0, note: null };
  if (period.granularity !== "daily") return { amount: null, note: "the month-end total needs --granularity daily" };
  if (period.from > monthStart || !period.includesToday) {
    return { amount: null, note: `the month-end total needs a period from ${monthStart} to today` };
  }
  const sum = days.filter((d) => d.date >= monthStart && d.date < period.today).reduce((s, d) => s + d.amount, 0);
  return { amount: roundMoney(sum), note: null };
}

export function summarizeForecast(response: CeForecastResponse, period: ReportPeriod, days: SpendDay[] | null): ForecastSummary {
  const window = forecastWindow(period.today);
  const remaining = roundMoney(amount(response.Total?.Amount, "total"));
  const buckets = response.ForecastResultsByTime ?? [];
  const mtd = monthToDateBeforeToday(period, days);
  return {
    from: window.start,
    to: window.lastDay,
    remaining,
    lowerBound: sumOptional(buckets.map((b) => b.PredictionIntervalLowerBound), "lower bound"),
    upperBound: sumOptional(buckets.map((b) => b.PredictionIntervalUpperBound), "upper bound"),
    predictionIntervalLevel: PREDICTION_INTERVAL_LEVEL,
    monthToDate: mtd.amount,
    monthEnd: mtd.amount === null ? null : roundMoney(mtd.amount + remaining),
    monthEndNote: mtd.note,
    currency: response.Total?.Unit ?? null,
  };
}
