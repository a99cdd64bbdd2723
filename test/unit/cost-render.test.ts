import { describe, expect, it } from "vitest";
import { styleFor } from "../../src/output/style.js";
import { evaluateBudgetGate, summarizeBudgets } from "../../src/ops/cost/budgets.js";
import { resolvePeriod } from "../../src/ops/cost/period.js";
import { bar, csvField, formatMoney, renderCsv, renderMarkdown, renderTable } from "../../src/views/cost-report.js";
import { assembleReport, type CostReport } from "../../src/ops/cost/report.js";
import { mergePages, summarizeSpend } from "../../src/ops/cost/spend.js";

const M = "UnblendedCost";
const plain = styleFor(false);

function sampleReport(overrides: Partial<Parameters<typeof assembleReport>[0]> = {}): CostReport {
  const period = resolvePeriod({ from: "2026-11-01", to: "2026-11-03" }, "2026-11-25");
  const spend = summarizeSpend(
    mergePages(
      [
        {
          ResultsByTime: [
            { TimePeriod: { Start: "2026-11-01", End: "2026-11-02" }, Groups: [{ Keys: ["AWS Lambda"], Metrics: { [M]: { Amount: "8", Unit: "USD" } } }, { Keys: ["Amazon DynamoDB, \"on-demand\""], Metrics: { [M]: { Amount: "2", Unit: "USD" } } }], Estimated: false },
            { TimePeriod: { Start: "2026-11-02", End: "2026-11-03" }, Groups: [{ Keys: ["AWS Lambda"], Metrics: { [M]: { Amount: "4", Unit: "USD" } } }], Estimated: true },
            { TimePeriod: { Start: "2026-11-03", End: "2026-11-04" }, Groups: [], Estimated: true },
          ],
        },
      ],
      M,
    ),
    "service",
    M,
  );
  const budgets = summarizeBudgets(
    [{ BudgetName: "noveli-dev-monthly", BudgetType: "COST", TimeUnit: "MONTHLY", BudgetLimit: { Amount: "10", Unit: "USD" }, CalculatedSpend: { ActualSpend: { Amount: "9", Unit: "USD" }, ForecastedSpend: { Amount: "12", Unit: "USD" } } }],
    "dev",
    null,
  );
  return assembleReport({
    period,
    groupBy: "service",
    env: "dev",
    spend,
    forecast: null,
    budgets,
    budgetGate: evaluateBudgetGate({ limit: 10, source: "--budget", actual: spend.total, forecast: null, forecastSource: null }),
    anomalies: [],
    ai: {
      namespace: "LiminalTransit/AIProviders",
      byProvider: [
        { provider: "bedrock", costUsd: 1.5, tokens: 12345 },
        { provider: "anthropic", costUsd: null, tokens: 10 },
      ],
      totalCostUsd: 1.5,
      totalTokens: 12355,
      stories: { count: 3, definition: "stories = sum of StoriesStarted", costPerStoryUsd: 0.5 },
      beats: { count: null, definition: "beats = samples of TokensGenerated", costPerBeatUsd: null },
      notes: [],
    },
    ceRequests: 3,
    unavailable: [
      { section: "forecast", reason: "the period ends before today (2026-11-25): the forecast covers the current month only" },
      { section: "anomalies", reason: "not implemented by the endpoint: ce:GetAnomalies answered HTTP 500 without an AWS error" },
    ],
    ...overrides,
  });
}

