import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CostClients } from "../../src/aws/cost-clients.js";
import type { CommandContext } from "../../src/context.js";
import { resolvePeriod } from "../../src/ops/cost/period.js";
import { budgetGateFailure, runCostReport } from "../../src/ops/cost/run.js";
import { MemoryReporter } from "../../src/output/reporter.js";
import { costReportView } from "../../src/views/cost-report.js";

/**
 * The cost report's operation against in-memory clients: every section, the budget gate and
 * the request meter, with no AWS and no emulator. Each fake answers by command name.
 */

const M = "UnblendedCost";
const TODAY = "2026-11-03";
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Answer = (input: Record<string, unknown>) => unknown;
function fakeClient(answers: Record<string, Answer>, sent: string[]) {
  return {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      sent.push(name);
      const answer = answers[name];
      if (!answer) throw Object.assign(new Error(`${name} is not faked`), { name: "UnknownOperationException" });
      return answer(command.input);
    },
    destroy() {},
  };
}

function context(): CommandContext {
  const stateDir = mkdtempSync(path.join(tmpdir(), "noveli-cost-run-"));
  dirs.push(stateDir);
  return {
    globals: { local: false, json: false, yes: false, verbose: false },
    reporter: new MemoryReporter(),
    stateDir,
    signal: new AbortController().signal,
    target: async () => ({ kind: "aws", region: "eu-west-1" }),
    environment: () => "dev",
  } as unknown as CommandContext;
}

function clients(overrides: { forecast?: Answer; anomalies?: Answer } = {}): { clients: CostClients; sent: string[] } {
  const sent: string[] = [];
  const ce = fakeClient(
    {
      GetCostAndUsageCommand: (input) =>
        input.NextPageToken === undefined
          ? {
              $metadata: { attempts: 2 },
              ResultsByTime: [{ TimePeriod: { Start: "2026-11-01", End: "2026-11-02" }, Groups: [{ Keys: ["AWS Lambda"], Metrics: { [M]: { Amount: "30", Unit: "USD" } } }], Estimated: false }],
              NextPageToken: "page-2",
            }
          : {
              $metadata: { attempts: 1 },
              ResultsByTime: [{ TimePeriod: { Start: "2026-11-02", End: "2026-11-03" }, Groups: [{ Keys: ["Amazon DynamoDB"], Metrics: { [M]: { Amount: "12.5", Unit: "USD" } } }], Estimated: true }],
            },
      GetCostForecastCommand:
        overrides.forecast ??
        (() => ({ $metadata: { attempts: 1 }, Total: { Amount: "100", Unit: "USD" }, ForecastResultsByTime: [{ TimePeriod: { Start: TODAY, End: "2026-12-01" }, MeanValue: "100" }] })),
      GetAnomaliesCommand: overrides.anomalies ?? (() => ({ $metadata: { attempts: 1 }, Anomalies: [] })),
    },
    sent,
  );
  const budgets = fakeClient({ DescribeBudgetsCommand: () => ({ Budgets: [] }) }, sent);
  const cloudwatch = fakeClient({ ListMetricsCommand: () => ({ Metrics: [] }) }, sent);
  const sts = fakeClient({ GetCallerIdentityCommand: () => ({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/ops" }) }, sent);
  return { clients: { ce, budgets, cloudwatch, sts } as unknown as CostClients, sent };
}

const period = resolvePeriod({ from: "2026-11-01", to: TODAY }, TODAY);

describe("runCostReport", () => {
  it("follows every spend page, counts Cost Explorer requests with retries, and gates on the budget", async () => {
    const { clients: fakes, sent } = clients();
    const report = await runCostReport(context(), { period, groupBy: "service", env: undefined, budgetUsd: 40, today: TODAY }, { clients: fakes });
    expect(report.total).toBe(42.5);
    expect(report.byService?.map((s) => s.service)).toEqual(["AWS Lambda", "Amazon DynamoDB"]);
    expect(sent.filter((n) => n === "GetCostAndUsageCommand")).toHaveLength(2);
    // 2 + 1 attempts for the spend pages, 1 forecast, 1 anomalies page.
    expect(report.requests.costExplorer).toBe(5);
    expect(report.budgetGate?.verdict).toBe("over");
    expect(report.budgetGate?.limit).toBe(40);
    expect(report.unavailable).toEqual([]);
    expect(budgetGateFailure(report)).toMatchObject({ code: "over-budget", exitCode: 1 });
  });

  it("lists a failing section under unavailable and still reports the others", async () => {
    const denied = () => {
      throw Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400, attempts: 1 } });
    };
    const { clients: fakes } = clients({ anomalies: denied });
    const report = await runCostReport(context(), { period, groupBy: "service", env: undefined, today: TODAY }, { clients: fakes });
    expect(report.total).toBe(42.5);
    expect(report.anomalies).toEqual([]);
    expect(report.unavailable).toEqual([{ section: "anomalies", reason: "access denied: the caller needs ce:GetAnomalies" }]);
    expect(report.budgetGate).toBeNull();
    expect(budgetGateFailure(report)).toBeUndefined();
  });

  it("renders through its view: the report is the --json document, csv and markdown are one block each", async () => {
    const { clients: fakes } = clients();
    const report = await runCostReport(context(), { period, groupBy: "service", env: undefined, today: TODAY }, { clients: fakes });
    expect(costReportView("table").json(report)).toBe(report);
    const [json] = costReportView("json").human(report, new MemoryReporter().style);
    expect(JSON.parse(json as string)).toMatchObject({ schemaVersion: 1, command: "cost-report", total: 42.5 });
    expect(costReportView("csv").human(report, new MemoryReporter().style)).toHaveLength(1);
    expect(costReportView("markdown").human(report, new MemoryReporter().style)[0]).toContain("42.50");
  });
});
