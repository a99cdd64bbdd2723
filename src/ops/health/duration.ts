import { UsageError } from "../../errors.js";

/**
 * Durations as operators type them: `1500ms`, `30s`, `2m`, `1h`, or combined (`1m30s`). A bare
 * number is refused: `--interval 60` could mean seconds or milliseconds, and a wrong guess makes a
 * canary step a thousand times too short or too long.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

export function parseDuration(raw: string, flag: string): number {
  const text = raw.trim();
  if (!WHOLE.test(text)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a duration: use a number with a unit, like 1500ms, 30s, 2m or 1m30s`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Math.round(total);
}

/** Human form of a duration in milliseconds: `850ms`, `30s`, `2m`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1_000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
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
