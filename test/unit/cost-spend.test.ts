import { describe, expect, it } from "vitest";
import { summarizeForecast, monthToDateBeforeToday } from "../../src/ops/cost/forecast.js";
import { resolvePeriod } from "../../src/ops/cost/period.js";
import { MalformedSpendError, groupKey, mergePages, roundMoney, summarizeSpend, type CostAndUsagePage } from "../../src/ops/cost/spend.js";

const M = "UnblendedCost";
const usd = (amount: string) => ({ [M]: { Amount: amount, Unit: "USD" } });
const day = (start: string, end: string, groups: [string, string][], estimated = false) => ({
  TimePeriod: { Start: start, End: end },
  Total: {},
  Groups: groups.map(([key, amount]) => ({ Keys: [key], Metrics: usd(amount) })),
  Estimated: estimated,
});

describe("mergePages", () => {
  it("joins pages and combines one day's groups split across two pages", () => {
    const pages: CostAndUsagePage[] = [
      { ResultsByTime: [day("2026-11-01", "2026-11-02", [["AWS Lambda", "1.5"]]), day("2026-11-02", "2026-11-03", [["AWS Lambda", "2"]])], NextPageToken: "p2" },
      { ResultsByTime: [day("2026-11-02", "2026-11-03", [["Amazon DynamoDB", "0.25"]], true), day("2026-11-03", "2026-11-04", [])] },
    ];
    const merged = mergePages(pages, M);
    expect(merged.map((r) => r.TimePeriod?.Start)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
    expect(merged[1]!.Groups!.map((g) => g.Keys![0])).toEqual(["AWS Lambda", "Amazon DynamoDB"]);
    // Estimated if any part of the day is.
    expect(merged[1]!.Estimated).toBe(true);
    expect(merged[0]!.Estimated).toBe(false);
  });

  it("adds up a key that appears for the same day on two pages", () => {
    const merged = mergePages(
      [{ ResultsByTime: [day("2026-11-01", "2026-11-02", [["AWS Lambda", "1"]])] }, { ResultsByTime: [day("2026-11-01", "2026-11-02", [["AWS Lambda", "0.5"]])] }],
      M,
    );
    expect(merged).toHaveLength(1);
    expect(summarizeSpend(merged, "service", M).total).toBe(1.5);
  });

  it("sorts by start date whatever the page order", () => {
    const merged = mergePages([{ ResultsByTime: [day("2026-11-05", "2026-11-06", [])] }, { ResultsByTime: [day("2026-11-04", "2026-11-05", [])] }], M);
    expect(merged.map((r) => r.TimePeriod?.Start)).toEqual(["2026-11-04", "2026-11-05"]);
  });
});

describe("summarizeSpend", () => {
  it("sums per service and per day, largest service first, days labelled by their start date", () => {
    const merged = mergePages(
      [
        {
          ResultsByTime: [
            day("2026-11-01", "2026-11-02", [["AWS Lambda", "0.1"], ["Amazon DynamoDB", "0.2"]]),
            day("2026-11-02", "2026-11-03", [["AWS Lambda", "0.2"], ["Amazon API Gateway", "0.05"]], true),
          ],
        },
      ],
      M,
    );
    const spend = summarizeSpend(merged, "service", M);
    expect(spend.days).toMatchObject([
      { date: "2026-11-01", amount: 0.3, estimated: false },
      { date: "2026-11-02", amount: 0.25, estimated: true },
    ]);
    expect(spend.groups.map((g) => [g.label, g.amount, g.estimated])).toEqual([
      ["AWS Lambda", 0.3, true],
      ["Amazon DynamoDB", 0.2, false],
      ["Amazon API Gateway", 0.05, true],
    ]);
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; money is rounded.
    expect(spend.total).toBe(0.55);
    expect(spend.estimated).toBe(true);
    expect(spend.currency).toBe("USD");
  });

  it("shows spend without the Environment tag as its own untagged line", () => {
    const spend = summarizeSpend(
      mergePages([{ ResultsByTime: [day("2026-11-01", "2026-11-02", [["Environment$production", "10"], ["Environment$", "2.5"], ["Environment$dev", "1"]])] }], M),
      "env",
      M,
    );
    expect(spend.groups).toEqual([
      { key: "production", label: "production", amount: 10, estimated: false, untagged: false },
      { key: null, label: "(untagged)", amount: 2.5, estimated: false, untagged: true },
      { key: "dev", label: "dev", amount: 1, estimated: false, untagged: false },
    ]);
    expect(spend.total).toBe(13.5);
  });

  it("reads the Total of ungrouped results", () => {
    const spend = summarizeSpend([{ TimePeriod: { Start: "2026-11-01", End: "2026-11-02" }, Total: usd("4.25"), Groups: [], Estimated: true }], "service", M);
    expect(spend.days).toMatchObject([{ date: "2026-11-01", amount: 4.25, estimated: true }]);
    expect(spend.total).toBe(4.25);
  });

  it("an empty period is zero spend with no days and no currency, not an error", () => {
    expect(summarizeSpend(mergePages([{ ResultsByTime: [] }], M), "service", M)).toEqual({ currency: null, total: 0, estimated: false, groups: [], days: [] });
  });

  it("a day Cost Explorer returned without groups had no spend", () => {
    const spend = summarizeSpend(mergePages([{ ResultsByTime: [day("2026-11-01", "2026-11-02", [])] }], M), "service", M);
    expect(spend.days).toMatchObject([{ date: "2026-11-01", amount: 0, estimated: false }]);
  });

  it("refuses unreadable amounts and mixed currencies instead of guessing", () => {
    expect(() => summarizeSpend(mergePages([{ ResultsByTime: [day("2026-11-01", "2026-11-02", [["AWS Lambda", "abc"]])] }], M), "service", M)).toThrow(MalformedSpendError);
    const mixed = [
      { TimePeriod: { Start: "2026-11-01" }, Groups: [{ Keys: ["A"], Metrics: { [M]: { Amount: "1", Unit: "USD" } } }] },
      { TimePeriod: { Start: "2026-11-02" }, Groups: [{ Keys: ["A"], Metrics: { [M]: { Amount: "1", Unit: "EUR" } } }] },
    ];
    expect(() => summarizeSpend(mixed, "service", M)).toThrow(/several units/);
    expect(() => summarizeSpend([{ TimePeriod: { Start: "2026-11-01" }, Groups: [{ Keys: ["A"], Metrics: {} }] }], "service", M)).toThrow(/without UnblendedCost/);
  });

  it("keeps credits (negative amounts)", () => {
    const spend = summarizeSpend(mergePages([{ ResultsByTime: [day("2026-11-01", "2026-11-02", [["AWS Lambda", "3"], ["Credits", "-1.25"]])] }], M), "service", M);
    expect(spend.total).toBe(1.75);
    expect(spend.groups.at(-1)).toMatchObject({ label: "Credits", amount: -1.25 });
  });

  it("names group keys", () => {
    expect(groupKey(["Environment$staging"], "env")).toEqual({ key: "staging", label: "staging", untagged: false });
    expect(groupKey(["Environment$"], "env")).toEqual({ key: null, label: "(untagged)", untagged: true });
    expect(groupKey(["AWS Lambda"], "service")).toEqual({ key: "AWS Lambda", label: "AWS Lambda", untagged: false });
    expect(roundMoney(-0.000000001)).toBe(0);
  });
});

describe("forecast", () => {
  const period = resolvePeriod({}, "2026-11-25");
  const days = [
    { date: "2026-11-01", amount: 10, estimated: true },
    { date: "2026-11-24", amount: 5, estimated: true },
    // today's partial spend: the forecast covers all of today, so it is left out
    { date: "2026-11-25", amount: 1, estimated: true },
  ];

  it("month end = spend before today + forecast from today", () => {
    const forecast = summarizeForecast(
      { Total: { Amount: "30.5", Unit: "USD" }, ForecastResultsByTime: [{ MeanValue: "30.5", PredictionIntervalLowerBound: "25", PredictionIntervalUpperBound: "36" }] },
      period,
      days,
    );
    expect(forecast).toEqual({
      from: "2026-11-25",
      to: "2026-11-30",
      remaining: 30.5,
      lowerBound: 25,
      upperBound: 36,
      predictionIntervalLevel: 80,
      monthToDate: 15,
      monthEnd: 45.5,
      monthEndNote: null,
      currency: "USD",
    });
  });

  it("leaves the month end unknown when the report's days cannot give this month's actual spend", () => {
    expect(monthToDateBeforeToday({ ...period, granularity: "monthly" }, days)).toEqual({ amount: null, note: "the month-end total needs --granularity daily" });
    expect(monthToDateBeforeToday(resolvePeriod({ from: "2026-11-10" }, "2026-11-25"), days).amount).toBeNull();
    expect(monthToDateBeforeToday(period, null).amount).toBeNull();
    expect(monthToDateBeforeToday(resolvePeriod({}, "2026-12-01"), []).amount).toBe(0);
    const noBounds = summarizeForecast({ Total: { Amount: "3", Unit: "USD" } }, { ...period, granularity: "monthly" }, days);
    expect(noBounds).toMatchObject({ remaining: 3, lowerBound: null, upperBound: null, monthEnd: null });
  });

  it("refuses a forecast without a total", () => {
    expect(() => summarizeForecast({}, period, days)).toThrow(MalformedSpendError);
  });
});
