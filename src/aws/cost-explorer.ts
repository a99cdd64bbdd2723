import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type Anomaly,
  type ForecastResult,
  type GetAnomaliesCommandInput,
  type GetCostAndUsageCommandInput,
  type GetCostForecastCommandInput,
  type MetricValue,
  type ResultByTime,
} from "@aws-sdk/client-cost-explorer";
import { nextPageToken } from "./pagination.js";

export { CostExplorerClient };
export type { GetAnomaliesCommandInput, GetCostAndUsageCommandInput, GetCostForecastCommandInput };

/**
 * The Cost Explorer calls of the cost report, one small named function each, returning plain
 * data. Pagination is followed here; all interpretation is in src/ops/cost.
 */

/** Counts the HTTP requests of Cost Explorer calls (AWS bills each one). */
export interface RequestMeter {
  /** Records one API call that took `attempts` HTTP requests (undefined: not known). */
  record(attempts: number | undefined): void;
}

/** Attempts an SDK call took, from a response or an error's `$metadata`. */
export function attemptsOf(value: unknown): number | undefined {
  const metadata = (value as { $metadata?: { attempts?: unknown } } | null | undefined)?.$metadata;
  return typeof metadata?.attempts === "number" ? metadata.attempts : undefined;
}

/** Sends a Cost Explorer command and records its HTTP requests (retries included) on the meter. */
async function metered<T>(meter: RequestMeter, send: () => Promise<T>): Promise<T> {
  try {
    const response = await send();
    meter.record(attemptsOf(response));
    return response;
  } catch (error) {
    meter.record(attemptsOf(error));
    throw error;
  }
}

export interface CostAndUsagePageData {
  ResultsByTime: ResultByTime[];
  NextPageToken?: string;
}

export async function getCostAndUsagePage(ce: CostExplorerClient, request: GetCostAndUsageCommandInput, meter: RequestMeter, signal: AbortSignal): Promise<CostAndUsagePageData> {
  const response = await metered(meter, () => ce.send(new GetCostAndUsageCommand(request), { abortSignal: signal }));
  return { ResultsByTime: response.ResultsByTime ?? [], ...(response.NextPageToken ? { NextPageToken: response.NextPageToken } : {}) };
}

/** Every page of one GetCostAndUsage query: each NextPageToken is followed. */
export async function getAllCostAndUsagePages(
  ce: CostExplorerClient,
  requestFor: (nextPageToken: string | undefined) => GetCostAndUsageCommandInput,
  meter: RequestMeter,
  signal: AbortSignal,
): Promise<CostAndUsagePageData[]> {
  const pages: CostAndUsagePageData[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const page = await getCostAndUsagePage(ce, requestFor(token), meter, signal);
    pages.push(page);
    token = nextPageToken(seen, page.NextPageToken, "GetCostAndUsage");
  } while (token !== undefined);
  return pages;
}

export interface CostForecastData {
  Total?: MetricValue;
  ForecastResultsByTime: ForecastResult[];
}

export async function getCostForecast(ce: CostExplorerClient, request: GetCostForecastCommandInput, meter: RequestMeter, signal: AbortSignal): Promise<CostForecastData> {
  const response = await metered(meter, () => ce.send(new GetCostForecastCommand(request), { abortSignal: signal }));
  return { ...(response.Total ? { Total: response.Total } : {}), ForecastResultsByTime: response.ForecastResultsByTime ?? [] };
}

/** Anomalies from every monitor, every page of the query `requestFor` builds. */
export async function getAnomalies(
  ce: CostExplorerClient,
  requestFor: (nextPageToken: string | undefined) => GetAnomaliesCommandInput,
  meter: RequestMeter,
  signal: AbortSignal,
): Promise<Anomaly[]> {
  const anomalies: Anomaly[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const request = requestFor(token);
    const response = await metered(meter, () => ce.send(new GetAnomaliesCommand(request), { abortSignal: signal }));
    anomalies.push(...(response.Anomalies ?? []));
    token = nextPageToken(seen, response.NextPageToken, "GetAnomalies");
  } while (token !== undefined);
  return anomalies;
}
