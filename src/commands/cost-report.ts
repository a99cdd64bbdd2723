import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { parseBudgetUsd } from "../ops/cost/budgets.js";
import { resolvePeriod, utcDate } from "../ops/cost/period.js";
import { parseGroupBy } from "../ops/cost/query.js";
import { budgetGateFailure, runCostReport, type CostReportResult } from "../ops/cost/run.js";
import { costReportView, REPORT_FORMATS, type ReportFormat } from "../views/cost-report.js";
import { render } from "../views/view.js";

/** Options of `noveli cost-report` (global options such as --env and --json come from ctx.globals). */
export interface CostReportOptions {
  /** First day, YYYY-MM-DD (UTC). Default: the first of the month of `to`. */
  from?: string;
  /** Last day, YYYY-MM-DD (UTC), inclusive. Default: today. */
  to?: string;
  /** daily | monthly. Default: daily. */
  granularity?: string;
  /** service | env: how spend is grouped. Default: service. */
  groupBy?: string;
  /** table | json | csv | markdown. Default: table (json with --json). */
  format?: string;
  /** Monthly budget in USD for the gate: exit 1 when actual or forecast spend is over it. Default: the environment's configured budget with --env. */
  budget?: string;
}

function parseFormat(raw: string | undefined, json: boolean): ReportFormat {
  const format = raw === undefined ? (json ? "json" : "table") : raw.trim().toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")}, got ${JSON.stringify(raw)}`);
  }
  if (json && format !== "json") throw new UsageError(`--json prints JSON: use it without --format ${format}, or drop --json`);
  return format as ReportFormat;
}

/** Flags → the report (src/ops/cost/run.ts) → its view; the budget gate's verdict becomes the exit code. */
export async function costReport(options: CostReportOptions, ctx: CommandContext): Promise<CostReportResult> {
  // Every flag is checked before the first request.
  const today = utcDate(new Date());
  const period = resolvePeriod(options, today);
  const groupBy = parseGroupBy(options.groupBy);
  const format = parseFormat(options.format, ctx.globals.json);
  let budgetUsd: number | undefined;
  if (options.budget !== undefined) {
    budgetUsd = parseBudgetUsd(options.budget);
    if (budgetUsd === undefined) throw new UsageError(`--budget must be a positive amount in USD, like 250 or 99.50, got ${JSON.stringify(options.budget)}`);
  }
  // Only an explicit environment filters: without --env the report covers the whole project.
  const report = await runCostReport(ctx, { period, groupBy, env: ctx.globals.env, today, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
  render(ctx.reporter, costReportView(format), report);

  const failure = budgetGateFailure(report);
  if (failure) throw failure;
  return report;
}
