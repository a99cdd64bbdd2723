import type { MetricSeries, MetricStatQuery } from "../../aws/cloudwatch.js";
import type { Color } from "../../core/color.js";
import { formatDuration } from "../health/duration.js";
import { judgeCanary, type AnalysisEvidence, type AnalysisThresholds, type AnalysisVerdict, type ColorFigures, type Verdict } from "./verdict.js";
import { watchWindow, type PollVerdict, type WatchInput, type WatchResult } from "./watch.js";

/**
 * The canary analysis of a traffic shift: at every poll of each canary step and of the watch,
 * GetMetricData at 1-minute periods over the window since the step began, the new color against
 * the old (AWS/Lambda per alias, the function's own StoryGeneration metrics per Color), judged by
 * `judgeCanary`; a failed verdict counts towards the failure limit, and reaching it trips the
 * watch like an alarm does. A step that ends inconclusive waits another interval (or, with
 * `requireTraffic`, counts as a failure). The CloudWatch read is behind `MetricsReader`, so unit
 * tests drive all of it with fixed figures and an instant clock.
 */

export interface AnalysisPolicy {
  /** Failed verdicts (over the whole shift) that roll traffic back. Default 1. */
  failureLimit: number;
  /** A step that ends with too few requests is a failure, not a wait. Default false. */
  requireTraffic: boolean;
  /** Extra intervals an inconclusive step waits before it goes on unjudged. Default 1. */
  maxExtensions: number;
}

export type AnalysisSettings = AnalysisThresholds & AnalysisPolicy;

export const DEFAULT_POLICY: AnalysisPolicy = Object.freeze({ failureLimit: 1, requireTraffic: false, maxExtensions: 1 });

/** CloudWatch's periods for the analysis: one minute, the resolution of the Lambda metrics. */
export const PERIOD_MS = 60_000;

/** Pure: where an analysis window starts: the first whole minute at or after the step began, so no datapoint from before it counts. */
export function windowStart(stepStartedAt: number): number {
  return Math.ceil(stepStartedAt / PERIOD_MS) * PERIOD_MS;
}

export interface MetricsSpec {
  functionName: string;
  /** The Environment dimension of the function's own metrics (NOVELI_ENV). */
  environment: string;
  /** Whether the endpoint computes percentiles (CloudWatch does; moto answers none). */
  percentiles: boolean;
}

export const STORY_NAMESPACE = "LiminalTransit/StoryGeneration";

/** Pure: the GetMetricData queries of one window for both colors. */
export function analysisQueries(spec: MetricsSpec, colors: readonly Color[], windowMs: number): MetricStatQuery[] {
  const queries: MetricStatQuery[] = [];
  for (const color of colors) {
    const alias = { FunctionName: spec.functionName, Resource: `${spec.functionName}:${color}` };
    const lambda = (id: string, metricName: string, stat: string, periodSeconds = PERIOD_MS / 1000): MetricStatQuery => ({ id: `${color}_${id}`, namespace: "AWS/Lambda", metricName, dimensions: alias, stat, periodSeconds });
    queries.push(lambda("invocations", "Invocations", "Sum"), lambda("errors", "Errors", "Sum"), lambda("throttles", "Throttles", "Sum"));
    // A percentile does not add up over periods: one period as long as the window gives the window's p95.
    if (spec.percentiles) queries.push(lambda("p95", "Duration", "p95", Math.max(1, Math.ceil(windowMs / PERIOD_MS)) * (PERIOD_MS / 1000)));
    const story = { Environment: spec.environment, Color: color };
    // SuccessRate is 100 or 0 per generation: its Sum / 100 is the successes, its SampleCount the generations.
    queries.push(
      { id: `${color}_gen_success`, namespace: STORY_NAMESPACE, metricName: "SuccessRate", dimensions: story, stat: "Sum", periodSeconds: PERIOD_MS / 1000 },
      { id: `${color}_gen_count`, namespace: STORY_NAMESPACE, metricName: "SuccessRate", dimensions: story, stat: "SampleCount", periodSeconds: PERIOD_MS / 1000 },
    );
  }
  return queries;
}

const sumOf = (series: MetricSeries | undefined): number => (series ? series.values.reduce((a, b) => a + b, 0) : 0);

