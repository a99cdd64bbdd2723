import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { runUnlock, type UnlockResult } from "../ops/lease/unlock.js";
import { unlockView } from "../views/unlock.js";
import { render } from "../views/view.js";

/** Flags of `noveli unlock`. */
export interface UnlockOptions {
  /** Why the lease is broken; recorded in the history. Required. */
  reason?: string;
}

export async function unlock(options: UnlockOptions, ctx: CommandContext): Promise<UnlockResult> {
  const reason = options.reason?.trim() ?? "";
  if (reason === "") throw new UsageError("--reason needs a text: it is recorded in the history with who broke the lease");
  if (reason.length > 500) throw new UsageError("--reason is limited to 500 characters");
  const result = await runUnlock(ctx, reason);
  render(ctx.reporter, unlockView, result);
  if (result.outcome === "changed") throw new OperationError("lease-changed", `the lease on ${result.env} changed hands while unlocking`);
  return result;
}
