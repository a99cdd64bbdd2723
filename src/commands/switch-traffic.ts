import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { Style } from "../output/style.js";
import { parseDuration } from "../ops/health/duration.js";
import type { HealthCheckSettings } from "../ops/health/run.js";
import { parseColor, parseHealthSettings } from "../ops/health/settings.js";
import { parseCanarySteps, renderPatch } from "../ops/traffic/planner.js";
import { runTrafficChange, throwForOutcome, type TrafficChangeResult } from "../ops/traffic/run.js";

/** Flags of `noveli switch-traffic <blue|green>`. */
export interface SwitchTrafficOptions extends TrafficChangeFlags {
  /** The color to send live traffic to (positional). */
  color?: string;
  /** Canary percentages, e.g. `10,50,100`; all at once when left out. */
  canary?: string;
  /** Time at each canary step, alarms and health polled meanwhile (duration). Default 60s. */
  interval?: string;
  /** Watch alarms and health for this long after the shift (duration). Default: no watch. */
  watch?: string;
  /** Poll interval of the watch (duration). Default 10s. */
  pollInterval?: string;
  /** commander's `--no-rollback` sets this to false: a tripped watch only reports. Default true. */
  rollback?: boolean;
}

/** Flags switch-traffic and rollback share: the dry run, the lock, and the health gate of the color taking traffic. */
export interface TrafficChangeFlags {
  /** Print the exact patch operations and change nothing. Default false. */
  dryRun?: boolean;
  /** Break a stale environment lock. Default false. */
  forceUnlock?: boolean;
  /** Health gate: consecutive successes needed. Default 5. */
  healthAttempts?: string;
  /** Health gate: wait between attempts (duration). Default 1s. */
  healthInterval?: string;
  /** Per-request timeout of health requests (duration). Default 5s. */
  healthTimeout?: string;
  /** Highest acceptable p95 latency of the target (ms or duration). Default 1500. */
  maxP95?: string;
}

/** Pure: the health gate's settings from its --health-* flags. */
export function parseGateSettings(options: TrafficChangeFlags): HealthCheckSettings {
  return parseHealthSettings(
    { attempts: options.healthAttempts, interval: options.healthInterval, timeout: options.healthTimeout, maxP95: options.maxP95 },
    "health-",
  );
}

const DEFAULT_STEP_INTERVAL_MS = 60_000;
const DEFAULT_POLL_MS = 10_000;

export async function switchTraffic(options: SwitchTrafficOptions, ctx: CommandContext): Promise<void> {
  const to = parseColor(options.color, "the color to switch to");
  const canary = options.canary !== undefined ? parseCanarySteps(options.canary) : undefined;
  if (options.interval !== undefined && !canary) throw new UsageError("--interval is the time at each canary step: use it with --canary");
  const stepIntervalMs = options.interval !== undefined ? parseDuration(options.interval, "--interval") : DEFAULT_STEP_INTERVAL_MS;
  const watchMs = options.watch !== undefined ? parseDuration(options.watch, "--watch") : 0;
  if (options.watch !== undefined && watchMs <= 0) throw new UsageError("--watch must be longer than 0s");
  const pollMs = options.pollInterval !== undefined ? parseDuration(options.pollInterval, "--poll-interval") : DEFAULT_POLL_MS;
  if (pollMs <= 0) throw new UsageError("--poll-interval must be longer than 0s");
  if (options.rollback === false && watchMs === 0 && !canary) throw new UsageError("--no-rollback only matters with --watch or --canary");
  const gateSettings = parseGateSettings(options);

  const result = await runTrafficChange(ctx, {
    operation: "switch",
    to,
    ...(canary ? { canary } : {}),
    stepIntervalMs,
    watchMs,
    pollMs,
    autoRollback: options.rollback !== false,
    healthGate: true,
    gateSettings,
    dryRun: options.dryRun === true,
    forceUnlock: options.forceUnlock === true,
  });
  renderTrafficResult(ctx, result, "switch");
  throwForOutcome(result.outcome, `switch to ${to}`);
}

/** The --json document (exactly the shape) and the human lines, shared with rollback. */
export function renderTrafficResult(ctx: CommandContext, result: TrafficChangeResult, verb: "switch" | "rollback"): void {
  const { outcome } = result;
  ctx.reporter.result(
    {
      env: result.env,
      from: outcome.from,
      to: outcome.to,
      steps: result.dryRun ?? outcome.steps,
      result: outcome.result,
      reason: outcome.reason,
    },
    (lines, s) => {
      if (result.dryRun) {
        lines.push(`Dry run (${result.env}): live is ${outcome.from ?? "unknown"}; ${verb} to ${outcome.to}`);
        if (result.dryRun.length === 0) lines.push("  nothing would change");
        result.dryRun.forEach((step, i) => {
          lines.push(`  ${i + 1}. ${step.title}`);
          lines.push(`     UpdateStage ${step.patchOperations.map(renderPatch).join(", ")}`);
        });
        return;
      }
      lines.push(headline(s, result));
      for (const step of outcome.steps) lines.push(`  ${step.status === "ok" ? s.green("✓") : s.red("✗")} ${step.name.padEnd(16)} ${step.detail}`);
    },
  );
}

function headline(s: Style, result: TrafficChangeResult): string {
  const { outcome, env } = result;
  switch (outcome.result) {
    case "switched":
      return outcome.exit === "success" ? s.green(`✓ ${env}: ${outcome.reason}`) : s.yellow(`! ${env}: ${outcome.reason}`);
    case "unchanged":
      return `${env}: ${outcome.reason}`;
    case "rolled-back":
      return s.yellow(`↩ ${env} rolled back: ${outcome.reason}`);
    case "refused":
      return s.red(`✗ ${env}: ${outcome.reason}`);
  }
}
