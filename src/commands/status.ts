import type { CommandContext } from "../context.js";
import { readEnvironmentStatus, type EnvironmentStatus } from "../ops/traffic/status.js";
import { statusView } from "../views/status.js";
import { render } from "../views/view.js";

/** `noveli status` takes only the global options (--env, target, --json). */
export type StatusOptions = Record<string, never>;

export async function status(_options: StatusOptions, ctx: CommandContext): Promise<EnvironmentStatus> {
  const report = await ctx.reporter.phase(`reading the state of ${ctx.environment()}`, () => readEnvironmentStatus(ctx));
  render(ctx.reporter, statusView(new Date()), report);
  return report;
}
