import { UsageError } from "../../errors.js";
import { parseColor } from "../../core/color.js";
import { DURATION_LIMITS, parseCount, parseDuration } from "../health/duration.js";
import type { HealthCheckSettings } from "../health/run.js";
import { parseHealthSettings } from "../health/settings.js";
import { parseWaitLock } from "../lease/wait-lock.js";
import { DEFAULT_POLICY, type AnalysisSettings } from "./analysis.js";
import { parseCanarySteps } from "./planner.js";
import type { TrafficChangeOptions } from "./run.js";
import { DEFAULT_THRESHOLDS } from "./verdict.js";

/**
 * The flags of `switch-traffic` and `rollback`, parsed and checked before anything runs: each
 * parser turns commander's strings into the operation's typed options, or throws a one-line
 * UsageError (exit 2).
 */

/** Flags switch-traffic and rollback share: the dry run, the lease, and the health gate of the color taking traffic. */
export interface TrafficChangeFlags {
  /** Print the exact patch operations and change nothing. Default false. */
  dryRun?: boolean;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
  /** Health gate: consecutive successes needed. Default 5. */
  healthAttempts?: string;
  /** Health gate: wait between attempts (duration). Default 1s. */
  healthInterval?: string;
  /** Per-request timeout of health requests (duration). Default 5s. */
  healthTimeout?: string;
  /** Highest acceptable p95 latency of the target (ms or duration). Default 1500. */
  maxP95?: string;
}

/** Flags of `noveli switch-traffic <blue|green>`. */
export interface SwitchTrafficOptions extends TrafficChangeFlags {
  /** The color to send live traffic to (positional). */
  color?: string;
  /** Canary percentages, e.g. `10,50,100`; all at once when left out. */
  canary?: string;
  /** Time at each canary step, alarms and health polled meanwhile (duration). Default 60s. */
  interval?: string;
  /** Watch alarms and health for this long after the shift (duration). Default: no watch. */
  watch?: string;
  /** Poll interval of the watch (duration). Default 10s. */
  pollInterval?: string;
  /** commander's `--no-rollback` sets this to false: a tripped watch only reports. Default true. */
  rollback?: boolean;
  /** Highest error (and throttle, generation failure) rate of the new color: `1%` or `0.01`. Default 1%. */
  maxErrorRate?: string;
  /** Highest p95 duration of the new color as a multiple of the old one's. Default 1.5. */
  maxLatencyRatio?: string;
  /** Requests the new color must serve in a window for a verdict. Default 20. */
  minRequests?: string;
  /** Failed analyses that roll back. Default 1. */
  failureLimit?: string;
  /** A step that ends with too few requests fails instead of waiting another interval. Default false. */
  requireTraffic?: boolean;
  /** Emergency bypass: no canary analysis (alarms and health only); recorded in the history. Default false. */
  skipAnalysis?: boolean;
  /** Real AWS: how long the live stage may take to answer from the new color (duration). Default 60s. */
  propagationTimeout?: string;
}

/** Flags of `noveli rollback`. */
export interface RollbackOptions extends TrafficChangeFlags {
  /** Skip the health check of the previous color. Default false. */
  force?: boolean;
}

const DEFAULT_STEP_INTERVAL_MS = 60_000;
const DEFAULT_POLL_MS = 10_000;

/** Pure: switch-traffic's flags as the operation's options. */
export function parseSwitchTraffic(options: SwitchTrafficOptions): TrafficChangeOptions & { to: NonNullable<TrafficChangeOptions["to"]> } {
  const to = parseColor(options.color, "the color to switch to");
  const canary = options.canary !== undefined ? parseCanarySteps(options.canary) : undefined;
  if (options.interval !== undefined && !canary) throw new UsageError("--interval is the time at each canary step: use it with --canary");
  const stepIntervalMs = options.interval !== undefined ? parseDuration(options.interval, "--interval", DURATION_LIMITS.canaryInterval) : DEFAULT_STEP_INTERVAL_MS;
  const watchMs = options.watch !== undefined ? parseDuration(options.watch, "--watch", DURATION_LIMITS.watch) : 0;
  if (options.watch !== undefined && watchMs <= 0) throw new UsageError("--watch must be longer than 0s");
  const pollMs = options.pollInterval !== undefined ? parseDuration(options.pollInterval, "--poll-interval", DURATION_LIMITS.pollInterval) : DEFAULT_POLL_MS;
  if (pollMs <= 0) throw new UsageError("--poll-interval must be longer than 0s");
  if (options.rollback === false && watchMs === 0 && !canary) throw new UsageError("--no-rollback only matters with --watch or --canary");
  const gateSettings = parseGateSettings(options);
  const analysis = parseAnalysisSettings(options, watchMs > 0 || canary !== undefined);
  const propagationTimeoutMs = options.propagationTimeout !== undefined ? parseDuration(options.propagationTimeout, "--propagation-timeout", DURATION_LIMITS.propagationTimeout) : undefined;
  if (propagationTimeoutMs !== undefined && propagationTimeoutMs <= 0) throw new UsageError("--propagation-timeout must be longer than 0s");
  return {
    operation: "switch",
    to,
    ...(canary ? { canary } : {}),
    stepIntervalMs,
    watchMs,
    pollMs,
    autoRollback: options.rollback !== false,
    healthGate: true,
    gateSettings,
    dryRun: options.dryRun === true,
    waitLockMs: parseWaitLock(options.waitLock),
    ...(analysis ? { analysis } : {}),
    ...(propagationTimeoutMs !== undefined ? { propagationTimeoutMs } : {}),
  };
}

