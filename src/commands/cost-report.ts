import { isEmulatorTarget, type Target } from "../core/target.js";
import { type Environment } from "../core/environment.js";
import { readEmulatorRecord } from "../local/emulator.js";
import { sampleCostsMark, type SampleDataMark } from "../ops/cost/sample-data.js";
import type { CommandContext } from "../context.js";
import { ConfigError, OperationError, UsageError, errorMessage, isNoveliError } from "../errors.js";
import { SCHEMA_VERSION } from "../output/reporter.js";
import { summarizeAi, LIST_METRICS_WINDOW_DAYS, type AiSpend } from "../ops/cost/ai.js";
import { summarizeAnomalies, type AnomalySummary } from "../ops/cost/anomalies.js";
import {
  createCostClients,
  describeBudgets,
  destroyCostClients,
  getAccountId,
  getAiProviderMetrics,
  getAllCostAndUsagePages,
  getAnomalies,
  getCostForecast,
} from "../ops/cost/aws.js";
import { evaluateBudgetGate, parseBudgetUsd, summarizeBudgets, type BudgetLine, type GateResult } from "../ops/cost/budgets.js";
import { summarizeForecast, type ForecastSummary } from "../ops/cost/forecast.js";
import { addDays, resolvePeriod, utcDate } from "../ops/cost/period.js";
import { COST_METRIC, costAndUsageRequest, costForecastRequest, parseGroupBy } from "../ops/cost/query.js";
import { renderCsv, renderMarkdown, renderTable, REPORT_FORMATS, type ReportFormat } from "../ops/cost/render.js";
import { assembleReport } from "../ops/cost/report.js";
import { createCeRequestMeter } from "../ops/cost/requests.js";
import { MalformedSpendError, mergePages, summarizeSpend, type SpendSummary } from "../ops/cost/spend.js";
import { EMULATOR_GAP, isCredentialsError, unavailableReason, type ReportSection, type Unavailable } from "../ops/cost/unavailable.js";

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

interface ConfiguredBudget {
  name: string | null;
  limit: number;
}

/**
 * The environment's budget from its Terraform outputs. Only asked for when --env is given and
 * --budget is not; a missing deployment leaves the gate off and says why.
 */
async function configuredBudget(ctx: CommandContext, env: Environment, unavailable: Unavailable[]): Promise<ConfiguredBudget | undefined> {
  try {
    const { loadEnvironmentOutputs } = await import("../terraform/environment.js");
    const outputs = await ctx.reporter.phase(`Reading ${env}'s configured budget (Terraform outputs)`, () => loadEnvironmentOutputs(ctx));
    if (outputs.monthlyBudgetUsd === null) {
      unavailable.push({ section: "budget-gate", reason: `no --budget given and environment ${env} has no budget configured (terraform output monthly_budget_usd is null)` });
      return undefined;
    }
    return { name: outputs.budgetName, limit: outputs.monthlyBudgetUsd };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    unavailable.push({ section: "budget-gate", reason: `no --budget given and environment ${env}'s configured budget is unknown: ${errorMessage(error)}` });
    return undefined;
  }
}

/** Whether this emulator holds the sample cost data `noveli rehearse` seeded. */
function sampleMark(ctx: CommandContext, target: Target): SampleDataMark | undefined {
  if (!isEmulatorTarget(target)) return undefined;
  const instanceId = target.kind === "local" ? (readEmulatorRecord(ctx.stateDir)?.instanceId ?? null) : null;
  return sampleCostsMark(ctx.stateDir, target.endpointUrl, instanceId);
}