/** Pure: one color's figures from the GetMetricData answer. */
export function figuresFrom(series: ReadonlyMap<string, MetricSeries>, color: Color): ColorFigures {
  const get = (id: string) => series.get(`${color}_${id}`);
  const p95 = get("p95");
  const generations = Math.round(sumOf(get("gen_count")));
  const successes = Math.round(sumOf(get("gen_success")) / 100);
  return {
    color,
    invocations: sumOf(get("invocations")),
    errors: sumOf(get("errors")),
    throttles: sumOf(get("throttles")),
    p95DurationMs: p95 && p95.values.length > 0 ? Math.max(...p95.values) : null,
    generations,
    generationFailures: Math.max(0, generations - successes),
  };
}

/** Reads the figures of both colors over [start, end). */
export type MetricsReader = (queries: MetricStatQuery[], start: Date, end: Date) => Promise<ReadonlyMap<string, MetricSeries>>;

/** One analysis: when, over which window, the verdict with every figure. */
export interface AnalysisRecord {
  at: string;
  window: { start: string; end: string };
  figures: { new: ColorFigures; old: ColorFigures };
  verdict: AnalysisVerdict;
}

/** What the analysis of one step (or the watch) did: every poll's analysis and how the step ended. */
export interface StepAnalysis {
  newColor: Color;
  oldColor: Color;
  /** The step's figures start here: the first whole minute after it began. */
  windowStart: string;
  analyses: AnalysisRecord[];
  /** passed, failed (rolled back or not), unjudged (too few requests, went on), or stopped (alarm, health, signal). */
  result: "passed" | "failed" | "unjudged" | "stopped";
  /** Extra intervals the step waited for enough requests (or after a failed verdict below the limit). */
  extensions: number;
  /** Failed verdicts so far in the shift, and the limit. */
  failures: number;
  failureLimit: number;
}

export type AnalysisDecision = { kind: "continue" } | { kind: "trip"; summary: string } | { kind: "extend"; why: string } | { kind: "done"; result: "passed" | "unjudged" };

/**
 * Pure: what one verdict means for the step. `failures` is the count before this verdict; `atEnd`
 * says the step's time is up (the verdict is then the last and most complete of the window).
 */
export function decide(policy: AnalysisPolicy, state: { failures: number; extensions: number }, verdict: Verdict, atEnd: boolean): { decision: AnalysisDecision; failures: number } {
  let failures = state.failures;
  const counted = verdict === "fail" ? "a failed verdict" : "too few requests (--require-traffic)";
  // Mid-window, a failure counts; at the end the last poll already counted its own verdict, except
  // a required-but-missing traffic, which only the end can tell.
  if (!atEnd && verdict === "fail") failures += 1;
  if (atEnd && verdict === "inconclusive" && policy.requireTraffic) failures += 1;
  if (failures >= policy.failureLimit && (verdict === "fail" || (atEnd && verdict === "inconclusive" && policy.requireTraffic))) {
    return { decision: { kind: "trip", summary: `${counted}: failure ${failures} of limit ${policy.failureLimit}` }, failures };
  }
  if (!atEnd) return { decision: { kind: "continue" }, failures };
  if (verdict === "pass") return { decision: { kind: "done", result: "passed" }, failures };
  if (verdict === "fail" || policy.requireTraffic) return { decision: { kind: "extend", why: `${counted} (failure ${failures} of limit ${policy.failureLimit})` }, failures };
  if (state.extensions < policy.maxExtensions) return { decision: { kind: "extend", why: "too few requests for a verdict" }, failures };
  return { decision: { kind: "done", result: "unjudged" }, failures };
}

export interface AnalysisDeps {
  settings: AnalysisSettings;
  spec: MetricsSpec;
  read: MetricsReader;
  progress(message: string): void;
}

export interface AnalyzedWatchInput extends Omit<WatchInput, "poll" | "onPoll"> {
  newColor: Color;
  oldColor: Color;
  label: string;
  /** The alarm and health poll; the analysis runs after it when it is clean. */
  poll: () => Promise<PollVerdict>;
  onPoll?: WatchInput["onPoll"];
}

export interface AnalyzedWatchResult {
  watch: WatchResult;
  analysis: StepAnalysis;
}

/** The canary analysis of one shift: keeps the failure count across its steps. */
export interface CanaryAnalysis {
  /** A step's (or the watch's) time with the analysis at every poll; inconclusive steps wait longer. */
  watch(input: AnalyzedWatchInput): Promise<AnalyzedWatchResult>;
}

