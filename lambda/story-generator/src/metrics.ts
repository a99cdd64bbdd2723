import { AsyncLocalStorage } from "node:async_hooks";
import type { GenerationResult } from "@noveli/providers";
import { stdoutWriter, type LineWriter } from "./logger.js";

/**
 * Metrics as CloudWatch Embedded Metric Format: one JSON document per line on stdout, which
 * CloudWatch Logs turns into metrics asynchronously. Nothing in the request path calls
 * PutMetricData. A small writer of our own rather than Powertools: we need two namespaces with
 * different dimension sets per event, the format is a documented JSON shape, and it keeps the
 * package free of another dependency.
 *
 * Namespaces and metric names follow the seed design, so dashboards and `noveli cost-report`
 * find them: `LiminalTransit/AIProviders` (ResponseTime, TokenCount, Cost, Failures per Provider)
 * and `LiminalTransit/StoryGeneration` (ResponseTime, TokensGenerated, GenerationCost,
 * SuccessRate, StoriesStarted, ChoicesMade, Conflicts). Every metric carries the Environment
 * dimension; provider metrics also carry Provider, and successful story generations are published
 * both per environment and per environment and provider.
 *
 * Every document is also published per Color (beside Environment): the alias the function was
 * invoked through, so `noveli switch-traffic`'s canary analysis can tell the new color's story
 * generation failures from the old one's. Two aliases may run the same version (and so the same
 * execution environment), hence the color is the invocation's, never the process's.
 */

export const PROVIDER_NAMESPACE = "LiminalTransit/AIProviders";
export const STORY_NAMESPACE = "LiminalTransit/StoryGeneration";

export type MetricUnit = "Milliseconds" | "Count" | "None" | "Percent";

export interface MetricValue {
  name: string;
  unit: MetricUnit;
  value: number;
}

/** EMF limits: at most 100 metrics per document and 30 dimensions per dimension set. */
const MAX_METRICS_PER_DOCUMENT = 100;
const MAX_DIMENSIONS = 30;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: MetricUnit }> }>;
  };
  [key: string]: unknown;
}

export interface EmfInput {
  namespace: string;
  /** Dimension values; each must appear in a dimension set. */
  dimensions: Record<string, string>;
  /** Dimension sets (each a list of dimension names); default one set of all dimensions in order. */
  dimensionSets?: string[][];
  metrics: MetricValue[];
  /** Epoch milliseconds. */
  timestamp: number;
  /** Searchable fields that are not dimensions (model, error class, request id). */
  properties?: Record<string, unknown>;
}

/** Pure: one EMF document. Non-finite values are left out rather than sent as invalid metrics. */
export function emfDocument(input: EmfInput): EmfDocument {
  const { namespace, dimensions, metrics, timestamp, properties = {} } = input;
  const finite = metrics.filter((m) => Number.isFinite(m.value));
  if (finite.length > MAX_METRICS_PER_DOCUMENT) throw new Error(`an EMF document holds at most ${MAX_METRICS_PER_DOCUMENT} metrics`);
  const dimensionSets = input.dimensionSets ?? [Object.keys(dimensions)];
  for (const set of dimensionSets) {
    if (set.length > MAX_DIMENSIONS) throw new Error(`an EMF dimension set holds at most ${MAX_DIMENSIONS} dimensions`);
    for (const name of set) if (!(name in dimensions)) throw new Error(`dimension ${name} has no value`);
  }
  const document: EmfDocument = {
    _aws: {
      Timestamp: Math.floor(timestamp),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: dimensionSets, Metrics: finite.map((m) => ({ Name: m.name, Unit: m.unit })) }],
    },
  };
  // Properties first so a property can never shadow a dimension or a metric value.
  for (const [key, value] of Object.entries(properties)) if (value !== undefined) document[key] = value;
  for (const [key, value] of Object.entries(dimensions)) document[key] = value;
  for (const m of finite) document[m.name] = m.value;
  return document;
}

export interface Metrics {
  /** A beat was generated (or generation failed) for a story request. */
  generation(outcome: GenerationOutcome): void;
  /** Counts in the StoryGeneration namespace: StoriesStarted, ChoicesMade, Conflicts. */
  count(name: "StoriesStarted" | "ChoicesMade" | "Conflicts", properties?: Record<string, unknown>): void;
}

