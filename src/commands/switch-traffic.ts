import type { CommandContext } from "../context.js";
import { runTrafficChange, throwForOutcome, type TrafficChangeResult } from "../ops/traffic/run.js";
import { render } from "../views/view.js";
import { switchTrafficView } from "../views/traffic.js";
import { parseSwitchTraffic, type SwitchTrafficOptions } from "../ops/traffic/flags.js";

export type { SwitchTrafficOptions } from "../ops/traffic/flags.js";

/** Moves live traffic to a color: all at once or in canary steps, watched, rolled back when the watch trips. */
export async function switchTraffic(options: SwitchTrafficOptions, ctx: CommandContext): Promise<TrafficChangeResult> {
  const request = parseSwitchTraffic(options);
  const result = await runTrafficChange(ctx, request);
  render(ctx.reporter, switchTrafficView, result);
  throwForOutcome(result.outcome, `switch to ${request.to}`);
  return result;
}
