import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { runUnlock } from "../ops/lease/unlock.js";

/** Flags of `noveli unlock`. */
export interface UnlockOptions {
  /** Why the lease is broken; recorded in the history. Required. */
  reason?: string;
}

export async function unlock(options: UnlockOptions, ctx: CommandContext): Promise<void> {
  const reason = options.reason?.trim() ?? "";
  if (reason === "") throw new UsageError("--reason needs a text: it is recorded in the history with who broke the lease");
  if (reason.length > 500) throw new UsageError("--reason is limited to 500 characters");
  const result = await runUnlock(ctx, reason);
  ctx.reporter.result(
    { command: "unlock", env: result.env, outcome: result.outcome, previousHolder: result.previous?.holder ?? null, reason },
    (lines, s) => {
      if (result.outcome === "none") lines.push(`${result.env}: nobody holds the lease, nothing to break`);
      else if (result.outcome === "broken") lines.push(s.yellow(`broke the lease on ${result.env}: ${result.summary}; recorded in the history ("${reason}")`));
      else lines.push(s.red(`the lease on ${result.env} changed hands while reading it; left alone: run noveli status and try again`));
    },
  );
  if (result.outcome === "changed") throw new OperationError("lease-changed", `the lease on ${result.env} changed hands while unlocking`);
}