/** A small RFC 4180 reader, to check the CSV round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  row.push(field);
  rows.push(row);
  return rows;
}

describe("the JSON document", () => {
  it("has the documented shape", () => {
    const report = sampleReport();
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(["period", "currency", "total", "estimated", "byService", "daily", "forecast", "budgets", "anomalies", "ai", "requests", "unavailable"]),
    );
    expect(report).toMatchObject({
      period: { from: "2026-11-01", to: "2026-11-03" },
      currency: "USD",
      total: 14,
      estimated: true,
      byService: [
        { service: "AWS Lambda", amount: 12, estimated: true },
        { service: 'Amazon DynamoDB, "on-demand"', amount: 2, estimated: false },
      ],
      byEnvironment: null,
      daily: [
        { date: "2026-11-01", amount: 10, estimated: false },
        { date: "2026-11-02", amount: 4, estimated: true },
        { date: "2026-11-03", amount: 0, estimated: true },
      ],
      forecast: null,
      budgets: [{ name: "noveli-dev-monthly", limit: 10, actual: 9, forecast: 12, percent: 90 }],
      requests: { costExplorer: 3, estimatedCostUsd: 0.03 },
      filter: { tags: { Project: "noveli", Environment: "dev" } },
    });
    expect(report.budgetGate).toMatchObject({ verdict: "over", limit: 10, actual: 14 });
  });

  it("keeps an unavailable spend as null, never 0", () => {
    const report = sampleReport({ spend: null, unavailable: [{ section: "spend", reason: "access denied: the caller needs ce:GetCostAndUsage" }] });
    expect(report.total).toBeNull();
    expect(report.byService).toEqual([]);
    expect(report.daily).toEqual([]);
  });
});

describe("renderTable", () => {
  it("draws a bar per service proportional to its amount, and the day chart", () => {
    const lines = renderTable(sampleReport(), plain);
    const lambda = lines.find((l) => l.includes("AWS Lambda"))!;
    const dynamo = lines.find((l) => l.includes("Amazon DynamoDB"))!;
    const blocks = (line: string) => (line.match(/█/g) ?? []).length;
    expect(blocks(lambda)).toBe(28);
    // 2 / 12 of 28 columns = 4.67 → 4 full blocks and a partial one
    expect(blocks(dynamo)).toBe(4);
    expect(dynamo).toMatch(/█{4}[▏▎▍▌▋▊▉]/);
    expect(lambda).toContain("$12.00");
    expect(lambda).toContain("85.7%");
    expect(lines.some((l) => /^\s+Total\s+\$14\.00/.test(l))).toBe(true);
    const days = lines.filter((l) => /^\s+2026-11-0\d/.test(l));
    expect(days).toHaveLength(3);
    // The biggest day is the full width, stacked by service: Lambda 8 of 10 (█), DynamoDB 2 (▓).
    expect(days[0]).toMatch(/\$10\.00 {2}█{22}▓{6}$/);
    expect(lines).toContain("Daily  █ AWS Lambda  ▓ Amazon DynamoDB, \"on-demand\"");
    expect(days[1]).toMatch(/\$4\.00 {2}█{11} ~$/); // one service that day; estimated
    expect(days[2]).toMatch(/\$0\.00\s+~$/); // zero has no bar
  });

  it("shows the budgets, AI spend, gate, unavailable sections and the request count", () => {
    const text = renderTable(sampleReport(), plain).join("\n");
    expect(text).toContain("noveli-dev-monthly  limit $10.00/monthly  actual $9.00 (90.0%, over 80%)  forecast $12.00 (120.0%, over budget)");
    expect(text).toMatch(/bedrock\s+\$1\.50\s+12,345 tokens/);
    expect(text).toMatch(/anthropic\s+n\/a\s+10 tokens/);
    expect(text).toContain("stories: 3 · cost per story: $0.50");
    expect(text).toContain("beats: n/a · cost per beat: n/a");
    expect(text).toContain("✗ Budget gate $10.00 (--budget): over budget: actual spend $14.00 is 140.0% of $10.00");
    expect(text).toContain("n/a: not implemented by the endpoint: ce:GetAnomalies");
    expect(text).toContain("n/a: the period ends before today");
    expect(text).toContain("Cost Explorer requests: 3 (about $0.03 at $0.01 each)");
  });

  it("says when the period has no spend and when spend is unavailable", () => {
    const empty = renderTable(sampleReport({ spend: { currency: null, total: 0, estimated: false, groups: [], days: [] } }), plain).join("\n");
    expect(empty).toContain("no spend recorded for Project=noveli, Environment=dev in this period");
    const gone = renderTable(sampleReport({ spend: null, unavailable: [{ section: "spend", reason: "access denied: the caller needs ce:GetCostAndUsage" }] }), plain).join("\n");
    expect(gone).toContain("n/a: access denied: the caller needs ce:GetCostAndUsage");
  });
});

describe("renderCsv", () => {
  it("is one tidy table that round-trips, with quoting and empty cells for unknown figures", () => {
    const rows = parseCsv(renderCsv(sampleReport()));
    expect(rows[0]).toEqual(["section", "name", "date", "amount", "currency", "estimated", "note"]);
    expect(rows.every((r) => r.length === 7)).toBe(true);
    const find = (section: string, name = "") => rows.find((r) => r[0] === section && (name === "" || r[1] === name));
    expect(find("service", "AWS Lambda")).toEqual(["service", "AWS Lambda", "", "12", "USD", "true", ""]);
    expect(find("service", 'Amazon DynamoDB, "on-demand"')?.[3]).toBe("2");
    expect(rows.filter((r) => r[0] === "day").map((r) => [r[2], r[3], r[5]])).toEqual([
      ["2026-11-01", "10", "false"],
      ["2026-11-02", "4", "true"],
      ["2026-11-03", "0", "true"],
    ]);
    expect(find("total")).toEqual(["total", "", "", "14", "USD", "true", ""]);
    expect(find("budget-actual", "noveli-dev-monthly")?.slice(3)).toEqual(["9", "USD", "", "90% warning"]);
    expect(find("ai-cost", "anthropic")?.slice(3, 5)).toEqual(["", ""]);
    expect(find("ai-beats")?.[3]).toBe("");
    expect(find("unavailable", "anomalies")?.[6]).toMatch(/not implemented/);
    expect(find("requests")?.slice(3)).toEqual(["3", "", "", "about $0.03"]);
    expect(find("gate", "over")?.[3]).toBe("10");
  });

  it("quotes fields per RFC 4180", () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField(null)).toBe("");
    expect(csvField(-1.25)).toBe("-1.25");
  });

  it("groups by environment with the untagged line", () => {
    const spend = summarizeSpend(
      mergePages([{ ResultsByTime: [{ TimePeriod: { Start: "2026-11-01" }, Groups: [{ Keys: ["Environment$dev"], Metrics: { [M]: { Amount: "3", Unit: "USD" } } }, { Keys: ["Environment$"], Metrics: { [M]: { Amount: "1", Unit: "USD" } } }] }] }], M),
      "env",
      M,
    );
    const report = sampleReport({ groupBy: "env", env: undefined, spend });
    expect(report.byService).toBeNull();
    expect(report.byEnvironment).toEqual([
      { environment: "dev", label: "dev", amount: 3, estimated: false, untagged: false },
      { environment: null, label: "(untagged)", amount: 1, estimated: false, untagged: true },
    ]);
    const rows = parseCsv(renderCsv(report));
    expect(rows.find((r) => r[0] === "environment" && r[1] === "(untagged)")).toEqual(["environment", "(untagged)", "", "1", "USD", "false", "no Environment tag"]);
    expect(renderTable(report, plain).join("\n")).toMatch(/\(untagged\)\s+\$1\.00\s+25\.0%/);
  });
});

describe("renderMarkdown", () => {
  it("renders the sections as Markdown tables", () => {
    const md = renderMarkdown(sampleReport());
    expect(md).toContain("## noveli cost report: 2026-11-01 to 2026-11-03");
    expect(md).toContain("**Total: $14.00** (estimated: includes an open billing period)");
    expect(md).toContain("| Service | Amount | Share |\n| --- | ---: | ---: |\n| AWS Lambda | $12.00 ~ | 85.7% |");
    expect(md).toContain("| 2026-11-02 | $4.00 | yes |");
    expect(md).toContain("| noveli-dev-monthly | $10.00 | $9.00 | 90.0% warning | $12.00 | 120.0% over |");
    expect(md).toContain("| anthropic | n/a | 10 |");
    expect(md).toContain("### Budget gate: ❌ over budget");
    expect(md).toContain("- **anomalies**: not implemented by the endpoint");
    expect(md).toContain("_Cost Explorer requests: 3 (about $0.03 at $0.01 each)._");
  });

  it("escapes pipes in cells", () => {
    const spend = summarizeSpend(mergePages([{ ResultsByTime: [{ TimePeriod: { Start: "2026-11-01" }, Groups: [{ Keys: ["odd|name"], Metrics: { [M]: { Amount: "1", Unit: "USD" } } }] }] }], M), "service", M);
    expect(renderMarkdown(sampleReport({ spend }))).toContain("| odd\\|name | $1.00 | 100.0% |");
  });
});

describe("formatting", () => {
  it("formats money, keeping sub-cent amounts visible", () => {
    expect(formatMoney(1234.5)).toBe("$1,234.50");
    expect(formatMoney(0.0042)).toBe("$0.0042");
    expect(formatMoney(-3)).toBe("-$3.00");
    expect(formatMoney(null)).toBe("n/a");
    expect(formatMoney(5, "EUR")).toBe("5.00 EUR");
  });

  it("draws nothing for zero or negative amounts", () => {
    expect(bar(0, 10)).toBe("");
    expect(bar(-1, 10)).toBe("");
    expect(bar(10, 10, 4)).toBe("████");
    expect(bar(1, 80, 10)).toBe("▏");
  });
});

describe("a report on an emulator", () => {
  it("bills nothing for its requests and shows what the emulator lacks neutrally", () => {
    const report = sampleReport({
      emulator: true,
      unavailable: [{ section: "anomalies", reason: "not available on the emulator (ce:GetAnomalies is not implemented there)", emulatorGap: true }],
    });
    expect(report.requests).toEqual({ costExplorer: 3, estimatedCostUsd: 0, billed: false });
    const table = renderTable(report, plain);
    expect(table).toContain("  not available on the emulator (ce:GetAnomalies is not implemented there)");
    expect(table.join("\n")).not.toContain("n/a: not available");
    expect(table.at(-1)).toBe("Cost Explorer requests: 3 (free on the emulator)");
    expect(renderMarkdown(report)).toContain("_Cost Explorer requests: 3 (free on the emulator)._");
    expect(renderCsv(report)).toContain("requests,cost-explorer,,3,,,free on the emulator");
  });

  it("on AWS the fee is shown", () => {
    const report = sampleReport();
    expect(report.requests).toEqual({ costExplorer: 3, estimatedCostUsd: 0.03, billed: true });
    expect(renderTable(report, plain).at(-1)).toBe("Cost Explorer requests: 3 (about $0.03 at $0.01 each)");
  });
});

describe("stackedChart", () => {
  it("stacks each day by group, biggest groups first, the rest as other; segments add up to the day's bar", async () => {
    const { stackedChart } = await import("../../src/views/cost-report.js");
    const byService = ["A", "B", "C", "D", "E"].map((service, i) => ({ service, amount: 50 - i, estimated: false }));
    const chart = stackedChart({
      byService,
      byEnvironment: null,
      daily: [
        { date: "d1", amount: 10, estimated: false },
        { date: "d2", amount: 5, estimated: false },
      ],
      dailyByGroup: [
        { date: "d1", groups: [{ label: "E", amount: 1 }, { label: "A", amount: 4 }, { label: "B", amount: 3 }, { label: "C", amount: 1 }, { label: "D", amount: 1 }] },
        { date: "d2", groups: [{ label: "A", amount: 5 }] },
      ],
    }, 20);
    expect(chart?.legend).toBe("█ A  ▓ B  ▒ C  ░ other");
    expect(chart?.bars).toEqual(["████████▓▓▓▓▓▓▒▒░░░░", "██████████"]);
    expect(chart?.bars[0]).toHaveLength(20);
  });
  it("is not drawn when no day has more than one group", async () => {
    const { stackedChart } = await import("../../src/views/cost-report.js");
    expect(stackedChart({ byService: [], byEnvironment: null, daily: [{ date: "d", amount: 1, estimated: false }], dailyByGroup: [{ date: "d", groups: [{ label: "A", amount: 1 }] }] })).toBeUndefined();
  });
});
