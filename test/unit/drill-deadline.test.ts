import { describe, expect, it } from "vitest";
import { MAX_VERIFY_DEADLINE_MS, VERIFY_DEADLINE_FLOOR_MS, VerifyDeadlineError, deadlineSignal, verifyDeadlineMs } from "../../src/ops/drill/deadline.js";

describe("the verification deadline", () => {
  it("is 15 minutes for a small table, plus a second per 100 items per segment", () => {
    expect(verifyDeadlineMs({ sourceItems: 0, segments: 4, callBoundMs: 100_000 })).toBe(VERIFY_DEADLINE_FLOOR_MS);
    expect(verifyDeadlineMs({ sourceItems: 4_000_000, segments: 4, callBoundMs: 100_000 })).toBe(VERIFY_DEADLINE_FLOOR_MS + 10_000_000);
    expect(verifyDeadlineMs({ sourceItems: 4_000_000, segments: 8, callBoundMs: 100_000 })).toBe(VERIFY_DEADLINE_FLOOR_MS + 5_000_000);
  });

  it("leaves room for two whole calls at their worst, and never passes 24 hours", () => {
    expect(verifyDeadlineMs({ sourceItems: 10, segments: 1, callBoundMs: 50 * 60_000 })).toBe(100 * 60_000);
    expect(verifyDeadlineMs({ sourceItems: 1e12, segments: 1, callBoundMs: 100_000 })).toBe(MAX_VERIFY_DEADLINE_MS);
    expect(verifyDeadlineMs({ sourceItems: Number.NaN, segments: 0, callBoundMs: 0 })).toBe(VERIFY_DEADLINE_FLOOR_MS);
  });

  it("aborts with a VerifyDeadlineError when it passes, with the outer reason when the outer signal aborts first", async () => {
    const timed = deadlineSignal(new AbortController().signal, 20);
    const reason = await new Promise((resolve) => timed.signal.addEventListener("abort", () => resolve(timed.signal.reason)));
    expect(reason).toBeInstanceOf(VerifyDeadlineError);
    expect((reason as Error).message).toBe("verification did not finish within 20ms, its deadline (--verify-timeout)");

    const outer = new AbortController();
    const scoped = deadlineSignal(outer.signal, 60_000);
    outer.abort(new Error("interrupted by SIGINT"));
    expect((scoped.signal.reason as Error).message).toBe("interrupted by SIGINT");
    scoped.clear();

    const cleared = deadlineSignal(new AbortController().signal, 10);
    cleared.clear();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cleared.signal.aborted).toBe(false);
  });
});