export type GenerationOutcome =
  | { ok: true; result: GenerationResult; elapsedMs: number; properties?: Record<string, unknown> }
  | { ok: false; elapsedMs: number; errorClass: string; attempts: GenerationResult["attempts"]; properties?: Record<string, unknown> };

export interface ProviderUsage {
  provider: string;
  model: string;
  latencyMs: number;
  tokens: number;
  /** null when a billed attempt of this provider has no price. */
  costUsd: number | null;
}

const tokenTotal = (t: { input: number; output: number; cached: number; cacheWrite?: number }): number => t.input + t.output + t.cached + (t.cacheWrite ?? 0);

/**
 * Pure: what each provider cost in one call. Attempts that report their own tokens and cost are
 * summed per provider; when the manager reports only call totals, they go to the provider that
 * told the beat.
 */
export function providerUsageOf(result: GenerationResult): ProviderUsage[] {
  const called = result.attempts.filter((a) => a.ok || (a.error?.class !== "not-configured" && a.error?.class !== "circuit-open"));
  const perAttempt = called.length > 0 && called.every((a) => a.tokens !== undefined || !a.ok);
  if (!perAttempt) {
    return [{ provider: result.provider, model: result.model, latencyMs: result.latencyMs, tokens: tokenTotal(result.tokens), costUsd: result.costUsd }];
  }
  const byProvider = new Map<string, ProviderUsage>();
  for (const attempt of called) {
    const entry = byProvider.get(attempt.provider) ?? { provider: attempt.provider, model: attempt.model, latencyMs: 0, tokens: 0, costUsd: 0 };
    entry.latencyMs += attempt.latencyMs;
    if (attempt.tokens) {
      entry.tokens += tokenTotal(attempt.tokens);
      entry.costUsd = entry.costUsd === null || attempt.costUsd === null || attempt.costUsd === undefined ? null : entry.costUsd + attempt.costUsd;
    }
    if (attempt.ok) entry.model = attempt.model;
    byProvider.set(attempt.provider, entry);
  }
  return [...byProvider.values()];
}

/** Pure: per provider, the tokens and cost of attempts that reported usage (for failed calls). */
export function billedUsageOf(attempts: GenerationResult["attempts"]): ProviderUsage[] {
  const byProvider = new Map<string, ProviderUsage>();
  for (const attempt of attempts) {
    if (!attempt.tokens) continue;
    const entry = byProvider.get(attempt.provider) ?? { provider: attempt.provider, model: attempt.model, latencyMs: 0, tokens: 0, costUsd: 0 };
    entry.latencyMs += attempt.latencyMs;
    entry.tokens += tokenTotal(attempt.tokens);
    entry.costUsd = entry.costUsd === null || attempt.costUsd === null || attempt.costUsd === undefined ? null : entry.costUsd + attempt.costUsd;
    byProvider.set(attempt.provider, entry);
  }
  return [...byProvider.values()].filter((usage) => usage.tokens > 0);
}

export interface MetricsOptions {
  environment: string;
  /** The color of the invocation that emits; default the one entered with `enterInvocationColor`, else "unknown". */
  color?: () => string;
  write?: LineWriter;
  now?: () => number;
}

const invocationColor = new AsyncLocalStorage<string>();

/**
 * Marks the rest of the current invocation (everything it awaits) as served by `color`, the alias
 * it was invoked through. The handler calls it once per invocation, before any await, so
 * concurrent invocations in one process (the local runner, tests) each keep their own.
 */
export function enterInvocationColor(color: string): void {
  invocationColor.enterWith(color);
}

/** Pure: a document's dimension sets plus its first (widest-aggregate) set per Color: one extra metric per color, not one per set. */
export function withColorSets(sets: string[][]): string[][] {
  const [first] = sets;
  return first === undefined || first.includes("Color") ? sets : [...sets, [...first, "Color"]];
}

