import { OperationError } from "../../errors.js";

/**
 * The verification phase's overall deadline. Every AWS call already has its own timeouts, but a
 * scan is thousands of calls: an endpoint that answers each page just in time, or a table far
 * bigger than the drill window, would keep the drill (and the environment's lease) busy without
 * end. Pure.
 *
 * Default: 15 minutes, plus one second for every 100 items per scan segment of the source table
 * (DescribeTable's ItemCount), never less than two whole calls at their worst (every attempt
 * timing out), at most 24 hours. `dr-drill --verify-timeout <duration>` sets it (1s to 24h).
 * 100 items/s per segment is far below what DynamoDB scans (thousands), so a healthy drill never
 * meets it; the deadline covers every pass of the verification, the extra ones that name the
 * differences included.
 */

export const VERIFY_DEADLINE_FLOOR_MS = 15 * 60_000;
/** The slowest scan a healthy drill is allowed: items per second per segment. */
export const VERIFY_MIN_ITEMS_PER_SECOND_PER_SEGMENT = 100;
export const MAX_VERIFY_DEADLINE_MS = 24 * 3_600_000;
export const MIN_VERIFY_DEADLINE_MS = 1_000;

export interface VerifyDeadlineInput {
  /** The source table's item count (DescribeTable, refreshed by DynamoDB about every 6 hours). */
  sourceItems: number;
  /** Parallel scan segments per table. */
  segments: number;
  /** The longest one AWS call may take: attempts times the request timeout. */
  callBoundMs: number;
}

export function verifyDeadlineMs(input: VerifyDeadlineInput): number {
  const items = Number.isFinite(input.sourceItems) && input.sourceItems > 0 ? input.sourceItems : 0;
  const scanMs = Math.ceil(items / (Math.max(1, input.segments) * VERIFY_MIN_ITEMS_PER_SECOND_PER_SEGMENT)) * 1_000;
  return Math.min(MAX_VERIFY_DEADLINE_MS, Math.max(VERIFY_DEADLINE_FLOOR_MS + scanMs, 2 * input.callBoundMs));
}

/** The error a verification stopped by its deadline fails with. */
export class VerifyDeadlineError extends OperationError {
  constructor(deadlineMs: number) {
    super("drill-verify-timeout", `verification did not finish within ${describeMs(deadlineMs)}, its deadline (--verify-timeout)`);
  }
}

function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * A signal that aborts with `VerifyDeadlineError` when the deadline passes, or with the outer
 * signal's reason; `clear` stops the timer once the phase ended.
 */
export function deadlineSignal(outer: AbortSignal, deadlineMs: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new VerifyDeadlineError(deadlineMs)), deadlineMs);
  timer.unref();
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      outer.removeEventListener("abort", onAbort);
    },
  };
}
