import type { CommandContext } from "../context.js";
import { parseColor } from "../core/color.js";
import { runHealthCheck, healthFailure, type ColorHealthResult } from "../ops/health/check.js";
import { parseHealthSettings, type RawHealthFlags } from "../ops/health/settings.js";
import { healthCheckView } from "../views/health-check.js";
import { render } from "../views/view.js";

/** Flags of `noveli health-check <blue|green>`. */
export interface HealthCheckOptions extends RawHealthFlags {
  /** The color to judge (positional). */
  color?: string;
}

export async function healthCheck(options: HealthCheckOptions, ctx: CommandContext): Promise<ColorHealthResult> {
  const color = parseColor(options.color, "the color to check");
  const settings = parseHealthSettings(options);
  const result = await runHealthCheck(ctx, { color, settings });
  render(ctx.reporter, healthCheckView, result);
  const failure = healthFailure(result);
  if (failure) throw failure;
  return result;
}