export function createMetrics(options: MetricsOptions): Metrics {
  const write = options.write ?? stdoutWriter;
  const now = options.now ?? Date.now;
  const environment = options.environment;
  const colorOf = options.color ?? (() => invocationColor.getStore() ?? "unknown");
  const emit = (
    namespace: string,
    dimensions: Record<string, string>,
    metrics: MetricValue[],
    properties?: Record<string, unknown>,
    dimensionSets?: string[][],
  ) => {
    const sets = dimensionSets ?? [Object.keys(dimensions)];
    write(
      JSON.stringify(
        emfDocument({ namespace, dimensions: { ...dimensions, Color: colorOf() }, metrics, timestamp: now(), ...(properties ? { properties } : {}), dimensionSets: withColorSets(sets) }),
      ),
    );
  };

  const failedAttempts = (attempts: GenerationResult["attempts"], properties?: Record<string, unknown>) => {
    for (const attempt of attempts) {
      // Skipped providers (no credentials, open circuit) were never called: not a provider failure.
      if (attempt.ok || attempt.error?.class === "not-configured" || attempt.error?.class === "circuit-open") continue;
      emit(PROVIDER_NAMESPACE, { Provider: attempt.provider, Environment: environment }, [{ name: "Failures", unit: "Count", value: 1 }], {
        ...properties,
        Model: attempt.model,
        ErrorClass: attempt.error?.class,
        AttemptLatencyMs: attempt.latencyMs,
      });
    }
  };

  /** Per-provider usage of one call: a failed or repaired attempt is billed too. */
  const providerUsage = (outcome: GenerationOutcome & { ok: true }, properties?: Record<string, unknown>) => {
    for (const usage of providerUsageOf(outcome.result)) {
      const values: MetricValue[] = [
        { name: "ResponseTime", unit: "Milliseconds", value: usage.latencyMs },
        { name: "TokenCount", unit: "Count", value: usage.tokens },
      ];
      // An unpriced model has no cost figure at all: reporting 0 would understate spend.
      if (usage.costUsd !== null) values.push({ name: "Cost", unit: "None", value: usage.costUsd });
      emit(PROVIDER_NAMESPACE, { Provider: usage.provider, Environment: environment }, values, {
        ...properties,
        Model: usage.model,
        Priced: usage.costUsd !== null,
        Succeeded: usage.provider === outcome.result.provider,
      });
    }
  };

  return {
    generation(outcome) {
      if (outcome.ok) {
        const { result } = outcome;
        failedAttempts(result.attempts, outcome.properties);
        providerUsage(outcome, outcome.properties);
        const storyMetrics: MetricValue[] = [
          { name: "ResponseTime", unit: "Milliseconds", value: outcome.elapsedMs },
          { name: "TokensGenerated", unit: "Count", value: result.tokens.output },
          { name: "SuccessRate", unit: "Percent", value: 100 },
        ];
        if (result.costUsd !== null) storyMetrics.push({ name: "GenerationCost", unit: "None", value: result.costUsd });
        // Two dimension sets: the environment's totals, and the same figures per provider.
        emit(STORY_NAMESPACE, { Environment: environment, Provider: result.provider }, storyMetrics, { ...outcome.properties, Model: result.model }, [
          ["Environment"],
          ["Environment", "Provider"],
        ]);
      } else {
        failedAttempts(outcome.attempts, outcome.properties);
        // A call that failed may still have been billed (a malformed reply, a repair attempt).
        for (const usage of billedUsageOf(outcome.attempts)) {
          const values: MetricValue[] = [{ name: "TokenCount", unit: "Count", value: usage.tokens }];
          if (usage.costUsd !== null) values.push({ name: "Cost", unit: "None", value: usage.costUsd });
          emit(PROVIDER_NAMESPACE, { Provider: usage.provider, Environment: environment }, values, {
            ...outcome.properties,
            Model: usage.model,
            Priced: usage.costUsd !== null,
            Succeeded: false,
          });
        }
        emit(
          STORY_NAMESPACE,
          { Environment: environment },
          [
            { name: "ResponseTime", unit: "Milliseconds", value: outcome.elapsedMs },
            { name: "SuccessRate", unit: "Percent", value: 0 },
          ],
          { ...outcome.properties, ErrorClass: outcome.errorClass },
        );
      }
    },
    count(name, properties) {
      emit(STORY_NAMESPACE, { Environment: environment }, [{ name, unit: "Count", value: 1 }], properties);
    },
  };
}
