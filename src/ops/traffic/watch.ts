import type { AlarmState } from "../../aws/cloudwatch.js";
import type { HealthCheckResult, HealthReport } from "../health/judge.js";
import type { Clock } from "../../core/clock.js";
import type { AnalysisEvidence } from "./verdict.js";

/**
 * The watch during and after a shift: poll the environment's CloudWatch alarms and the target's
 * health; the first alarm in ALARM or failed health check trips it, with the evidence. The loop
 * takes an injectable clock so unit tests run a two-minute watch instantly.
 */

/** What made the watch trip: the alarms in ALARM with CloudWatch's reason, or the failed checks. */
export type WatchEvidence =
  | { kind: "alarm"; at: string; alarms: AlarmState[]; summary: string }
  | { kind: "unhealthy"; at: string; color: string; failedChecks: Pick<HealthCheckResult, "name" | "detail">[]; summary: string }
  | AnalysisEvidence;

export type PollVerdict = { kind: "ok" } | { kind: "tripped"; evidence: WatchEvidence };

/** Pure: one poll's verdict. INSUFFICIENT_DATA is not a reason to roll back (a quiet metric is not a failing one). */
export function judgePoll(input: { alarms: AlarmState[]; health?: HealthReport; at: string }): PollVerdict {
  const firing = input.alarms.filter((a) => a.state === "ALARM");
  if (firing.length > 0) {
    const summary = firing.map((a) => `alarm ${a.name} is in ALARM${a.reason ? `: ${a.reason}` : ""}`).join("; ");
    return { kind: "tripped", evidence: { kind: "alarm", at: input.at, alarms: firing, summary } };
  }
  if (input.health && !input.health.healthy) {
    const failedChecks = input.health.checks.filter((c) => !c.ok).map((c) => ({ name: c.name, detail: c.detail }));
    const summary = `${input.health.color} failed its health check: ${failedChecks.map((c) => `${c.name}: ${c.detail}`).join("; ")}`;
    return { kind: "tripped", evidence: { kind: "unhealthy", at: input.at, color: input.health.color, failedChecks, summary } };
  }
  return { kind: "ok" };
}

/** Alarms already in ALARM before a watched shift: the watch could not tell what the shift did. */
export function alarmsAlreadyFiring(alarms: AlarmState[]): AlarmState[] {
  return alarms.filter((a) => a.state === "ALARM");
}

export type WatchResult = { kind: "clean"; polls: number } | { kind: "tripped"; polls: number; evidence: WatchEvidence };

export interface WatchInput {
  /** How long to watch; at least one poll happens even when 0. */
  durationMs: number;
  pollMs: number;
  clock: Clock;
  signal?: AbortSignal;
  poll: () => Promise<PollVerdict>;
  onPoll?: (poll: number, verdict: PollVerdict, remainingMs: number) => void;
}

/** Polls from the start to the end of the window (both included); stops at the first trip. */
export async function watchWindow(input: WatchInput): Promise<WatchResult> {
  const { clock, signal } = input;
  const deadline = clock.now() + Math.max(0, input.durationMs);
  let polls = 0;
  for (;;) {
    signal?.throwIfAborted();
    const verdict = await input.poll();
    polls += 1;
    const remaining = Math.max(0, deadline - clock.now());
    input.onPoll?.(polls, verdict, remaining);
    if (verdict.kind === "tripped") return { kind: "tripped", polls, evidence: verdict.evidence };
    if (remaining <= 0) return { kind: "clean", polls };
    await clock.sleep(Math.min(Math.max(1, input.pollMs), remaining), signal);
  }
}
