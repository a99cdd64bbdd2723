import { describe, expect, it } from "vitest";
import { backoffDelay, CircuitBreaker } from "@noveli/providers/policy";

const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

describe("backoffDelay", () => {
  it("doubles per retry with equal jitter between half and all of the ceiling", () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, () => 0.999999))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(150);
  });

  it("caps the ceiling at maxDelayMs", () => {
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });

  it("waits at least the provider's Retry-After", () => {
    expect(backoffDelay(1, policy, () => 0, 2000)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.999999, 10)).toBe(400);
  });
});

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("opens after the threshold of consecutive failures, and a success resets the count", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 30_000 }, clock);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state()).toBe("closed");
    expect(breaker.request()).toEqual({ allowed: true, probe: false });
    breaker.failure();
    expect(breaker.state()).toBe("open");
    clock.advance(10_000);
    expect(breaker.request()).toEqual({ allowed: false, retryInMs: 20_000 });
  });

  it("lets exactly one probe through after the cooldown; its success closes the circuit", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 5_000 }, clock);
    breaker.failure();
    clock.advance(5_000);
    expect(breaker.state()).toBe("half-open");
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
    expect(breaker.request()).toEqual({ allowed: false, retryInMs: 0 });
    breaker.success();
    expect(breaker.state()).toBe("closed");
    expect(breaker.request()).toEqual({ allowed: true, probe: false });
  });

  it("reopens for a full cooldown when the probe fails", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 5_000 }, clock);
    breaker.failure();
    breaker.failure();
    clock.advance(6_000);
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
    breaker.failure();
    expect(breaker.state()).toBe("open");
    expect(breaker.request()).toEqual({ allowed: false, retryInMs: 5_000 });
    clock.advance(5_000);
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
  });

  it("frees the probe slot when a probe ends without a verdict", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 }, clock);
    breaker.failure();
    clock.advance(1_000);
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
    breaker.release();
    expect(breaker.state()).toBe("half-open");
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
  });
});
