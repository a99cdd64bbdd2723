import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand, type Metric, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { OperationError } from "../errors.js";
import { nextPageToken } from "./pagination.js";

export { CloudWatchClient };
export type { Metric };

/** One CloudWatch alarm's state, as the watch and `noveli status` show it. */
export interface AlarmState {
  name: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  /** CloudWatch's own explanation of the state (the evidence of a rollback). */
  reason: string;
  updatedAt: string | null;
}

export interface AlarmStates {
  alarms: AlarmState[];
  /** Names from the Terraform outputs that CloudWatch does not know. */
  missing: string[];
}

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

/** The states of the named alarms (metric and composite). */
export async function describeAlarmStates(client: CloudWatchClient, names: readonly string[], signal?: AbortSignal): Promise<AlarmStates> {
  const alarms: AlarmState[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeAlarmsCommand({ AlarmNames: batch, AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: nextToken }),
        signal ? { abortSignal: signal } : {},
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (!alarm.AlarmName) continue;
        alarms.push({
          name: alarm.AlarmName,
          state: (alarm.StateValue ?? "INSUFFICIENT_DATA") as AlarmState["state"],
          reason: alarm.StateReason ?? "",
          updatedAt: alarm.StateUpdatedTimestamp ? alarm.StateUpdatedTimestamp.toISOString() : null,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  const found = new Set(alarms.map((a) => a.name));
  return { alarms, missing: names.filter((name) => !found.has(name)) };
}

/** One metric statistic to read with GetMetricData (the SDK's MetricDataQuery, without the SDK). */
export interface MetricStatQuery {
  /** Lower-case letter first, then letters, digits and underscores (CloudWatch's rule for ids). */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Sum, SampleCount, Average, or a percentile such as p95. */
  stat: string;
  /** Seconds; a multiple of 60 for metrics of standard resolution. */
  periodSeconds: number;
}

/** The datapoints of one query, oldest first. */
export interface MetricSeries {
  id: string;
  timestamps: string[];
  values: number[];
  /** Complete, or PartialData when CloudWatch cut the answer short (then more pages follow). */
  status: string;
}

/**
 * GetMetricData over [start, end), every page, the datapoints of each query oldest first. At most
 * 500 queries per call, as CloudWatch allows.
 */
export async function getMetricData(client: CloudWatchClient, queries: readonly MetricStatQuery[], start: Date, end: Date, signal?: AbortSignal): Promise<Map<string, MetricSeries>> {
  if (queries.length > 500) throw new Error("GetMetricData takes at most 500 queries per call");
  const series = new Map<string, MetricSeries>(queries.map((q) => [q.id, { id: q.id, timestamps: [], values: [], status: "Complete" }]));
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: "TimestampAscending",
        NextToken: nextToken,
        MetricDataQueries: queries.map((q) => ({
          Id: q.id,
          ReturnData: true,
          MetricStat: {
            Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: q.periodSeconds,
            Stat: q.stat,
          },
        })),
      }),
      signal ? { abortSignal: signal } : {},
    );
    for (const result of page.MetricDataResults ?? []) {
      const entry = result.Id ? series.get(result.Id) : undefined;
      if (!entry) continue;
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      for (let i = 0; i < Math.min(timestamps.length, values.length); i++) {
        const value = values[i];
        const at = timestamps[i];
        if (typeof value !== "number" || !Number.isFinite(value) || !at) continue;
        entry.timestamps.push(at.toISOString());
        entry.values.push(value);
      }
      entry.status = result.StatusCode ?? entry.status;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  for (const entry of series.values()) {
    // Pages and ScanBy aside, keep every series oldest first.
    const order = entry.timestamps.map((t, i) => [t, entry.values[i] as number] as const).sort((a, b) => a[0].localeCompare(b[0]));
    entry.timestamps = order.map(([t]) => t);
    entry.values = order.map(([, v]) => v);
  }
  return series;
}

/** One metric value to publish. */
export interface MetricDatum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
  Unit: "None" | "Count";
  Timestamp: Date;
}

/**
 * PutMetricData in calls of at most 20 values: each body stays under the 10 KB above which the SDK
 * gzips it, which moto cannot read (it answers HTTP 500).
 */
export async function putMetricData(client: CloudWatchClient, namespace: string, data: readonly MetricDatum[], signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < data.length; i += 20) {
    await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 20) }), signal ? { abortSignal: signal } : {});
  }
}

/** Every metric (with its dimension set) of a namespace, every page. */
export async function listMetrics(client: CloudWatchClient, namespace: string, signal: AbortSignal): Promise<Metric[]> {
  const metrics: Metric[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const response = await client.send(new ListMetricsCommand({ Namespace: namespace, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal });
    metrics.push(...(response.Metrics ?? []));
    token = nextPageToken(seen, response.NextToken, "ListMetrics");
  } while (token !== undefined);
  return metrics;
}

/** One statistic of one metric, its dimensions as CloudWatch lists them. */
export interface MetricValuesQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  stat: string;
  periodSeconds: number;
}

/**
 * GetMetricData over [start, end): the datapoint values per query id, every page (one call, so at
 * most 500 queries). A query CloudWatch answers Forbidden or InternalError for is an error, not
 * an empty series.
 */
export async function getMetricValues(client: CloudWatchClient, queries: readonly MetricValuesQuery[], start: Date, end: Date, signal: AbortSignal): Promise<Map<string, number[]>> {
  const values = new Map<string, number[]>();
  const metricQueries: MetricDataQuery[] = queries.map((q) => ({
    Id: q.id,
    MetricStat: { Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: q.dimensions }, Period: q.periodSeconds, Stat: q.stat },
    ReturnData: true,
  }));
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal.throwIfAborted();
    const response = await client.send(
      new GetMetricDataCommand({ MetricDataQueries: metricQueries, StartTime: start, EndTime: end, ScanBy: "TimestampAscending", ...(token ? { NextToken: token } : {}) }),
      { abortSignal: signal },
    );
    for (const result of response.MetricDataResults ?? []) {
      if (!result.Id) continue;
      if (result.StatusCode === "Forbidden" || result.StatusCode === "InternalError") {
        throw new OperationError("metric-data", `GetMetricData answered ${result.StatusCode} for ${queries.find((q) => q.id === result.Id)?.metricName ?? result.Id}`);
      }
      values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
    }
    token = nextPageToken(seen, response.NextToken, "GetMetricData");
  } while (token !== undefined);
  return values;
}
