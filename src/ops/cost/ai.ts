import type { Environment } from "../../core/environment.js";
import { roundMoney } from "./spend.js";

/**
 * Pure: what the AI providers cost, from the CloudWatch metrics the story-generator Lambda
 * emits as EMF (lambda/story-generator/src/metrics.ts):
 *   LiminalTransit/AIProviders     Cost (USD) and TokenCount, dimensions Provider + Environment
 *   LiminalTransit/StoryGeneration StoriesStarted (one per new story) and TokensGenerated (one
 *                                  sample per generated beat), dimension Environment
 * Dimension sets are discovered with ListMetrics rather than assumed. When one metric is
 * published under several dimension sets (EMF can emit [Provider] and [Provider, Environment]
 * for the same data), only one set is read, the smallest that carries what is needed, so the
 * same spend is never counted twice.
 */

export const AI_NAMESPACE = "LiminalTransit/AIProviders";
export const STORY_NAMESPACE = "LiminalTransit/StoryGeneration";
export const PROVIDER_DIMENSION = "Provider";
export const ENVIRONMENT_DIMENSION = "Environment";
export const AI_COST_METRIC = "Cost";
export const AI_TOKEN_METRIC = "TokenCount";
export const STORIES_METRIC = "StoriesStarted";
export const BEATS_METRIC = "TokensGenerated";
/** CloudWatch buckets of one day; sums over the period are the sum of the buckets. */
export const METRIC_PERIOD_SECONDS = 86_400;
/** GetMetricData takes at most 500 queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;
/** ListMetrics only lists metrics that received data in the last two weeks. */
export const LIST_METRICS_WINDOW_DAYS = 14;

export const STORY_DEFINITION = `stories = sum of ${STORIES_METRIC} in ${STORY_NAMESPACE} (one per POST /stories)`;
export const BEAT_DEFINITION = `beats = samples of ${BEATS_METRIC} in ${STORY_NAMESPACE} (one per generated beat)`;

export interface CwDimension {
  Name?: string;
  Value?: string;
}
export interface CwMetric {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: CwDimension[];
}

export type AiQueryRole = "cost" | "tokens" | "stories" | "beats";

export interface AiQuery {
  /** GetMetricData query id: starts with a lower-case letter. */
  id: string;
  role: AiQueryRole;
  provider: string | null;
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  stat: "Sum" | "SampleCount";
}

export interface DiscoveredMetrics {
  /** ListMetrics of AI_NAMESPACE. */
  providers: CwMetric[];
  /** ListMetrics of STORY_NAMESPACE. */
  stories: CwMetric[];
}

function dimensionsOf(metric: CwMetric): { Name: string; Value: string }[] {
  return (metric.Dimensions ?? [])
    .filter((d): d is { Name: string; Value: string } => typeof d.Name === "string" && typeof d.Value === "string")
    .map((d) => ({ Name: d.Name, Value: d.Value }));
}

export function shapeOf(metric: CwMetric): string[] {
  return dimensionsOf(metric)
    .map((d) => d.Name)
    .sort();
}

function valueOf(metric: CwMetric, name: string): string | undefined {
  return dimensionsOf(metric).find((d) => d.Name === name)?.Value;
}

/**
 * The metrics of `metricName` to read: those of the smallest dimension set that has every
 * `required` dimension (and Environment when an environment is given), filtered to that
 * environment. Empty when no dimension set fits.
 */
export function selectMetrics(metrics: CwMetric[], metricName: string, required: string[], env: Environment | undefined): CwMetric[] {
  const needed = env === undefined ? required : [...new Set([...required, ENVIRONMENT_DIMENSION])];
  const candidates = metrics.filter((m) => m.MetricName === metricName && needed.every((n) => shapeOf(m).includes(n)));
  if (candidates.length === 0) return [];
  const key = (m: CwMetric) => shapeOf(m).join("\u0000");
  const shapes = [...new Set(candidates.map(key))].sort((a, b) => a.split("\u0000").length - b.split("\u0000").length || a.localeCompare(b));
  const chosen = shapes[0];
  // One metric per name and dimension values, even if the listing repeats it (some emulators do).
  const unique = new Map<string, CwMetric>();
  for (const m of candidates) {
    if (key(m) !== chosen || (env !== undefined && valueOf(m, ENVIRONMENT_DIMENSION) !== env)) continue;
    const identity = JSON.stringify([m.Namespace, m.MetricName, dimensionsOf(m).sort((a, b) => a.Name.localeCompare(b.Name))]);
    if (!unique.has(identity)) unique.set(identity, m);
  }
  return [...unique.values()];
}