/** Pure: rollback's flags as the operation's options: at once, no watch, health-gated unless --force. */
export function parseRollback(options: RollbackOptions): TrafficChangeOptions {
  return {
    operation: "rollback",
    stepIntervalMs: 0,
    watchMs: 0,
    pollMs: 1_000,
    autoRollback: true,
    healthGate: options.force !== true,
    gateSettings: parseGateSettings(options),
    dryRun: options.dryRun === true,
    waitLockMs: parseWaitLock(options.waitLock),
  };
}

/** A rate as operators type it: `1%`, `0.5%`, or a fraction below 1 such as `0.01`. */
export function parseRate(raw: string, flag: string): number {
  const text = raw.trim();
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] === "%" ? 100 : 1) : Number.NaN;
  if (!match || !Number.isFinite(value) || value < 0 || value >= 1 || (match[2] === "" && Number(match[1]) >= 1)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a rate: use a percentage below 100%, like 1% or 0.5%, or a fraction like 0.01`);
  }
  return value;
}

/** Pure: the canary analysis settings from the flags, or "skipped"; undefined when nothing is watched. */
export function parseAnalysisSettings(options: SwitchTrafficOptions, watched: boolean): AnalysisSettings | "skipped" | undefined {
  const given = (["maxErrorRate", "maxLatencyRatio", "minRequests", "failureLimit", "requireTraffic"] as const).filter((k) => options[k] !== undefined && options[k] !== false);
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (options.skipAnalysis && given.length > 0) throw new UsageError(`--skip-analysis turns the canary analysis off: drop ${given.map(flag).join(", ")}`);
  if (!watched) {
    const extra = [...given, ...(options.skipAnalysis ? ["skipAnalysis"] : [])];
    if (extra.length > 0) throw new UsageError(`${extra.map(flag).join(", ")} only matter with --watch or --canary: the analysis runs while a step or the watch is observed`);
    return undefined;
  }
  if (options.skipAnalysis) return "skipped";
  let maxLatencyRatio = DEFAULT_THRESHOLDS.maxLatencyRatio;
  if (options.maxLatencyRatio !== undefined) {
    maxLatencyRatio = Number(options.maxLatencyRatio);
    if (!/^\d+(\.\d+)?$/.test(options.maxLatencyRatio.trim()) || !Number.isFinite(maxLatencyRatio) || maxLatencyRatio < 1) {
      throw new UsageError(`--max-latency-ratio must be a number of at least 1 (the new color's p95 over the old one's), got ${JSON.stringify(options.maxLatencyRatio)}`);
    }
  }
  return {
    maxErrorRate: options.maxErrorRate !== undefined ? parseRate(options.maxErrorRate, "--max-error-rate") : DEFAULT_THRESHOLDS.maxErrorRate,
    maxLatencyRatio,
    minRequests: options.minRequests !== undefined ? parseCount(options.minRequests, "--min-requests", 1, 1_000_000) : DEFAULT_THRESHOLDS.minRequests,
    failureLimit: options.failureLimit !== undefined ? parseCount(options.failureLimit, "--failure-limit", 1, 100) : DEFAULT_POLICY.failureLimit,
    requireTraffic: options.requireTraffic === true,
    maxExtensions: DEFAULT_POLICY.maxExtensions,
  };
}

/** Pure: the health gate's settings from its --health-* flags. */
export function parseGateSettings(options: TrafficChangeFlags): HealthCheckSettings {
  return parseHealthSettings(
    { attempts: options.healthAttempts, interval: options.healthInterval, timeout: options.healthTimeout, maxP95: options.maxP95 },
    "health-",
  );
}
