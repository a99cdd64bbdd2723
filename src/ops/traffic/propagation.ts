import { errorMessage } from "../../errors.js";
import type { Color } from "../../core/color.js";
import { formatDuration } from "../health/duration.js";
import type { HealthProbe } from "../health/probe.js";
import type { Clock } from "../../core/clock.js";

/**
 * A switch verified where the traffic lands: after the stage reads back the new color, API
 * Gateway still takes a while to serve it everywhere. Probe the live stage's GET /health until K
 * consecutive answers report the new color; the time until the first of them is the propagation
 * time. A timeout is a failure naming the colors that answered. Only real AWS serves the live
 * stage; on emulators the check says it is not available there.
 */

export interface PropagationSettings {
  /** Consecutive answers from the new color needed. Default 10. */
  consecutive: number;
  /** Give up after this long. Default 60 s. */
  timeoutMs: number;
  /** Wait between probes. Default 250 ms. */
  intervalMs: number;
  /** Per-request timeout. Default 5 s. */
  requestTimeoutMs: number;
}

export const DEFAULT_PROPAGATION: PropagationSettings = Object.freeze({ consecutive: 10, timeoutMs: 60_000, intervalMs: 250, requestTimeoutMs: 5_000 });

export type PropagationResult =
  | {
      kind: "verified";
      color: Color;
      /** From the check's start (right after the stage read back) to the first of the K consecutive answers. */
      propagationMs: number;
      /** From the check's start to the K-th answer. */
      verifiedMs: number;
      probes: number;
      /** How many answers came from each color (or "error", "http <status>"). */
      seen: Record<string, number>;
      summary: string;
    }
  | { kind: "timeout"; color: Color; timeoutMs: number; probes: number; seen: Record<string, number>; summary: string }
  | { kind: "unavailable"; summary: string };

/** Pure: who answered a GET /health, from its response. */
export function answeredBy(response: Awaited<ReturnType<HealthProbe["send"]>>): string {
  if (response.kind === "error") return "error";
  if (response.status !== 200) return `http ${response.status}`;
  try {
    const body = JSON.parse(response.body) as { color?: unknown };
    return typeof body.color === "string" && body.color !== "" ? body.color : "no color";
  } catch {
    return "not json";
  }
}

const describeSeen = (seen: Record<string, number>): string =>
  Object.entries(seen)
    .map(([who, n]) => `${who} ×${n}`)
    .join(", ") || "nothing";

export async function verifyPropagation(input: { probe: HealthProbe; color: Color; settings: PropagationSettings; clock: Clock; signal?: AbortSignal }): Promise<PropagationResult> {
  const { probe, color, settings, clock, signal } = input;
  const started = clock.now();
  const seen: Record<string, number> = {};
  let probes = 0;
  let streak = 0;
  let streakStartedAt = started;
  for (;;) {
    signal?.throwIfAborted();
    const sentAt = clock.now();
    let who: string;
    try {
      who = answeredBy(await probe.send({ method: "GET", path: "/health", timeoutMs: settings.requestTimeoutMs }, signal));
    } catch (error) {
      if (signal?.aborted) throw error;
      who = `error (${errorMessage(error)})`;
    }
    probes += 1;
    seen[who] = (seen[who] ?? 0) + 1;
    if (who === color) {
      if (streak === 0) streakStartedAt = sentAt;
      streak += 1;
      if (streak >= settings.consecutive) {
        const propagationMs = streakStartedAt - started;
        const verifiedMs = clock.now() - started;
        return {
          kind: "verified",
          color,
          propagationMs,
          verifiedMs,
          probes,
          seen,
          summary: `live traffic lands on ${color}: ${settings.consecutive} consecutive GET /health answered by ${color} after ${formatDuration(propagationMs)} (${probes} probe(s): ${describeSeen(seen)})`,
        };
      }
    } else {
      streak = 0;
    }
    const elapsed = clock.now() - started;
    if (elapsed >= settings.timeoutMs) {
      return {
        kind: "timeout",
        color,
        timeoutMs: settings.timeoutMs,
        probes,
        seen,
        summary: `live traffic did not land on ${color} within ${formatDuration(settings.timeoutMs)}: ${settings.consecutive} consecutive answers from ${color} needed, the live stage answered ${describeSeen(seen)}`,
      };
    }
    await clock.sleep(Math.min(settings.intervalMs, settings.timeoutMs - elapsed), signal);
  }
}
