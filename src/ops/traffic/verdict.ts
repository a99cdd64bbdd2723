import type { Color } from "../../core/color.js";

/**
 * Pure: the canary analysis verdict of one window, the new color against the old one, from the
 * figures CloudWatch gives for the window since the step began. Flagger and Argo Rollouts judge a
 * canary by its own success rate and latency each interval; Kayenta compares it with the baseline.
 * Here both: a rate fails only when it is above its threshold AND worse than the old color's by
 * more than that threshold, so a fault both colors share (a dependency down) is not blamed on the
 * new one, while a zero baseline (the old color served nothing in the window) leaves the absolute
 * threshold alone to judge.
 */

/** What CloudWatch measured for one color over the analysis window. */
export interface ColorFigures {
  color: Color;
  /** AWS/Lambda Invocations (Sum) of the color's alias. */
  invocations: number;
  /** AWS/Lambda Errors (Sum). */
  errors: number;
  /** AWS/Lambda Throttles (Sum); throttled requests are not counted in Invocations. */
  throttles: number;
  /** AWS/Lambda Duration p95 over the window in ms; null when the endpoint has no percentiles or no datapoint. */
  p95DurationMs: number | null;
  /** Story generations (SampleCount of the function's SuccessRate metric, per Color). */
  generations: number;
  /** Generations that failed (SuccessRate 0). */
  generationFailures: number;
}

export interface AnalysisThresholds {
  /** Highest error, throttle and generation failure rate of the new color, as a fraction (0.01 = 1%). */
  maxErrorRate: number;
  /** Highest p95 duration of the new color as a multiple of the old color's. */
  maxLatencyRatio: number;
  /** Requests the new color must serve in the window for a verdict; fewer is inconclusive. */
  minRequests: number;
}

export const DEFAULT_THRESHOLDS: AnalysisThresholds = Object.freeze({ maxErrorRate: 0.01, maxLatencyRatio: 1.5, minRequests: 20 });

export type CheckName = "requests" | "error-rate" | "throttles" | "p95-duration" | "generation-failures";
export type Verdict = "pass" | "fail" | "inconclusive";

/** One row of the verdict table: metric, new, old, threshold, verdict. */
export interface CheckResult {
  metric: CheckName;
  /** The new color's figure (a fraction for rates, ms for p95, a count for requests); null when not measured. */
  new: number | null;
  /** The old color's figure; null when not measured or when it served too few requests to compare with. */
  old: number | null;
  /** The threshold as the table shows it. */
  threshold: string;
  verdict: Verdict;
  /** Why, with the raw counts. */
  detail: string;
}

export interface AnalysisVerdict {
  verdict: Verdict;
  newColor: Color;
  oldColor: Color;
  checks: CheckResult[];
  /** One line with the figures that decided, for progress lines, rollback reasons and the history. */
  summary: string;
}

export const percent = (fraction: number): string => {
  const value = fraction * 100;
  return `${Number.isInteger(value) ? value : value < 10 ? value.toFixed(2).replace(/0$/, "") : value.toFixed(1)}%`;
};

const ratioOf = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

interface RateInput {
  metric: CheckName;
  label: string;
  newPart: number;
  newWhole: number;
  oldPart: number;
  oldWhole: number;
  /** Whether the new color served enough for this rate to be judged. */
  enough: boolean;
  /** Whether the old color served enough to be a baseline. */
  baseline: boolean;
  maxRate: number;
}

/** A rate fails when above the threshold and more than the threshold above the baseline (if any). */
function judgeRate(input: RateInput): CheckResult {
  const newRate = ratioOf(input.newPart, input.newWhole);
  const oldRate = input.baseline ? ratioOf(input.oldPart, input.oldWhole) : null;
  const threshold = `≤ ${percent(input.maxRate)}`;
  const figures = `${input.newPart}/${input.newWhole}${oldRate === null ? "" : ` vs ${input.oldPart}/${input.oldWhole}`}`;
  if (newRate === null || !input.enough) {
    return { metric: input.metric, new: newRate, old: oldRate, threshold, verdict: "inconclusive", detail: `too few to judge (${figures})` };
  }
  const above = newRate > input.maxRate;
  if (!above) return { metric: input.metric, new: newRate, old: oldRate, threshold, verdict: "pass", detail: `${input.label} ${percent(newRate)} (${figures})` };
  if (oldRate !== null && newRate - oldRate <= input.maxRate) {
    return {
      metric: input.metric,
      new: newRate,
      old: oldRate,
      threshold,
      verdict: "pass",
      detail: `${input.label} ${percent(newRate)} is above ${percent(input.maxRate)} but the old color's is ${percent(oldRate)}: not the new color's doing (${figures})`,
    };
  }
  const versus = oldRate === null ? "no baseline" : `old ${percent(oldRate)}`;
  return { metric: input.metric, new: newRate, old: oldRate, threshold, verdict: "fail", detail: `${input.label} ${percent(newRate)} > ${percent(input.maxRate)}, ${versus} (${figures})` };
}

