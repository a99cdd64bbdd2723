import { UsageError } from "../../errors.js";

/**
 * The report period. Dates are calendar days in UTC (Cost Explorer's clock), as YYYY-MM-DD.
 * The user's `--to` is inclusive; Cost Explorer's `End` is exclusive, so the request uses the
 * day after (`endExclusive`).
 */

export type Granularity = "daily" | "monthly";
export const GRANULARITIES: readonly Granularity[] = ["daily", "monthly"];

export interface ReportPeriod {
  /** First day, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** The day after `to`: Cost Explorer's exclusive End. */
  endExclusive: string;
  granularity: Granularity;
  /** Today in UTC, as the period was resolved. */
  today: string;
  /** Whether the period reaches today, so a month-end forecast applies. */
  includesToday: boolean;
}

export interface PeriodInput {
  from?: string;
  to?: string;
  granularity?: string;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in UTC. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Validates a YYYY-MM-DD calendar date (2026-02-30 is rejected), or throws a one-line usage error. */
export function parseIsoDate(raw: string, flag: string): string {
  const match = ISO_DATE.exec(raw.trim());
  if (!match) throw new UsageError(`${flag} must be a date as YYYY-MM-DD, got ${JSON.stringify(raw)}`);
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (utcDate(date) !== `${y}-${m}-${d}`) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a calendar date`);
  return `${y}-${m}-${d}`;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDate(d);
}

export function firstOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function firstOfNextMonth(date: string): string {
  const d = new Date(`${firstOfMonth(date)}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return utcDate(d);
}

export function lastOfMonth(date: string): string {
  return addDays(firstOfNextMonth(date), -1);
}

export function parseGranularity(raw: string | undefined): Granularity {
  if (raw === undefined) return "daily";
  const value = raw.trim().toLowerCase();
  if ((GRANULARITIES as readonly string[]).includes(value)) return value as Granularity;
  throw new UsageError(`--granularity must be daily or monthly, got ${JSON.stringify(raw)}`);
}

/**
 * Pure: the period from the flags. Default: month to date (the first of this month to today,
 * both inclusive). `--to` alone starts on the first of its month. Future dates are refused:
 * Cost Explorer has no spend after today, and the forecast covers the rest of the month.
 */
export function resolvePeriod(input: PeriodInput, today: string): ReportPeriod {
  const granularity = parseGranularity(input.granularity);
  const to = input.to !== undefined ? parseIsoDate(input.to, "--to") : today;
  const from = input.from !== undefined ? parseIsoDate(input.from, "--from") : firstOfMonth(to);
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  if (from > today) throw new UsageError(`--from ${from} is in the future (today is ${today} UTC)`);
  if (to > today) {
    throw new UsageError(`--to ${to} is in the future (today is ${today} UTC): Cost Explorer has no spend yet; the forecast covers the rest of the month`);
  }
  return { from, to, endExclusive: addDays(to, 1), granularity, today, includesToday: to === today };
}

/**
 * The forecast window: today to the end of this month (Cost Explorer requires a start no earlier
 * than today, and its End is exclusive).
 */
export function forecastWindow(today: string): { start: string; endExclusive: string; lastDay: string } {
  return { start: today, endExclusive: firstOfNextMonth(today), lastDay: lastOfMonth(today) };
}
