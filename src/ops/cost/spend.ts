import { ENVIRONMENT_TAG_KEY, type GroupBy } from "./query.js";

/**
 * Pure: Cost Explorer pages → the spend of the report. Pages are merged first (a long period, or
 * many groups, come back over several pages, and one day's groups may be split across two
 * pages), then summed per group and per day. Nothing is filled in: a day Cost Explorer did not
 * return is not in `days`, and an amount it returned malformed fails the section rather than
 * being read as zero.
 */

export interface CeMetricValue {
  Amount?: string;
  Unit?: string;
}
export interface CeGroup {
  Keys?: string[];
  Metrics?: Record<string, CeMetricValue>;
}
export interface CeResultByTime {
  TimePeriod?: { Start?: string; End?: string };
  Total?: Record<string, CeMetricValue>;
  Groups?: CeGroup[];
  Estimated?: boolean;
}
export interface CostAndUsagePage {
  ResultsByTime?: CeResultByTime[];
  NextPageToken?: string;
}

export interface SpendGroup {
  /** Service name, or environment name; null for spend without the Environment tag. */
  key: string | null;
  /** What the report shows: the key, or "(untagged)". */
  label: string;
  amount: number;
  /** Some of it falls in an open billing period, so it may still change. */
  estimated: boolean;
  untagged: boolean;
}

export interface SpendDay {
  /** The period's start date (a day, or the first day of a month bucket). */
  date: string;
  amount: number;
  estimated: boolean;
  /** The day's spend per group (service or environment), as returned; empty when only a total came back. */
  groups?: { label: string; amount: number }[];
}

export interface SpendSummary {
  /** The unit Cost Explorer reported, or null when it returned no amounts at all. */
  currency: string | null;
  total: number;
  estimated: boolean;
  /** Largest first. */
  groups: SpendGroup[];
  /** Oldest first. */
  days: SpendDay[];
}

export const UNTAGGED_LABEL = "(untagged)";

/** A spend figure Cost Explorer sent that cannot be read: the section fails instead of guessing. */
export class MalformedSpendError extends Error {}

/** Rounds away float noise from summing many 10-decimal amounts. */
export function roundMoney(value: number): number {
  const rounded = Math.round(value * 1e8) / 1e8;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/**
 * Merges the ResultsByTime of every page: entries with the same start date become one, their
 * groups combined (amounts of a key seen twice are added) and flagged estimated if any part is.
 */
export function mergePages(pages: CostAndUsagePage[], metric: string): CeResultByTime[] {
  const byStart = new Map<string, { period: { Start: string; End?: string }; groups: Map<string, CeGroup>; total?: Record<string, CeMetricValue>; estimated: boolean }>();
  for (const page of pages) {
    for (const result of page.ResultsByTime ?? []) {
      const start = result.TimePeriod?.Start;
      if (!start) throw new MalformedSpendError("Cost Explorer returned a result without a TimePeriod start");
      let entry = byStart.get(start);
      if (!entry) {
        entry = { period: { Start: start, ...(result.TimePeriod?.End ? { End: result.TimePeriod.End } : {}) }, groups: new Map(), estimated: false };
        byStart.set(start, entry);
      }
      entry.estimated ||= result.Estimated === true;
      if (result.Total && result.Total[metric] && !entry.total) entry.total = result.Total;
      for (const group of result.Groups ?? []) {
        const key = JSON.stringify(group.Keys ?? []);
        const seen = entry.groups.get(key);
        if (!seen) {
          entry.groups.set(key, group);
          continue;
        }
        const a = readAmount(seen.Metrics?.[metric], metric);
        const b = readAmount(group.Metrics?.[metric], metric);
        entry.groups.set(key, { Keys: group.Keys, Metrics: { [metric]: { Amount: String(a.amount + b.amount), Unit: a.unit ?? b.unit } } });
      }
    }
  }
  return [...byStart.values()]
    .sort((x, y) => x.period.Start.localeCompare(y.period.Start))
    .map((e) => ({
      TimePeriod: e.period,
      ...(e.total ? { Total: e.total } : {}),
      Groups: [...e.groups.values()],
      Estimated: e.estimated,
    }));
}

function readAmount(value: CeMetricValue | undefined, metric: string): { amount: number; unit: string | undefined } {
  if (value === undefined) throw new MalformedSpendError(`Cost Explorer returned a group without ${metric}`);
  const amount = Number(value.Amount);
  if (value.Amount === undefined || value.Amount.trim() === "" || !Number.isFinite(amount)) {
    throw new MalformedSpendError(`Cost Explorer returned an unreadable ${metric} amount ${JSON.stringify(value.Amount)}`);
  }
  return { amount, unit: value.Unit };
}

/** The group's key as the report shows it: tag keys come back as `Environment$dev`, untagged as `Environment$`. */
export function groupKey(keys: string[] | undefined, groupBy: GroupBy): { key: string | null; label: string; untagged: boolean } {
  const raw = keys?.[0] ?? "";
  if (groupBy === "service") return raw === "" ? { key: null, label: "(no service)", untagged: false } : { key: raw, label: raw, untagged: false };
  const value = raw.startsWith(`${ENVIRONMENT_TAG_KEY}$`) ? raw.slice(ENVIRONMENT_TAG_KEY.length + 1) : raw;
  return value === "" ? { key: null, label: UNTAGGED_LABEL, untagged: true } : { key: value, label: value, untagged: false };
}

/** Pure: the spend summary of merged results (see mergePages). */
export function summarizeSpend(results: CeResultByTime[], groupBy: GroupBy, metric: string): SpendSummary {
  const units = new Set<string>();
  const groups = new Map<string, SpendGroup>();
  const days: SpendDay[] = [];
  let total = 0;
  for (const result of results) {
    const date = result.TimePeriod?.Start ?? "";
    const estimated = result.Estimated === true;
    let dayAmount = 0;
    const dayGroups: { label: string; amount: number }[] = [];
    if ((result.Groups ?? []).length > 0) {
      for (const group of result.Groups ?? []) {
        const { amount, unit } = readAmount(group.Metrics?.[metric], metric);
        if (unit) units.add(unit);
        const id = groupKey(group.Keys, groupBy);
        const mapKey = id.key ?? "\u0000untagged";
        const seen = groups.get(mapKey) ?? { ...id, amount: 0, estimated: false };
        seen.amount += amount;
        seen.estimated ||= estimated;
        groups.set(mapKey, seen);
        dayGroups.push({ label: id.label, amount: roundMoney(amount) });
        dayAmount += amount;
      }
    } else if (result.Total?.[metric]) {
      const { amount, unit } = readAmount(result.Total[metric], metric);
      if (unit) units.add(unit);
      dayAmount = amount;
    }
    // A period returned with neither groups nor a total had no spend: Cost Explorer said so.
    days.push({ date, amount: roundMoney(dayAmount), estimated, groups: dayGroups });
    total += dayAmount;
  }
  if (units.size > 1) throw new MalformedSpendError(`Cost Explorer returned amounts in several units (${[...units].join(", ")})`);
  const sortedGroups = [...groups.values()]
    .map((g) => ({ ...g, amount: roundMoney(g.amount) }))
    .sort((a, b) => b.amount - a.amount || a.label.localeCompare(b.label));
  return {
    currency: units.size === 1 ? [...units][0]! : null,
    total: roundMoney(total),
    estimated: days.some((d) => d.estimated),
    groups: sortedGroups,
    days,
  };
}