function judgeLatency(next: ColorFigures, prev: ColorFigures, baseline: boolean, enough: boolean, maxRatio: number): CheckResult {
  const threshold = `≤ ${maxRatio}× old`;
  const base = { metric: "p95-duration" as const, new: next.p95DurationMs, old: baseline ? prev.p95DurationMs : null, threshold };
  if (next.p95DurationMs === null) return { ...base, verdict: "inconclusive", detail: "no p95 duration of the new color in the window" };
  if (!enough) return { ...base, verdict: "inconclusive", detail: "too few requests to judge" };
  if (!baseline || prev.p95DurationMs === null || prev.p95DurationMs <= 0) {
    return { ...base, verdict: "inconclusive", detail: `p95 ${round(next.p95DurationMs)}ms; no baseline: the old color has no p95 duration in the window` };
  }
  const ratio = next.p95DurationMs / prev.p95DurationMs;
  const detail = `p95 ${round(next.p95DurationMs)}ms vs ${round(prev.p95DurationMs)}ms = ${ratio.toFixed(2)}×`;
  return { ...base, verdict: ratio > maxRatio ? "fail" : "pass", detail: ratio > maxRatio ? `${detail} > ${maxRatio}×` : detail };
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Pure: the verdict of one analysis window. */
export function judgeCanary(next: ColorFigures, prev: ColorFigures, thresholds: AnalysisThresholds): AnalysisVerdict {
  const { minRequests, maxErrorRate, maxLatencyRatio } = thresholds;
  // Throttled requests never reach the function, so a color throttled to nothing still "served" them.
  const newRequests = next.invocations + next.throttles;
  const oldRequests = prev.invocations + prev.throttles;
  const enough = newRequests >= minRequests;
  const baseline = oldRequests >= minRequests;
  const requests: CheckResult = {
    metric: "requests",
    new: newRequests,
    old: oldRequests,
    threshold: `≥ ${minRequests}`,
    verdict: enough ? "pass" : "inconclusive",
    detail: enough
      ? `${newRequests} request(s) on ${next.color}${baseline ? "" : `; ${prev.color} served ${oldRequests}: no baseline, absolute thresholds only`}`
      : `${newRequests} request(s) on ${next.color}, ${minRequests} needed for a verdict`,
  };
  const checks: CheckResult[] = [
    requests,
    judgeRate({ metric: "error-rate", label: "error rate", newPart: next.errors, newWhole: next.invocations, oldPart: prev.errors, oldWhole: prev.invocations, enough, baseline, maxRate: maxErrorRate }),
    judgeRate({ metric: "throttles", label: "throttle rate", newPart: next.throttles, newWhole: newRequests, oldPart: prev.throttles, oldWhole: oldRequests, enough, baseline, maxRate: maxErrorRate }),
    judgeLatency(next, prev, baseline, enough, maxLatencyRatio),
    judgeRate({
      metric: "generation-failures",
      label: "generation failure rate",
      newPart: next.generationFailures,
      newWhole: next.generations,
      oldPart: prev.generationFailures,
      oldWhole: prev.generations,
      enough: next.generations >= minRequests,
      baseline: prev.generations >= minRequests,
      maxRate: maxErrorRate,
    }),
  ];
  const failed = checks.filter((c) => c.verdict === "fail");
  const verdict: Verdict = failed.length > 0 ? "fail" : enough ? "pass" : "inconclusive";
  const summary =
    verdict === "fail"
      ? `canary analysis of ${next.color} against ${prev.color} failed: ${failed.map((c) => `${c.metric}: ${c.detail}`).join("; ")}`
      : verdict === "inconclusive"
        ? `canary analysis inconclusive: ${requests.detail}`
        : `canary analysis passed: ${newRequests} request(s) on ${next.color}, error rate ${percent(ratioOf(next.errors, next.invocations) ?? 0)}${checks[3]?.verdict === "pass" ? `, ${checks[3].detail}` : ""}`;
  return { verdict, newColor: next.color, oldColor: prev.color, checks, summary };
}

/** The evidence of an analysis that tripped the watch (a WatchEvidence, like an alarm's). */
export interface AnalysisEvidence {
  kind: "analysis";
  at: string;
  verdict: AnalysisVerdict;
  /** Failed verdicts in the shift, and the limit that was reached. */
  failures: number;
  failureLimit: number;
  summary: string;
}
