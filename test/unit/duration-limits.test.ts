import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { DURATION_LIMITS, formatDuration, parseDuration } from "../../src/ops/health/duration.js";
import { parseHealthSettings } from "../../src/ops/health/settings.js";

describe("every duration flag has a maximum", () => {
  it("accepts the maximum itself and refuses anything longer, naming the flag and the limit", () => {
    expect(parseDuration("24h", "--watch", DURATION_LIMITS.watch)).toBe(86_400_000);
    expect(() => parseDuration("24h1ms", "--watch", DURATION_LIMITS.watch)).toThrow(UsageError);
    expect(() => parseDuration("99999h", "--watch", DURATION_LIMITS.watch)).toThrow('--watch "99999h" is longer than its maximum of 24h');
    expect(() => parseDuration("720h", "--poll-interval", DURATION_LIMITS.pollInterval)).toThrow("--poll-interval \"720h\" is longer than its maximum of 1h");
    expect(() => parseDuration("7h", "--interval", DURATION_LIMITS.canaryInterval)).toThrow("maximum of 6h");
  });

  it("bounds a duration even when the caller names no maximum: never past a day (Node timers overflow at 24.8 days)", () => {
    expect(() => parseDuration("25h", "--x")).toThrow(/maximum of 24h/);
    expect(() => parseDuration(`${"9".repeat(400)}h`, "--x")).toThrow(UsageError);
  });

  it("bounds the health flags", () => {
    expect(() => parseHealthSettings({ interval: "11m" })).toThrow("--interval \"11m\" is longer than its maximum of 10m");
    expect(() => parseHealthSettings({ timeout: "6m" }, "health-")).toThrow("--health-timeout \"6m\" is longer than its maximum of 5m");
    expect(() => parseHealthSettings({ maxP95: "300001" })).toThrow(/--max-p95 300001 is longer than its maximum/);
    expect(parseHealthSettings({ interval: "10m", timeout: "5m", maxP95: "5m" })).toMatchObject({ intervalMs: 600_000, timeoutMs: 300_000, maxP95Ms: 300_000 });
  });

  it("formats hours", () => {
    expect([3_600_000, 5_400_000, 86_400_000].map(formatDuration)).toEqual(["1h", "1h30m", "24h"]);
  });
});
