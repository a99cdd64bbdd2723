import type { Color } from "../../core/color.js";
import type { Environment } from "../../core/environment.js";
import type { CommandContext } from "../../context.js";
import { OperationError, type NoveliError } from "../../errors.js";
import { openTrafficEnvironment } from "../traffic/environment.js";
import type { HealthReport } from "./judge.js";
import type { HealthCheckSettings } from "./run.js";

/** What `noveli health-check` judges: one color with these settings. */
export interface HealthCheckInput {
  color: Color;
  settings: HealthCheckSettings;
}

/** The verdict on one color, and where it was asked. */
export interface ColorHealthResult extends HealthReport {
  env: Environment;
  /** The URL probed, or the local Lambda runner on the embedded emulator. */
  via: string;
}

/** Judges one color of the environment: its health endpoint, the deep check, the code it runs. Read-only. */
export async function runHealthCheck(ctx: CommandContext, input: HealthCheckInput): Promise<ColorHealthResult> {
  const { color, settings } = input;
  const environment = await openTrafficEnvironment(ctx);
  try {
    const subject = await environment.subject(color);
    const report = await ctx.reporter.phase(
      `health-checking ${color} (${environment.env}) via ${subject.probe.kind === "http" ? subject.probe.via : "the local Lambda runner"}`,
      () => environment.health(color, settings),
    );
    return { ...report, env: environment.env, via: subject.probe.via };
  } finally {
    await environment.close();
  }
}

/** Why the verdict fails `noveli health-check` (and the rehearsal's health steps), exit 1: the checks that failed; undefined when healthy. */
export function healthFailure(result: ColorHealthResult): NoveliError | undefined {
  if (result.healthy) return undefined;
  const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
  return new OperationError("unhealthy", `${result.color} is unhealthy: ${failed.join(", ")} failed`);
}
