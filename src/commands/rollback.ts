import type { CommandContext } from "../context.js";
import { runTrafficChange, throwForOutcome, type TrafficChangeResult } from "../ops/traffic/run.js";
import { render } from "../views/view.js";
import { rollbackView } from "../views/traffic.js";
import { parseRollback, type RollbackOptions } from "../ops/traffic/flags.js";

export type { RollbackOptions } from "../ops/traffic/flags.js";

/**
 * Back to the previous color at once: the color live before the last completed switch in the
 * shared history, or (under an unfinished canary) the stable one with the canary removed; see
 * src/ops/traffic/previous-color.ts. Health-checks it first unless --force.
 */
export async function rollback(options: RollbackOptions, ctx: CommandContext): Promise<TrafficChangeResult> {
  const result = await runTrafficChange(ctx, parseRollback(options));
  if (options.force) ctx.reporter.debug("--force: the previous color was not health-checked");
  render(ctx.reporter, rollbackView, result);
  throwForOutcome(result.outcome, "rollback");
  return result;
}