/** Pure: the GetMetricData queries for the AI section. */
export function planAiQueries(discovered: DiscoveredMetrics, env: Environment | undefined): AiQuery[] {
  const queries: AiQuery[] = [];
  const add = (role: AiQueryRole, metrics: CwMetric[], stat: AiQuery["stat"], withProvider: boolean) => {
    for (const metric of metrics) {
      queries.push({
        id: `q${queries.length}`,
        role,
        provider: withProvider ? (valueOf(metric, PROVIDER_DIMENSION) ?? null) : null,
        namespace: metric.Namespace ?? "",
        metricName: metric.MetricName ?? "",
        dimensions: dimensionsOf(metric),
        stat,
      });
    }
  };
  add("cost", selectMetrics(discovered.providers, AI_COST_METRIC, [PROVIDER_DIMENSION], env), "Sum", true);
  add("tokens", selectMetrics(discovered.providers, AI_TOKEN_METRIC, [PROVIDER_DIMENSION], env), "Sum", true);
  add("stories", selectMetrics(discovered.stories, STORIES_METRIC, [], env), "Sum", false);
  add("beats", selectMetrics(discovered.stories, BEATS_METRIC, [], env), "SampleCount", false);
  return queries;
}

export interface AiProviderSpend {
  provider: string;
  /** Sum of Cost over the period; null when the provider publishes no Cost metric (unpriced models). */
  costUsd: number | null;
  tokens: number | null;
}

export interface AiSpend {
  namespace: string;
  byProvider: AiProviderSpend[];
  /** Sum over providers; null when no provider publishes a Cost metric. */
  totalCostUsd: number | null;
  totalTokens: number | null;
  stories: { count: number | null; definition: string; costPerStoryUsd: number | null };
  beats: { count: number | null; definition: string; costPerBeatUsd: number | null };
  /** Why a figure is missing, or a limit of the data. */
  notes: string[];
}

/**
 * Pure: the AI section from the query plan and each query's datapoint values. A metric that
 * exists but has no datapoints in the period counts as zero: CloudWatch saw no samples.
 */
export function summarizeAi(queries: AiQuery[], values: Map<string, number[]>, context: { env: Environment | undefined; periodStartsBefore14Days: boolean }): AiSpend {
  const sumOf = (q: AiQuery) => (values.get(q.id) ?? []).reduce((s, v) => s + v, 0);
  const providers = new Map<string, { cost: number | null; tokens: number | null }>();
  for (const q of queries) {
    if ((q.role !== "cost" && q.role !== "tokens") || q.provider === null) continue;
    const entry = providers.get(q.provider) ?? { cost: null, tokens: null };
    if (q.role === "cost") entry.cost = (entry.cost ?? 0) + sumOf(q);
    else entry.tokens = (entry.tokens ?? 0) + sumOf(q);
    providers.set(q.provider, entry);
  }
  const byProvider = [...providers.entries()]
    .map(([provider, e]) => ({ provider, costUsd: e.cost === null ? null : roundMoney(e.cost), tokens: e.tokens === null ? null : Math.round(e.tokens) }))
    .sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || a.provider.localeCompare(b.provider));
  const priced = byProvider.filter((p) => p.costUsd !== null);
  const totalCostUsd = priced.length > 0 ? roundMoney(priced.reduce((s, p) => s + (p.costUsd ?? 0), 0)) : null;
  const counted = byProvider.filter((p) => p.tokens !== null);
  const totalTokens = counted.length > 0 ? counted.reduce((s, p) => s + (p.tokens ?? 0), 0) : null;

  const countOf = (role: AiQueryRole) => {
    const matching = queries.filter((q) => q.role === role);
    return matching.length === 0 ? null : Math.round(matching.reduce((s, q) => s + sumOf(q), 0));
  };
  const stories = countOf("stories");
  const beats = countOf("beats");
  const per = (count: number | null) => (count !== null && count > 0 && totalCostUsd !== null ? roundMoney(totalCostUsd / count) : null);

  const notes: string[] = [];
  const scope = context.env === undefined ? "" : ` for environment ${context.env}`;
  if (byProvider.length === 0) notes.push(`no ${AI_COST_METRIC} or ${AI_TOKEN_METRIC} metric per ${PROVIDER_DIMENSION} in ${AI_NAMESPACE}${scope}`);
  else if (totalCostUsd === null) notes.push(`no provider publishes ${AI_COST_METRIC}${scope} (unpriced models report tokens only)`);
  if (stories === null) notes.push(`story count unknown: no ${STORIES_METRIC} metric in ${STORY_NAMESPACE}${scope}`);
  if (context.periodStartsBefore14Days) {
    notes.push(`CloudWatch lists only metrics with data in the last ${LIST_METRICS_WINDOW_DAYS} days: a provider idle since then is missing from this period`);
  }
  return {
    namespace: AI_NAMESPACE,
    byProvider,
    totalCostUsd,
    totalTokens,
    stories: { count: stories, definition: STORY_DEFINITION, costPerStoryUsd: per(stories) },
    beats: { count: beats, definition: BEAT_DEFINITION, costPerBeatUsd: per(beats) },
    notes,
  };
}

/** Splits queries into GetMetricData requests of at most MAX_QUERIES_PER_REQUEST. */
export function chunkQueries<T>(queries: T[], size = MAX_QUERIES_PER_REQUEST): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < queries.length; i += size) chunks.push(queries.slice(i, i + size));
  return chunks;
}