export async function costReport(options: CostReportOptions, ctx: CommandContext): Promise<void> {
  // Every flag is checked before the first request.
  const today = utcDate(new Date());
  const period = resolvePeriod(options, today);
  const groupBy = parseGroupBy(options.groupBy);
  const format = parseFormat(options.format, ctx.globals.json);
  let budgetFlag: number | undefined;
  if (options.budget !== undefined) {
    budgetFlag = parseBudgetUsd(options.budget);
    if (budgetFlag === undefined) throw new UsageError(`--budget must be a positive amount in USD, like 250 or 99.50, got ${JSON.stringify(options.budget)}`);
  }
  // Only an explicit environment filters: without --env the report covers the whole project.
  const env = ctx.globals.env;
  const { reporter, signal } = ctx;

  const target = await ctx.target();
  const emulator = isEmulatorTarget(target);
  const unavailable: Unavailable[] = [];
  const meter = createCeRequestMeter();

  /** Runs one section; a failure lists the section under `unavailable` and the report goes on. */
  const section = async <T>(name: ReportSection, action: string, title: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await reporter.phase(title, async (progress) => {
        try {
          return await run();
        } catch (error) {
          // What the emulator does not implement is expected there: a neutral line, not a red ✗.
          const reason = emulator && !isNoveliError(error) && !isCredentialsError(error) ? unavailableReason(error, action, emulator) : "";
          if (!reason.startsWith("not implemented by the endpoint")) throw error;
          reporter.debug(`${name} unavailable: ${errorMessage(error)}`);
          progress.note(EMULATOR_GAP);
          unavailable.push({ section: name, reason: `${EMULATOR_GAP} (${action} is not implemented there)`, emulatorGap: true });
          return null;
        }
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (isCredentialsError(error)) {
        throw new ConfigError("aws-credentials", `no usable AWS credentials: ${errorMessage(error)}`, {
          hint: "sign in (aws sso login, --profile) or point noveli at an emulator with --local or --endpoint-url",
        });
      }
      const reason = error instanceof MalformedSpendError || isNoveliError(error) ? errorMessage(error) : unavailableReason(error, action, emulator);
      reporter.debug(`${name} unavailable: ${errorMessage(error)}`);
      unavailable.push({ section: name, reason });
      return null;
    }
  };

  const configured = budgetFlag === undefined && env !== undefined ? await configuredBudget(ctx, env, unavailable) : undefined;

  const clients = createCostClients(target);
  try {
    const spend: SpendSummary | null = await section("spend", "ce:GetCostAndUsage", "Reading spend from Cost Explorer", async () => {
      const pages = await getAllCostAndUsagePages(clients.ce, (token) => costAndUsageRequest(period, groupBy, env, token), meter, signal);
      reporter.debug(`GetCostAndUsage: ${pages.length} page(s)`);
      return summarizeSpend(mergePages(pages, COST_METRIC), groupBy, COST_METRIC);
    });

    let forecast: ForecastSummary | null = null;
    if (period.includesToday) {
      forecast = await section("forecast", "ce:GetCostForecast", "Forecasting the rest of the month", async () =>
        summarizeForecast(await getCostForecast(clients.ce, costForecastRequest(today, env), meter, signal), period, spend ? spend.days : null),
      );
    } else {
      unavailable.push({ section: "forecast", reason: `the period ends before today (${today}): the forecast covers the current month only` });
    }

    const budgets: BudgetLine[] =
      (await section("budgets", "budgets:ViewBudget", "Reading AWS Budgets", async () => {
        const accountId = await getAccountId(clients.sts, signal);
        return summarizeBudgets(await describeBudgets(clients.budgets, accountId, signal), env, configured?.name ?? null);
      })) ?? [];

    const anomalies: AnomalySummary[] =
      (await section("anomalies", "ce:GetAnomalies", "Reading cost anomalies", async () => summarizeAnomalies(await getAnomalies(clients.ce, period, meter, signal)))) ?? [];

    const ai: AiSpend | null = await section("ai", "cloudwatch:ListMetrics and cloudwatch:GetMetricData", "Reading AI provider metrics from CloudWatch", async () => {
      const { queries, values } = await getAiProviderMetrics(clients.cloudwatch, period, env, signal);
      return summarizeAi(queries, values, { env, periodStartsBefore14Days: period.from < addDays(today, -LIST_METRICS_WINDOW_DAYS) });
    });

    let budgetGate: GateResult | null = null;
    const limit = budgetFlag ?? configured?.limit;
    if (limit !== undefined) {
      const configuredLine = configured?.name ? budgets.find((b) => b.name === configured.name) : undefined;
      const ceForecast = forecast?.monthEnd ?? null;
      const budgetForecast = ceForecast === null ? (configuredLine?.forecast ?? null) : null;
      budgetGate = evaluateBudgetGate({
        limit,
        source: budgetFlag !== undefined ? "--budget" : `terraform output monthly_budget_usd of ${env}`,
        actual: spend ? spend.total : null,
        forecast: ceForecast ?? budgetForecast,
        forecastSource: ceForecast !== null ? "Cost Explorer (spent before today + forecast to month end)" : budgetForecast !== null ? `AWS Budgets ${configuredLine!.name} forecasted spend` : null,
      });
    }

    const report = assembleReport({ period, groupBy, env, spend, forecast, budgets, budgetGate, anomalies, ai, ceRequests: meter.count, unavailable, emulator, sampleData: sampleMark(ctx, target) ?? null });
    reporter.result(report, (lines, style) => {
      if (format === "json") lines.push(JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...report }, null, 2));
      else if (format === "csv") lines.push(renderCsv(report));
      else if (format === "markdown") lines.push(renderMarkdown(report));
      else lines.push(...renderTable(report, style));
    });

    if (budgetGate?.verdict === "over") throw new OperationError("over-budget", budgetGate.reason, { details: { limit: budgetGate.limit, actual: budgetGate.actual, forecast: budgetGate.forecast } });
    if (budgetGate?.verdict === "unknown") throw new OperationError("budget-unknown", budgetGate.reason);
  } finally {
    destroyCostClients(clients);
  }
}
