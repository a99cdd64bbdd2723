import { BudgetsClient, DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageCommandInput,
  type GetCostForecastCommandInput,
} from "@aws-sdk/client-cost-explorer";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { createClient } from "../../aws/clients.js";
import type { Environment } from "../../core/environment.js";
import type { Target } from "../../core/target.js";
import { OperationError } from "../../errors.js";
import { AI_NAMESPACE, METRIC_PERIOD_SECONDS, STORY_NAMESPACE, chunkQueries, planAiQueries, type AiQuery, type CwMetric } from "./ai.js";
import type { AwsBudget } from "./budgets.js";
import type { CeAnomaly } from "./anomalies.js";
import type { CeForecastResponse } from "./forecast.js";
import type { ReportPeriod } from "./period.js";
import { anomaliesRequest, type CostAndUsageRequest, type CostForecastRequest } from "./query.js";
import { attemptsOf, type CeRequestMeter } from "./requests.js";
import type { CostAndUsagePage } from "./spend.js";

/**
 * The thin executors of the cost report: one small named function per AWS call, each returning
 * plain data. Pagination is followed here; all interpretation is in the pure modules.
 */

/** A paginated answer that keeps handing back the same token would loop forever. */
const MAX_PAGES = 1_000;

export interface CostClients {
  ce: CostExplorerClient;
  budgets: BudgetsClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
}

/**
 * Cost Explorer and Budgets are global services served from us-east-1; on real AWS their
 * clients use that region whatever the target's. CloudWatch stays in the target's region, where
 * the Lambda publishes its metrics.
 */
export function createCostClients(target: Target): CostClients {
  const global = target.kind === "aws" ? { region: "us-east-1" } : {};
  return {
    ce: createClient(CostExplorerClient, target, global),
    budgets: createClient(BudgetsClient, target, global),
    cloudwatch: createClient(CloudWatchClient, target),
    sts: createClient(STSClient, target),
  };
}

export function destroyCostClients(clients: CostClients): void {
  clients.ce.destroy();
  clients.budgets.destroy();
  clients.cloudwatch.destroy();
  clients.sts.destroy();
}

/** Sends a Cost Explorer command and records its HTTP requests (retries included) on the meter. */
async function metered<T>(meter: CeRequestMeter, send: () => Promise<T>): Promise<T> {
  try {
    const response = await send();
    meter.record(attemptsOf(response));
    return response;
  } catch (error) {
    meter.record(attemptsOf(error));
    throw error;
  }
}

function checkToken(seen: Set<string>, token: string | undefined, operation: string): string | undefined {
  if (token === undefined || token === "") return undefined;
  if (seen.has(token) || seen.size >= MAX_PAGES) throw new OperationError("pagination-loop", `${operation} kept returning the same page token`);
  seen.add(token);
  return token;
}

export async function getCostAndUsagePage(ce: CostExplorerClient, request: CostAndUsageRequest, meter: CeRequestMeter, signal: AbortSignal): Promise<CostAndUsagePage> {
  const response = await metered(meter, () => ce.send(new GetCostAndUsageCommand(request as GetCostAndUsageCommandInput), { abortSignal: signal }));
  return { ResultsByTime: response.ResultsByTime ?? [], ...(response.NextPageToken ? { NextPageToken: response.NextPageToken } : {}) };
}

/** Every page of one GetCostAndUsage query: each NextPageToken is followed. */
export async function getAllCostAndUsagePages(
  ce: CostExplorerClient,
  requestFor: (nextPageToken: string | undefined) => CostAndUsageRequest,
  meter: CeRequestMeter,
  signal: AbortSignal,
): Promise<CostAndUsagePage[]> {
  const pages: CostAndUsagePage[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const page = await getCostAndUsagePage(ce, requestFor(token), meter, signal);
    pages.push(page);
    token = checkToken(seen, page.NextPageToken, "GetCostAndUsage");
  } while (token !== undefined);
  return pages;
}

export async function getCostForecast(ce: CostExplorerClient, request: CostForecastRequest, meter: CeRequestMeter, signal: AbortSignal): Promise<CeForecastResponse> {
  const response = await metered(meter, () => ce.send(new GetCostForecastCommand(request as GetCostForecastCommandInput), { abortSignal: signal }));
  return { ...(response.Total ? { Total: response.Total } : {}), ForecastResultsByTime: response.ForecastResultsByTime ?? [] };
}

