import { describeBudgets } from "../../aws/budgets.js";
import { createCostClients, destroyCostClients, type CostClients } from "../../aws/cost-clients.js";
import { getAllCostAndUsagePages, getAnomalies, getCostForecast, type GetCostAndUsageCommandInput, type GetCostForecastCommandInput } from "../../aws/cost-explorer.js";
import { getAccountId } from "../../aws/sts.js";
import type { Environment } from "../../core/environment.js";
import { isEmulatorTarget, type Target } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { ConfigError, OperationError, errorMessage, isNoveliError, type NoveliError } from "../../errors.js";
import { readEmulatorRecord } from "../../local/emulator.js";
import { loadEnvironmentOutputs } from "../../terraform/environment.js";
import { summarizeAi, LIST_METRICS_WINDOW_DAYS, type AiSpend } from "./ai.js";
import { getAiProviderMetrics } from "./ai-metrics.js";
import { summarizeAnomalies, type AnomalySummary } from "./anomalies.js";
import { evaluateBudgetGate, summarizeBudgets, type BudgetLine, type GateResult } from "./budgets.js";
import { summarizeForecast, type ForecastSummary } from "./forecast.js";
import { addDays, type ReportPeriod } from "./period.js";
import { COST_METRIC, anomaliesRequest, costAndUsageRequest, costForecastRequest, type GroupBy } from "./query.js";
import { assembleReport, type CostReport } from "./report.js";
import { createCeRequestMeter } from "./requests.js";
import { sampleCostsMark, type SampleDataMark } from "./sample-data.js";
import { MalformedSpendError, mergePages, summarizeSpend, type SpendSummary } from "./spend.js";
import { EMULATOR_GAP, isCredentialsError, unavailableReason, type ReportSection, type Unavailable } from "./unavailable.js";

/**
 * The cost report as an operation: spend (Cost Explorer), the forecast, AWS Budgets, anomalies
 * and the AI providers' metrics, each section on its own (a section that fails is listed under
 * `unavailable` and the report goes on), then the budget gate. The command only parses its
 * flags, renders the report and turns the gate's verdict into the exit code.
 */

export interface CostReportInput {
  period: ReportPeriod;
  groupBy: GroupBy;
  /** Only an explicit environment filters: undefined covers the whole project. */
  env: Environment | undefined;
  /** The budget given with --budget (USD); undefined: the environment's configured budget, when env is given. */
  budgetUsd?: number;
  /** Today (UTC, YYYY-MM-DD): the forecast covers the current month only. */
  today: string;
}

/** The report, with its budget gate (`report.budgetGate`): null when no budget applies. */
export type CostReportResult = CostReport;

export interface CostReportDependencies {
  /** Default: clients for the context's target (tests pass fakes). */
  clients?: CostClients;
}

interface ConfiguredBudget {
  name: string | null;
  limit: number;
}

/**
 * The environment's budget from its Terraform outputs. Only asked for when an environment is
 * given and --budget is not; a missing deployment leaves the gate off and says why.
 */
async function configuredBudget(ctx: CommandContext, env: Environment, unavailable: Unavailable[]): Promise<ConfiguredBudget | undefined> {
  try {
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

export async function runCostReport(ctx: CommandContext, input: CostReportInput, deps: CostReportDependencies = {}): Promise<CostReportResult> {
  const { period, groupBy, env, today } = input;
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

  const configured = input.budgetUsd === undefined && env !== undefined ? await configuredBudget(ctx, env, unavailable) : undefined;

  const clients = deps.clients ?? createCostClients(target);
  try {
    const spend: SpendSummary | null = await section("spend", "ce:GetCostAndUsage", "Reading spend from Cost Explorer", async () => {
      const pages = await getAllCostAndUsagePages(clients.ce, (token) => costAndUsageRequest(period, groupBy, env, token) as GetCostAndUsageCommandInput, meter, signal);
      reporter.debug(`GetCostAndUsage: ${pages.length} page(s)`);
      return summarizeSpend(mergePages(pages, COST_METRIC), groupBy, COST_METRIC);
    });

    let forecast: ForecastSummary | null = null;
    if (period.includesToday) {
      forecast = await section("forecast", "ce:GetCostForecast", "Forecasting the rest of the month", async () =>
        summarizeForecast(await getCostForecast(clients.ce, costForecastRequest(today, env) as GetCostForecastCommandInput, meter, signal), period, spend ? spend.days : null),
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
      (await section("anomalies", "ce:GetAnomalies", "Reading cost anomalies", async () =>
        summarizeAnomalies(await getAnomalies(clients.ce, (token) => anomaliesRequest(period, token), meter, signal)),
      )) ?? [];

    const ai: AiSpend | null = await section("ai", "cloudwatch:ListMetrics and cloudwatch:GetMetricData", "Reading AI provider metrics from CloudWatch", async () => {
      const { queries, values } = await getAiProviderMetrics(clients.cloudwatch, period, env, signal);
      return summarizeAi(queries, values, { env, periodStartsBefore14Days: period.from < addDays(today, -LIST_METRICS_WINDOW_DAYS) });
    });

    const budgetGate = gate(input, configured, spend, forecast, budgets);
    return assembleReport({ period, groupBy, env, spend, forecast, budgets, budgetGate, anomalies, ai, ceRequests: meter.count, unavailable, emulator, sampleData: sampleMark(ctx, target) ?? null });
  } finally {
    if (!deps.clients) destroyCostClients(clients);
  }
}

/** Why the report fails `noveli cost-report` (and the rehearsal's step): over budget, or the gate could not tell; undefined otherwise. */
export function budgetGateFailure(report: CostReportResult): NoveliError | undefined {
  const gate = report.budgetGate;
  if (gate?.verdict === "over") return new OperationError("over-budget", gate.reason, { details: { limit: gate.limit, actual: gate.actual, forecast: gate.forecast } });
  if (gate?.verdict === "unknown") return new OperationError("budget-unknown", gate.reason);
  return undefined;
}

/**
 * The budget gate: actual spend and the month-end forecast against the limit. The forecast is
 * Cost Explorer's; when it has none, the configured AWS budget's forecasted spend stands in.
 */
function gate(input: CostReportInput, configured: ConfiguredBudget | undefined, spend: SpendSummary | null, forecast: ForecastSummary | null, budgets: BudgetLine[]): GateResult | null {
  const limit = input.budgetUsd ?? configured?.limit;
  if (limit === undefined) return null;
  const configuredLine = configured?.name ? budgets.find((b) => b.name === configured.name) : undefined;
  const ceForecast = forecast?.monthEnd ?? null;
  const budgetForecast = ceForecast === null ? (configuredLine?.forecast ?? null) : null;
  return evaluateBudgetGate({
    limit,
    source: input.budgetUsd !== undefined ? "--budget" : `terraform output monthly_budget_usd of ${input.env}`,
    actual: spend ? spend.total : null,
    forecast: ceForecast ?? budgetForecast,
    forecastSource: ceForecast !== null ? "Cost Explorer (spent before today + forecast to month end)" : budgetForecast !== null ? `AWS Budgets ${configuredLine!.name} forecasted spend` : null,
  });
}
