import type { StageTraffic } from "../../aws/apigateway.js";
import type { Clock } from "../../core/clock.js";
import type { Color } from "../../core/color.js";
import { errorMessage } from "../../errors.js";
import { formatDuration } from "../health/duration.js";
import type { StepRecord } from "./outcome.js";
import { planRestore, verifyReadBack } from "./planner.js";
import { describeTraffic, leftState, type LiveStage } from "./stage.js";

/**
 * The automatic rollback of a traffic shift (switch-traffic and rollback alike): put all live
 * traffic back on the color that was live before the shift, remove any canary, read the stage
 * back. executeShift (shift.ts) makes one rollback per shift with `shiftRollback`, and however
 * many ways the shift ends (a read-back mismatch, a tripped watch, an error, SIGINT/SIGTERM) it
 * runs at most once.
 *
 * Never over someone else's change: when the stage reads neither as the shift found it nor as it
 * last wrote it, someone else moved traffic meanwhile and theirs stands.
 */

/**
 * How long the rollback may take in all (read, update, read back). Past it noveli stops trying and
 * says which state it left: an operator must act, and a silent hang would hold the lease.
 */
export const RESTORE_DEADLINE_MS = 60_000;

/** What the shift knows when it rolls back; read at the moment it does. */
export interface RollbackInput {
  stage: LiveStage;
  clock: Clock;
  progress(message: string): void;
  /** The whole rollback's deadline in ms. */
  deadlineMs: number;
  /** The stage as the shift first read it. */
  found: StageTraffic | undefined;
  /** The stage as the shift last wrote and read it back. */
  written: StageTraffic | undefined;
  /** The color the shift was moving traffic to. */
  to: Color | undefined;
  /** The stage as last read before the rollback. */
  lastRead: StageTraffic | null;
}

export interface RollbackResult {
  /** Live traffic is on the previous color again (or never left it). */
  ok: boolean;
  detail: string;
  /** The "restore" step record. */
  step: StepRecord;
  /** The stage as last read. */
  liveAfter: StageTraffic | null;
}

/** One rollback: the first call runs it, every later call gets the same result. */
export function shiftRollback(input: () => RollbackInput): (why: string) => Promise<RollbackResult> {
  let running: Promise<RollbackResult> | undefined;
  return (why) => (running ??= rollBack(input(), why));
}

async function rollBack(input: RollbackInput, why: string): Promise<RollbackResult> {
  const { stage, clock, found, written } = input;
  const at = new Date(clock.now()).toISOString();
  const started = clock.now();
  const from = found?.deployment;
  let liveAfter = input.lastRead;
  const result = (ok: boolean, detail: string, record: Partial<StepRecord> = {}): RollbackResult => ({
    ok,
    detail,
    liveAfter,
    step: { name: "restore", status: ok ? "ok" : "failed", at, durationMs: clock.now() - started, detail, ...record },
  });
  input.progress(`restoring live traffic to ${from ?? "the previous color"} (${why})`);
  const deadline = AbortSignal.timeout(input.deadlineMs);
  try {
    const current = await stage.read(deadline);
    liveAfter = current;
    const previous = from ?? current.deployment ?? "";
    if (written && found && !verifyReadBack(written, current).ok && !verifyReadBack(found, current).ok) {
      // Neither what this shift wrote nor what it found: someone else moved traffic; theirs stands.
      return result(false, `RESTORE SKIPPED: someone else moved live traffic meanwhile (it reads ${describeTraffic(current)}); noveli did not write over it`, { readBack: current });
    }
    const plan = planRestore(previous, from === undefined ? { ...current, deployment: previous } : current);
    if (!plan) return result(true, `live traffic is on ${previous}: the change had not taken`);
    const back = await stage.update(plan.patchOperations, deadline);
    liveAfter = back;
    const verdict = verifyReadBack(plan.expect, back);
    const detail = verdict.ok ? `live traffic is back on ${previous} (read back: ${describeTraffic(back)})` : `RESTORE FAILED: ${verdict.problem}; ${leftState(back)}`;
    return result(verdict.ok, detail, { patchOperations: plan.patchOperations, readBack: back });
  } catch (error) {
    const cause = deadline.aborted ? `no answer within ${formatDuration(input.deadlineMs)}` : errorMessage(error);
    return result(false, `RESTORE FAILED: ${cause}; ${leftState(liveAfter)}, and may still send traffic to ${input.to ?? "the new color"}`);
  }
}
