import { UsageError } from "../../errors.js";

/**
 * Durations as operators type them: `1500ms`, `30s`, `2m`, `1h`, or combined (`1m30s`). A bare
 * number is refused: `--interval 60` could mean seconds or milliseconds, and a wrong guess makes a
 * canary step a thousand times too short or too long.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/**
 * The documented maximum of every duration flag (README, "Duration limits"). Past these a value is
 * a typo, not a plan: `--watch 99999h` would hold the lock for eleven years, and a timer past
 * 2^31-1 ms (24.8 days) overflows to 1ms in Node.
 */
export const DURATION_LIMITS = {
  /** switch-traffic --watch */
  watch: 24 * 3_600_000,
  /** switch-traffic --interval (time at each canary step) */
  canaryInterval: 6 * 3_600_000,
  /** switch-traffic --poll-interval */
  pollInterval: 3_600_000,
  /** --interval / --health-interval between health attempts */
  healthInterval: 10 * 60_000,
  /** --timeout / --health-timeout of one health request */
  healthTimeout: 5 * 60_000,
  /** --max-p95 */
  maxP95: 5 * 60_000,
  /** switch-traffic --propagation-timeout */
  propagationTimeout: 3_600_000,
} as const;

/** Whatever a caller forgets, no duration flag goes past a day. */
const ABSOLUTE_MAX_MS = 24 * 3_600_000;

export function parseDuration(raw: string, flag: string, maxMs: number = ABSOLUTE_MAX_MS): number {
  const text = raw.trim();
  if (!WHOLE.test(text)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a duration: use a number with a unit, like 1500ms, 30s, 2m or 1m30s`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  const ms = Math.round(total);
  const max = Math.min(maxMs, ABSOLUTE_MAX_MS);
  if (!(ms <= max)) throw new UsageError(`${flag} ${JSON.stringify(raw)} is longer than its maximum of ${formatDuration(max)}`);
  return ms;
}

/** Human form of a duration in milliseconds: `850ms`, `30s`, `2m`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1_000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  }
  if (ms >= 3_600_000 && ms % 60_000 === 0) {
    const hours = Math.floor(ms / 3_600_000);
    const rest = (ms % 3_600_000) / 60_000;
    return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** A whole number of at least `min`, from a flag. */
export function parseCount(raw: string, flag: string, min = 1, max = 1_000): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