export function createCanaryAnalysis(deps: AnalysisDeps): CanaryAnalysis {
  const { settings } = deps;
  let failures = 0;

  return {
    async watch(input) {
      const { clock, newColor, oldColor } = input;
      const start = windowStart(clock.now());
      const analyses: AnalysisRecord[] = [];
      const report = (result: StepAnalysis["result"], extensions: number): StepAnalysis => ({
        newColor,
        oldColor,
        windowStart: new Date(start).toISOString(),
        analyses,
        result,
        extensions,
        failures,
        failureLimit: settings.failureLimit,
      });

      const analyse = async (): Promise<AnalysisRecord> => {
        const now = clock.now();
        const end = Math.max(now, start);
        let series: ReadonlyMap<string, MetricSeries> = new Map();
        // Until the first whole minute of the step has begun there is nothing of its own to read
        // (and CloudWatch, like moto, refuses a StartTime equal to the EndTime at whole seconds).
        const open = now - start >= 1_000;
        if (open) series = await deps.read(analysisQueries(deps.spec, [newColor, oldColor], end - start), new Date(start), new Date(end));
        const figures = { new: figuresFrom(series, newColor), old: figuresFrom(series, oldColor) };
        let verdict = judgeCanary(figures.new, figures.old, settings);
        if (!open) verdict = { ...verdict, summary: `canary analysis inconclusive: its window opens at ${new Date(start).toISOString().slice(11, 19)} UTC, the first whole minute of the step` };
        const record: AnalysisRecord = { at: new Date(now).toISOString(), window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() }, figures, verdict };
        analyses.push(record);
        return record;
      };

      deps.progress(`${input.label}: canary analysis of ${newColor} against ${oldColor} over the window from ${new Date(start).toISOString().slice(11, 19)} UTC (the first whole minute of the step)`);
      let extensions = 0;
      let lastReported: string | undefined;
      for (;;) {
        let tripped: AnalysisEvidence | undefined;
        const watch = await watchWindow({
          durationMs: input.durationMs,
          pollMs: input.pollMs,
          clock,
          ...(input.signal ? { signal: input.signal } : {}),
          poll: async () => {
            const base = await input.poll();
            if (base.kind === "tripped") return base;
            const record = await analyse();
            const step = decide(settings, { failures, extensions }, record.verdict.verdict, false);
            failures = step.failures;
            if (step.decision.kind === "trip") {
              tripped = { kind: "analysis", at: record.at, verdict: record.verdict, failures, failureLimit: settings.failureLimit, summary: `${record.verdict.summary} (${step.decision.summary})` };
              return { kind: "tripped", evidence: tripped };
            }
            if (record.verdict.verdict === "fail") deps.progress(`${input.label}: ${record.verdict.summary} (failure ${failures} of limit ${settings.failureLimit})`);
            return base;
          },
          onPoll: (n, verdict, remaining) => {
            input.onPoll?.(n, verdict, remaining);
            // The figures go into the record at every poll; the progress line only when they change.
            const summary = analyses.at(-1)?.verdict.summary;
            if (verdict.kind === "ok" && summary !== undefined && summary !== lastReported) deps.progress(`${input.label}: ${(lastReported = summary)}`);
          },
        });
        if (watch.kind === "tripped") return { watch, analysis: report(tripped ? "failed" : "stopped", extensions) };
        const last = analyses.at(-1);
        const end = decide(settings, { failures, extensions }, last?.verdict.verdict ?? "inconclusive", true);
        failures = end.failures;
        if (end.decision.kind === "trip") {
          const verdict = last?.verdict;
          const summary = `${verdict?.summary ?? "canary analysis: no figures"} (${end.decision.summary})`;
          const evidence: AnalysisEvidence = { kind: "analysis", at: new Date(clock.now()).toISOString(), verdict: verdict as AnalysisVerdict, failures, failureLimit: settings.failureLimit, summary };
          return { watch: { kind: "tripped", polls: watch.polls, evidence }, analysis: report("failed", extensions) };
        }
        if (end.decision.kind === "done") {
          if (end.decision.result === "unjudged") deps.progress(`${input.label}: not judged: ${last?.verdict.summary ?? "no figures"}; going on after ${extensions} extra interval(s)`);
          return { watch, analysis: report(end.decision.result, extensions) };
        }
        extensions += 1;
        deps.progress(`${input.label}: ${end.decision.kind === "extend" ? end.decision.why : "no verdict yet"}: waiting another ${formatDuration(input.durationMs)}`);
      }
    },
  };
}
