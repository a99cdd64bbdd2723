import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { runDeploy, type DeployResult } from "../ops/deploy/deploy.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { checkReleaseLabel } from "../ops/deploy/release.js";
import { isColor } from "../core/color.js";
import { deployView, targetFlags } from "../views/deploy.js";
import { render } from "../views/view.js";

/** Flags of `noveli deploy`. */
export interface DeployCommandOptions {
  /** Deploy to this color instead of the idle one. */
  color?: string;
  /** Allow deleting or replacing the story table or the KMS key. Default false. */
  allowDestroy?: boolean;
  /** Stop after the plan summary. Default false. */
  planOnly?: boolean;
  /** Print the commands it would run; run none. Default false. */
  dryRun?: boolean;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
  /** Release label recorded as APP_VERSION. Default: noveli's package version. */
  release?: string;
}

export async function deploy(options: DeployCommandOptions, ctx: CommandContext): Promise<DeployResult> {
  if (options.color !== undefined && !isColor(options.color)) {
    throw new UsageError(`--color must be blue or green, got ${JSON.stringify(options.color)}`);
  }
  if (options.release !== undefined) checkReleaseLabel(options.release);
  if (options.dryRun && options.planOnly) throw new UsageError("--dry-run and --plan-only cannot be used together");
  const result = await runDeploy(ctx, {
    ...(isColor(options.color) ? { color: options.color } : {}),
    allowDestroy: options.allowDestroy === true,
    planOnly: options.planOnly === true,
    dryRun: options.dryRun === true,
    waitLockMs: parseWaitLock(options.waitLock),
    ...(options.release !== undefined ? { release: options.release } : {}),
  });
  render(ctx.reporter, deployView(targetFlags(ctx.globals)), result);
  return result;
}
