import { UsageError } from "../../errors.js";
import { COLORS, type Color } from "../../core/color.js";
import { DURATION_LIMITS, parseCount, parseDuration } from "./duration.js";
import { DEFAULT_HEALTH_SETTINGS, type HealthCheckSettings } from "./run.js";

/** Health-check flags as commander hands them over (strings), shared by health-check and switch-traffic. */
export interface RawHealthFlags {
  /** Consecutive successful GET /health needed. Default 5. */
  attempts?: string;
  /** Wait between attempts (duration). Default 1s. */
  interval?: string;
  /** Per-request timeout (duration). Default 5s. */
  timeout?: string;
  /** Highest acceptable p95 latency (ms, or a duration). Default 1500. */
  maxP95?: string;
  /** Also start a real story with POST /stories. Default false. */
  synthetic?: boolean;
  /** commander's `--no-deep` sets this to false: skips GET /health?deep=1 (the DynamoDB check). Default true. */
  deep?: boolean;
}

/** Pure: validated settings, every flag checked before anything touches the network. */
export function parseHealthSettings(raw: RawHealthFlags, flagPrefix = ""): HealthCheckSettings {
  const flag = (name: string) => `--${flagPrefix}${name}`;
  const timeoutMs = raw.timeout !== undefined ? parseDuration(raw.timeout, flag("timeout"), DURATION_LIMITS.healthTimeout) : DEFAULT_HEALTH_SETTINGS.timeoutMs;
  if (timeoutMs < 100) throw new UsageError(`${flag("timeout")} must be at least 100ms`);
  const maxP95Ms = raw.maxP95 !== undefined ? parseMilliseconds(raw.maxP95, "--max-p95") : DEFAULT_HEALTH_SETTINGS.maxP95Ms;
  return {
    attempts: raw.attempts !== undefined ? parseCount(raw.attempts, flag("attempts"), 1, 100) : DEFAULT_HEALTH_SETTINGS.attempts,
    intervalMs: raw.interval !== undefined ? parseDuration(raw.interval, flag("interval"), DURATION_LIMITS.healthInterval) : DEFAULT_HEALTH_SETTINGS.intervalMs,
    timeoutMs,
    maxP95Ms,
    synthetic: raw.synthetic === true,
    deep: raw.deep !== false,
  };
}

/** `--max-p95 800` (milliseconds) or a duration (`800ms`, `1.5s`). */
function parseMilliseconds(raw: string, flag: string): number {
  if (/^\d+$/.test(raw.trim())) {
    const ms = Number(raw.trim());
    if (ms > DURATION_LIMITS.maxP95) throw new UsageError(`${flag} ${raw.trim()} is longer than its maximum of ${DURATION_LIMITS.maxP95}ms`);
    return ms;
  }
  return parseDuration(raw, flag, DURATION_LIMITS.maxP95);
}

