import { describe, expect, it } from "vitest";
import { budgetBelongs, evaluateBudgetGate, parseBudgetUsd, percentOf, summarizeBudgets, thresholdStatus } from "../../src/ops/cost/budgets.js";
import { ceRequestCost, createCeRequestMeter } from "../../src/ops/cost/requests.js";

const budget = (name: string, limit: string, actual?: string, forecast?: string, type = "COST") => ({
  BudgetName: name,
  BudgetType: type,
  TimeUnit: "MONTHLY",
  BudgetLimit: { Amount: limit, Unit: "USD" },
  ...(actual !== undefined || forecast !== undefined
    ? {
        CalculatedSpend: {
          ...(actual !== undefined ? { ActualSpend: { Amount: actual, Unit: "USD" } } : {}),
          ...(forecast !== undefined ? { ForecastedSpend: { Amount: forecast, Unit: "USD" } } : {}),
        },
      }
    : {}),
});

describe("budget thresholds", () => {
  it("warn above 80% and are over above 100% (GREATER_THAN, like the seed's notifications)", () => {
    expect(thresholdStatus(80)).toBe("ok");
    expect(thresholdStatus(80.1)).toBe("warning");
    expect(thresholdStatus(100)).toBe("warning");
    expect(thresholdStatus(100.1)).toBe("over");
    expect(thresholdStatus(null)).toBeNull();
  });

  it("computes percent to one decimal, unknown without a figure or a limit", () => {
    expect(percentOf(85, 100)).toBe(85);
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(null, 100)).toBeNull();
    expect(percentOf(5, 0)).toBeNull();
  });
});

describe("summarizeBudgets", () => {
  const budgets = [
    budget("noveli-dev-monthly", "100", "85", "120"),
    budget("noveli-production-monthly", "500", "100", "300"),
    budget("someone-elses", "10", "50", "50"),
    budget("noveli-dev-usage", "1000", "5", "5", "USAGE"),
    budget("noveli-dev-new", "50"),
  ];

  it("lists noveli's cost budgets with actual and forecast against the limit", () => {
    const lines = summarizeBudgets(budgets, undefined, null);
    expect(lines.map((l) => l.name)).toEqual(["noveli-dev-monthly", "noveli-dev-new", "noveli-production-monthly"]);
    expect(lines[0]).toEqual({
      name: "noveli-dev-monthly",
      limit: 100,
      unit: "USD",
      timeUnit: "MONTHLY",
      actual: 85,
      forecast: 120,
      percent: 85,
      forecastPercent: 120,
      status: "warning",
      forecastStatus: "over",
      configured: false,
    });
    // A budget AWS has not calculated yet has no figures: n/a, not 0.
    expect(lines[1]).toMatchObject({ actual: null, forecast: null, percent: null, status: null });
  });

  it("keeps one environment's budgets with --env and puts the configured one first", () => {
    expect(summarizeBudgets(budgets, "production", null).map((l) => l.name)).toEqual(["noveli-production-monthly"]);
    const withConfigured = summarizeBudgets(budgets, "dev", "someone-elses");
    expect(withConfigured.map((l) => [l.name, l.configured])).toEqual([
      ["someone-elses", true],
      ["noveli-dev-monthly", false],
      ["noveli-dev-new", false],
    ]);
    expect(budgetBelongs("noveli-devx-1", "dev", null)).toBe(false);
  });
});

describe("evaluateBudgetGate", () => {
  const base = { limit: 100, source: "--budget", forecastSource: null };

  it("passes under 100% of actual and forecast", () => {
    const gate = evaluateBudgetGate({ ...base, actual: 60, forecast: 95, forecastSource: "Cost Explorer" });
    expect(gate).toMatchObject({ verdict: "within", actualPercent: 60, forecastPercent: 95 });
  });

  it("fails when the actual spend is over", () => {
    const gate = evaluateBudgetGate({ ...base, actual: 100.5, forecast: null });
    expect(gate.verdict).toBe("over");
    expect(gate.reason).toBe("over budget: actual spend $100.50 is 100.5% of $100.00");
  });

  it("fails when only the forecast is over", () => {
    const gate = evaluateBudgetGate({ ...base, actual: 40, forecast: 130 });
    expect(gate.verdict).toBe("over");
    expect(gate.reason).toContain("forecast $130.00 is 130.0% of $100.00");
  });

  it("exactly 100% is still within budget", () => {
    expect(evaluateBudgetGate({ ...base, actual: 100, forecast: 100 }).verdict).toBe("within");
  });

  it("gates on actual alone without a forecast, and says so", () => {
    const gate = evaluateBudgetGate({ ...base, actual: 10, forecast: null });
    expect(gate.verdict).toBe("within");
    expect(gate.reason).toContain("no forecast available");
  });

  it("is unknown (a failing gate) when the actual spend could not be read", () => {
    expect(evaluateBudgetGate({ ...base, actual: null, forecast: 50 }).verdict).toBe("unknown");
    // but an over forecast is still over
    expect(evaluateBudgetGate({ ...base, actual: null, forecast: 150 }).verdict).toBe("over");
  });

  it("parses --budget", () => {
    expect(parseBudgetUsd("250")).toBe(250);
    expect(parseBudgetUsd("$99.50")).toBe(99.5);
    expect(parseBudgetUsd("0")).toBeUndefined();
    expect(parseBudgetUsd("-5")).toBeUndefined();
    expect(parseBudgetUsd("ten")).toBeUndefined();
    expect(parseBudgetUsd("1e3")).toBeUndefined();
  });
});

describe("Cost Explorer request meter", () => {
  it("counts HTTP requests, retries included, at $0.01 each", () => {
    const meter = createCeRequestMeter();
    meter.record(1);
    meter.record(5);
    meter.record(undefined);
    expect(meter.count).toBe(7);
    expect(ceRequestCost(meter.count)).toBe(0.07);
    expect(ceRequestCost(0)).toBe(0);
    expect(ceRequestCost(3)).toBe(0.03);
  });
});
