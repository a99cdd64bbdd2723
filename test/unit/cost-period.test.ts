import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { addDays, firstOfNextMonth, forecastWindow, lastOfMonth, parseIsoDate, resolvePeriod } from "../../src/ops/cost/period.js";
import { anomaliesRequest, costAndUsageRequest, costForecastRequest, parseGroupBy, tagFilter } from "../../src/ops/cost/query.js";

const TODAY = "2026-11-25";

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).not.toContain("\n");
    return error as UsageError;
  }
  throw new Error("expected a usage error");
}

describe("resolvePeriod", () => {
  it("defaults to month to date, today included, with Cost Explorer's exclusive End the day after", () => {
    expect(resolvePeriod({}, TODAY)).toEqual({
      from: "2026-11-01",
      to: "2026-11-25",
      endExclusive: "2026-11-26",
      granularity: "daily",
      today: TODAY,
      includesToday: true,
    });
  });

  it("on the first of the month covers that one day (Start before End)", () => {
    const period = resolvePeriod({}, "2026-12-01");
    expect(period.from).toBe("2026-12-01");
    expect(period.endExclusive).toBe("2026-12-02");
  });

  it("takes an inclusive --to and crosses month and year ends", () => {
    const period = resolvePeriod({ from: "2025-12-15", to: "2025-12-31", granularity: "monthly" }, TODAY);
    expect(period).toMatchObject({ from: "2025-12-15", to: "2025-12-31", endExclusive: "2026-01-01", granularity: "monthly", includesToday: false });
  });

  it("starts --to alone on the first of its month", () => {
    expect(resolvePeriod({ to: "2026-10-20" }, TODAY)).toMatchObject({ from: "2026-10-01", to: "2026-10-20" });
  });

  it("accepts a single day", () => {
    expect(resolvePeriod({ from: "2026-11-03", to: "2026-11-03" }, TODAY).endExclusive).toBe("2026-11-04");
  });

  it.each([
    [{ from: "2026-13-01" }, /--from "2026-13-01" is not a calendar date/],
    [{ from: "2026-02-30", to: "2026-03-01" }, /--from "2026-02-30" is not a calendar date/],
    [{ to: "25/11/2026" }, /--to must be a date as YYYY-MM-DD/],
    [{ from: "2026-11-10", to: "2026-11-02" }, /--from 2026-11-10 is after --to 2026-11-02/],
    [{ to: "2026-11-30" }, /--to 2026-11-30 is in the future/],
    [{ granularity: "hourly" }, /--granularity must be daily or monthly/],
  ])("rejects %j with a one-line usage error", (input, message) => {
    expect(usageError(() => resolvePeriod(input, TODAY)).message).toMatch(message);
  });

  it("knows leap years", () => {
    expect(parseIsoDate("2028-02-29", "--from")).toBe("2028-02-29");
    expect(() => parseIsoDate("2027-02-29", "--from")).toThrow(UsageError);
  });
});

describe("date helpers", () => {
  it("add days and find month ends in UTC", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(firstOfNextMonth("2026-12-31")).toBe("2027-01-01");
    expect(lastOfMonth("2028-02-10")).toBe("2028-02-29");
  });

  it("forecasts from today to the end of the month, End exclusive", () => {
    expect(forecastWindow("2026-11-25")).toEqual({ start: "2026-11-25", endExclusive: "2026-12-01", lastDay: "2026-11-30" });
    expect(forecastWindow("2026-11-30")).toEqual({ start: "2026-11-30", endExclusive: "2026-12-01", lastDay: "2026-11-30" });
  });
});

describe("Cost Explorer requests", () => {
  const period = resolvePeriod({}, TODAY);

  it("filters on Project=noveli, and on Environment with an environment", () => {
    expect(tagFilter(undefined)).toEqual({ Tags: { Key: "Project", Values: ["noveli"] } });
    expect(tagFilter("staging")).toEqual({
      And: [{ Tags: { Key: "Project", Values: ["noveli"] } }, { Tags: { Key: "Environment", Values: ["staging"] } }],
    });
  });

  it("groups by service or by the Environment tag and carries the page token", () => {
    expect(costAndUsageRequest(period, "service", undefined)).toEqual({
      TimePeriod: { Start: "2026-11-01", End: "2026-11-26" },
      Granularity: "DAILY",
      Metrics: ["UnblendedCost"],
      Filter: { Tags: { Key: "Project", Values: ["noveli"] } },
      GroupBy: [{ Type: "DIMENSION", Key: "SERVICE" }],
    });
    const second = costAndUsageRequest({ ...period, granularity: "monthly" }, "env", "dev", "token-2");
    expect(second.GroupBy).toEqual([{ Type: "TAG", Key: "Environment" }]);
    expect(second.Granularity).toBe("MONTHLY");
    expect(second.NextPageToken).toBe("token-2");
  });

  it("asks the forecast from today to the first of next month", () => {
    expect(costForecastRequest(TODAY, "production")).toMatchObject({
      TimePeriod: { Start: "2026-11-25", End: "2026-12-01" },
      Metric: "UNBLENDED_COST",
      Granularity: "MONTHLY",
      PredictionIntervalLevel: 80,
    });
  });

  it("asks anomalies observed from the first to the last day of the period", () => {
    expect(anomaliesRequest(period)).toEqual({ DateInterval: { StartDate: "2026-11-01", EndDate: "2026-11-25" } });
  });

  it("parses --group-by", () => {
    expect(parseGroupBy(undefined)).toBe("service");
    expect(parseGroupBy("ENV")).toBe("env");
    expect(parseGroupBy("environment")).toBe("env");
    expect(usageError(() => parseGroupBy("region")).message).toMatch(/--group-by must be service or env/);
  });
});
