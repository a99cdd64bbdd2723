import { systemClock, type Clock } from "../../core/clock.js";
import type { Color } from "../../core/color.js";
import { attemptFailure, judgeHealth, type Expectation, type HealthEvidence, type HealthReport, type LambdaFacts } from "./judge.js";
import { errorMessage } from "../../errors.js";
import { requestLine, type HealthProbe, type ProbeRequest, type ProbeResponse } from "./probe.js";
import type { SyntheticIdentity } from "./synthetic.js";


/** How one color is judged (flags of `noveli health-check`). */
export interface HealthCheckSettings {
  /** Consecutive successful GET /health needed. Default 5. */
  attempts: number;
  /** Wait between attempts, ms. Default 1000. */
  intervalMs: number;
  /** Per-request timeout, ms. Default 5000. */
  timeoutMs: number;
  /** Highest acceptable p95 latency, ms. Default 1500. */
  maxP95Ms: number;
  /** Also start a real story (POST /stories). Default false. */
  synthetic: boolean;
  /** Check dependencies first with GET /health?deep=1. Default true. */
  deep: boolean;
}

export const DEFAULT_HEALTH_SETTINGS: HealthCheckSettings = Object.freeze({
  attempts: 5,
  intervalMs: 1_000,
  timeoutMs: 5_000,
  maxP95Ms: 1_500,
  synthetic: false,
  deep: true,
});

/** The synthetic story: marked so it is recognisable in the table and in logs; its owner is the synthetic user. */
export const SYNTHETIC_STORY = Object.freeze({
  prompt: "A night train stops at a station that is not on the map. (noveli synthetic health check)",
  genre: "mystery",
});

export interface GatherInput {
  probe: HealthProbe;
  settings: HealthCheckSettings;
  clock?: Clock;
  signal?: AbortSignal;
  /** Called after each request, for progress lines. */
  onResponse?: (request: ProbeRequest, response: ProbeResponse) => void;
  /** Signs in the environment's synthetic user (--synthetic); without it the synthetic check fails clearly. */
  syntheticUser?: () => Promise<SyntheticIdentity>;
}

/** Sends the checks' requests: deep first (also warms the function), then the attempts, then the synthetic story. */
export async function gatherHealthEvidence(input: GatherInput): Promise<Pick<HealthEvidence, "attempts" | "deep" | "synthetic">> {
  const { probe, settings, signal } = input;
  const clock = input.clock ?? systemClock;
  const send = async (request: ProbeRequest): Promise<ProbeResponse> => {
    const response = await probe.send(request, signal);
    input.onResponse?.(request, response);
    return response;
  };
  const evidence: Pick<HealthEvidence, "attempts" | "deep" | "synthetic"> = { attempts: [] };
  if (settings.deep) evidence.deep = await send({ method: "GET", path: "/health", query: { deep: "1" }, timeoutMs: settings.timeoutMs });
  for (let attempt = 1; attempt <= settings.attempts; attempt++) {
    signal?.throwIfAborted();
    if (attempt > 1 && settings.intervalMs > 0) await clock.sleep(settings.intervalMs, signal);
    const response = await send({ method: "GET", path: "/health", timeoutMs: settings.timeoutMs });
    evidence.attempts.push(response);
    // Consecutive successes are required: the first failure settles it.
    if (attemptFailure(response) !== undefined) break;
  }
  if (settings.synthetic) {
    const started = clock.now();
    const user = input.syntheticUser
      ? await input.syntheticUser().then(
          (identity) => ({ ok: true as const, identity }),
          (error: unknown) => ({ ok: false as const, message: `the synthetic user could not sign in: ${errorMessage(error)}` }),
        )
      : { ok: false as const, message: "no synthetic user: the environment's outputs name none (deploy it with this noveli)" };
    evidence.synthetic = user.ok
      ? await send({ method: "POST", path: "/stories", body: SYNTHETIC_STORY, timeoutMs: Math.max(settings.timeoutMs, 30_000), user: user.identity })
      : { kind: "error", message: user.message, timedOut: false, durationMs: clock.now() - started };
  }
  return evidence;
}

export interface CheckColorInput extends GatherInput {
  color: Color;
  expected?: Expectation;
  lambda?: LambdaFacts;
}

export async function checkColorHealth(input: CheckColorInput): Promise<HealthReport> {
  const gathered = await gatherHealthEvidence(input);
  return judgeHealth(
    {
      color: input.color,
      ...gathered,
      ...(input.expected ? { expected: input.expected } : {}),
      ...(input.lambda ? { lambda: input.lambda } : {}),
    },
    { requiredSuccesses: input.settings.attempts, maxP95Ms: input.settings.maxP95Ms },
  );
}

/** One progress line per request. */
export function describeResponse(request: ProbeRequest, response: ProbeResponse): string {
  const outcome = response.kind === "response" ? `HTTP ${response.status}` : response.timedOut ? "timed out" : `failed: ${response.message}`;
  return `${requestLine(request)} → ${outcome} (${Math.round(response.durationMs)}ms)`;
}
