import type { CommandContext } from "../../context.js";
import type { Environment } from "../../core/environment.js";
import { describeHolder, type LeaseRecord } from "../../state/lease.js";
import { recordHistory } from "../../state/lease-scope.js";
import { openOpsStore } from "../../state/ops-store.js";

export interface UnlockResult {
  env: Environment;
  /** broken: the lease was deleted · none: nobody held it · changed: it changed hands while reading, left alone. */
  outcome: "broken" | "none" | "changed";
  previous: LeaseRecord | null;
  summary: string | null;
  /** Why the lease was broken, as recorded in the history. */
  reason: string;
}

/** Breaks the environment's lease on purpose and records who did it and why (replaces --force-unlock). */
export async function runUnlock(ctx: CommandContext, reason: string): Promise<UnlockResult> {
  const env = ctx.environment();
  const target = await ctx.target();
  const store = await openOpsStore({ target, env, reporter: ctx.reporter, signal: ctx.signal });
  try {
    const previous = await store.readLease(env);
    if (!previous) return { env, outcome: "none", previous: null, summary: null, reason };
    const summary = describeHolder(previous, Date.now());
    // Only the lease that was read is deleted: one taken a moment later by someone else stays.
    if (!(await store.deleteLease(env, previous.token))) return { env, outcome: "changed", previous, summary, reason };
    await recordHistory(store, env, ctx.reporter, {
      type: "lease",
      outcome: "unlocked",
      reason,
      previousHolder: previous.holder,
      previousHeartbeatAt: previous.heartbeatAt,
      warning: "a command may have been stopped mid-change: check noveli status",
    });
    return { env, outcome: "broken", previous, summary, reason };
  } finally {
    store.close();
  }
}