/** Anomalies observed in the period, from every monitor, every page. */
export async function getAnomalies(ce: CostExplorerClient, period: ReportPeriod, meter: CeRequestMeter, signal: AbortSignal): Promise<CeAnomaly[]> {
  const anomalies: CeAnomaly[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const request = anomaliesRequest(period, token);
    const response = await metered(meter, () => ce.send(new GetAnomaliesCommand(request), { abortSignal: signal }));
    anomalies.push(...(response.Anomalies ?? []));
    token = checkToken(seen, response.NextPageToken, "GetAnomalies");
  } while (token !== undefined);
  return anomalies;
}

export async function getAccountId(sts: STSClient, signal: AbortSignal): Promise<string> {
  const response = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
  if (!response.Account) throw new OperationError("sts-account", "STS GetCallerIdentity returned no account id");
  return response.Account;
}

/** Every budget of the account (DescribeBudgets is paginated with NextToken). */
export async function describeBudgets(budgets: BudgetsClient, accountId: string, signal: AbortSignal): Promise<AwsBudget[]> {
  const all: AwsBudget[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const response = await budgets.send(new DescribeBudgetsCommand({ AccountId: accountId, MaxResults: 100, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal });
    all.push(...(response.Budgets ?? []));
    token = checkToken(seen, response.NextToken, "DescribeBudgets");
  } while (token !== undefined);
  return all;
}

/** Every metric (with its dimension set) of a namespace. */
export async function listMetrics(cloudwatch: CloudWatchClient, namespace: string, signal: AbortSignal): Promise<CwMetric[]> {
  const metrics: CwMetric[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const response = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal });
    metrics.push(...(response.Metrics ?? []));
    token = checkToken(seen, response.NextToken, "ListMetrics");
  } while (token !== undefined);
  return metrics;
}

/** Datapoint values per query id over [start, end), in daily buckets, every page. */
export async function getMetricData(cloudwatch: CloudWatchClient, queries: AiQuery[], start: Date, end: Date, signal: AbortSignal): Promise<Map<string, number[]>> {
  const values = new Map<string, number[]>();
  for (const chunk of chunkQueries(queries)) {
    const metricQueries: MetricDataQuery[] = chunk.map((q) => ({
      Id: q.id,
      MetricStat: { Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: q.dimensions }, Period: METRIC_PERIOD_SECONDS, Stat: q.stat },
      ReturnData: true,
    }));
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      signal.throwIfAborted();
      const response = await cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: metricQueries, StartTime: start, EndTime: end, ScanBy: "TimestampAscending", ...(token ? { NextToken: token } : {}) }),
        { abortSignal: signal },
      );
      for (const result of response.MetricDataResults ?? []) {
        if (!result.Id) continue;
        if (result.StatusCode === "Forbidden" || result.StatusCode === "InternalError") {
          throw new OperationError("metric-data", `GetMetricData answered ${result.StatusCode} for ${chunk.find((q) => q.id === result.Id)?.metricName ?? result.Id}`);
        }
        values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
      }
      token = checkToken(seen, response.NextToken, "GetMetricData");
    } while (token !== undefined);
  }
  return values;
}

/**
 * The AI section's raw data: the dimension sets published in the two namespaces (ListMetrics),
 * then the sums over the period (GetMetricData).
 */
export async function getAiProviderMetrics(
  cloudwatch: CloudWatchClient,
  period: ReportPeriod,
  env: Environment | undefined,
  signal: AbortSignal,
): Promise<{ queries: AiQuery[]; values: Map<string, number[]> }> {
  const providers = await listMetrics(cloudwatch, AI_NAMESPACE, signal);
  const stories = await listMetrics(cloudwatch, STORY_NAMESPACE, signal);
  const queries = planAiQueries({ providers, stories }, env);
  if (queries.length === 0) return { queries, values: new Map() };
  const values = await getMetricData(cloudwatch, queries, new Date(`${period.from}T00:00:00Z`), new Date(`${period.endExclusive}T00:00:00Z`), signal);
  return { queries, values };
}
