/**
 * The resilience policy: backoff with jitter and a circuit breaker per provider. Pure logic over an
 * injected clock and random source, so tests are deterministic and fast.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface ResiliencePolicy {
  /** Attempts per provider for transient failures (first try included). Default 3. */
  maxAttemptsPerProvider: number;
  /** First backoff; doubles each retry. Default 250 ms. */
  baseDelayMs: number;
  /** Cap on one backoff. Default 4 s. */
  maxDelayMs: number;
  /** A Retry-After longer than this fails over instead of waiting. Default 10 s. */
  maxRetryAfterMs: number;
  /** Time limit of one attempt (connection to last byte). Default 30 s. */
  attemptTimeoutMs: number;
  /** Overall time limit when the caller gives no deadline. Default 90 s. */
  totalTimeoutMs: number;
  /** An attempt is not started with less time than this left before the deadline. Default 1 s. */
  minAttemptMs: number;
  /** A model's refusal is the request's problem and ends the call; true: try the next provider instead. Default false. */
  failoverOnRefusal: boolean;
  circuit: CircuitPolicy;
}

export interface CircuitPolicy {
  /** Consecutive failed calls that open the circuit. Default 3. */
  failureThreshold: number;
  /** How long an open circuit skips the provider before one probe is let through. Default 30 s. */
  cooldownMs: number;
}

export const DEFAULT_POLICY: Readonly<ResiliencePolicy> = Object.freeze({
  maxAttemptsPerProvider: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
  attemptTimeoutMs: 30_000,
  totalTimeoutMs: 90_000,
  minAttemptMs: 1_000,
  failoverOnRefusal: false,
  circuit: Object.freeze({ failureThreshold: 3, cooldownMs: 30_000 }),
});

/**
 * How long to wait before retry number `retry` (1 = the first retry): exponential with "equal
 * jitter" (half fixed, half random) so retries of many clients spread out but never collapse to 0.
 * A Retry-After from the provider wins when it is longer.
 */
export function backoffDelay(retry: number, policy: Pick<ResiliencePolicy, "baseDelayMs" | "maxDelayMs">, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const delay = retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
  return Math.round(delay);
}

export type CircuitState = "closed" | "open" | "half-open";

/** What the breaker says about one call. */
export type CircuitDecision = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

/**
 * A circuit breaker for one provider: closed (calls flow), open after `failureThreshold`
 * consecutive failed calls (calls are skipped for `cooldownMs`), then half-open: exactly one probe
 * is let through; its success closes the circuit, its failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probeInFlight = false;

  constructor(
    private readonly policy: CircuitPolicy,
    private readonly clock: Clock,
  ) {}

  state(): CircuitState {
    if (this.openedAt === undefined) return "closed";
    return this.clock.now() - this.openedAt >= this.policy.cooldownMs ? "half-open" : "open";
  }

  /** Asks to make a call; a half-open circuit admits one probe at a time. */
  request(): CircuitDecision {
    const state = this.state();
    if (state === "closed") return { allowed: true, probe: false };
    if (state === "open") return { allowed: false, retryInMs: (this.openedAt as number) + this.policy.cooldownMs - this.clock.now() };
    if (this.probeInFlight) return { allowed: false, retryInMs: 0 };
    this.probeInFlight = true;
    return { allowed: true, probe: true };
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probeInFlight = false;
  }

  failure(): void {
    if (this.probeInFlight || this.openedAt !== undefined) {
      // The probe failed: another full cooldown.
      this.openedAt = this.clock.now();
      this.probeInFlight = false;
      return;
    }
    this.failures += 1;
    if (this.failures >= this.policy.failureThreshold) this.openedAt = this.clock.now();
  }

  /** The call ended without a verdict on the provider (request error, caller abort, deadline). */
  release(): void {
    this.probeInFlight = false;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
