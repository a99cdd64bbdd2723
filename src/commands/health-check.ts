import type { CommandContext } from "../context.js";
import { OperationError } from "../errors.js";
import type { HealthReport } from "../ops/health/judge.js";
import { parseColor } from "../core/color.js";
import { parseHealthSettings, type RawHealthFlags } from "../ops/health/settings.js";
import { openTrafficEnvironment } from "../ops/traffic/environment.js";

/** Flags of `noveli health-check <blue|green>`. */
export interface HealthCheckOptions extends RawHealthFlags {
  /** The color to judge (positional). */
  color?: string;
}

export async function healthCheck(options: HealthCheckOptions, ctx: CommandContext): Promise<void> {
  const color = parseColor(options.color, "the color to check");
  const settings = parseHealthSettings(options);
  const environment = await openTrafficEnvironment(ctx);
  let report: HealthReport;
  let via: string;
  try {
    const subject = await environment.subject(color);
    via = subject.probe.via;
    report = await ctx.reporter.phase(`health-checking ${color} (${environment.env}) via ${subject.probe.kind === "http" ? subject.probe.via : "the local Lambda runner"}`, () =>
      environment.health(color, settings),
    );
  } finally {
    await environment.close();
  }

  ctx.reporter.result(
    {
      env: environment.env,
      color,
      healthy: report.healthy,
      checks: report.checks,
      p50Ms: report.p50Ms,
      p95Ms: report.p95Ms,
      version: report.version,
      codeSha256: report.codeSha256,
    },
    (lines, s) => {
      lines.push(report.healthy ? s.green(`✓ ${color} is healthy (${environment.env})`) : s.red(`✗ ${color} is UNHEALTHY (${environment.env})`));
      for (const check of report.checks) lines.push(`  ${check.ok ? s.green("✓") : s.red("✗")} ${check.name.padEnd(15)} ${check.detail}`);
      lines.push(s.dim(`  via ${via}`));
    },
  );
  if (!report.healthy) {
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    throw new OperationError("unhealthy", `${color} is unhealthy: ${failed.join(", ")} failed`);
  }
}
