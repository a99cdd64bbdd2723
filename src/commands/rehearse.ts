import type { CommandContext } from "../context.js";
import { AbortError, OperationError, RolledBackError, UsageError } from "../errors.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { runRehearsal, type RehearsalResult } from "../ops/rehearse/rehearse.js";
import { targetFlags } from "../views/deploy.js";
import { rehearsalStepLines, rehearseView } from "../views/rehearse.js";
import { render } from "../views/view.js";

/** Flags of `noveli rehearse`. */
export interface RehearseCommandOptions {
  /** Destroy the environment at the end (emulator targets only). Default false. */
  teardown?: boolean;
  /** Release label for the deploy step, e.g. a commit id. Default: noveli's version. */
  release?: string;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
}

export async function rehearse(options: RehearseCommandOptions, ctx: CommandContext): Promise<RehearsalResult> {
  if (options.teardown && !ctx.globals.local && !ctx.globals.endpointUrl) {
    throw new UsageError("--teardown only applies to emulator targets (--local or --endpoint-url)");
  }
  const waitLockMs = parseWaitLock(options.waitLock);
  const flags = targetFlags(ctx.globals);
  const result = await runRehearsal(
    ctx,
    { teardown: options.teardown === true, waitLockMs, ...(options.release ? { release: options.release } : {}) },
    {
      // Each passed step's result, as its own command shows it, indented under the step's heading (stderr).
      stepPassed: (step) => {
        for (const line of rehearsalStepLines(step, ctx.reporter.style, flags)) ctx.reporter.info(`   ${line}`);
      },
    },
  );
  render(ctx.reporter, rehearseView, result);
  if (result.exitCode === 0) return result;
  const failed = result.steps.find((step) => !step.ok);
  const message = failed ? `rehearsal stopped at ${failed.name}: ${failed.detail}` : "rehearsal interrupted";
  if (result.exitCode === 3) throw new RolledBackError(message);
  if (result.exitCode === 130) throw new AbortError(message);
  throw new OperationError("rehearsal-failed", message);
}
