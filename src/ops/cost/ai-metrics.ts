import { getMetricValues, listMetrics, type CloudWatchClient } from "../../aws/cloudwatch.js";
import type { Environment } from "../../core/environment.js";
import { AI_NAMESPACE, METRIC_PERIOD_SECONDS, STORY_NAMESPACE, chunkQueries, planAiQueries, type AiQuery } from "./ai.js";
import type { ReportPeriod } from "./period.js";

/**
 * The AI section's raw data: the dimension sets published in the two namespaces (ListMetrics),
 * then the sums over the period (GetMetricData, at most 500 queries per call).
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
  const values = new Map<string, number[]>();
  if (queries.length === 0) return { queries, values };
  const start = new Date(`${period.from}T00:00:00Z`);
  const end = new Date(`${period.endExclusive}T00:00:00Z`);
  for (const chunk of chunkQueries(queries)) {
    const answered = await getMetricValues(cloudwatch, chunk.map((q) => ({ ...q, periodSeconds: METRIC_PERIOD_SECONDS })), start, end, signal);
    for (const [id, series] of answered) values.set(id, [...(values.get(id) ?? []), ...series]);
  }
  return { queries, values };
}
