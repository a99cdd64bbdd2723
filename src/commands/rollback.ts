import type { CommandContext } from "../context.js";
import { parseHealthSettings } from "../ops/health/settings.js";
import { runTrafficChange, throwForOutcome } from "../ops/traffic/run.js";
import { renderTrafficResult } from "./switch-traffic.js";

/** Flags of `noveli rollback`. */
export interface RollbackOptions {
  /** Skip the health check of the previous color. Default false. */
  force?: boolean;
  /** Print the exact patch operations and change nothing. Default false. */
  dryRun?: boolean;
  /** Break a stale environment lock. Default false. */
  forceUnlock?: boolean;
  /** Health check: consecutive successes needed. Default 5. */
  healthAttempts?: string;
  /** Health check: wait between attempts (duration). Default 1s. */
  healthInterval?: string;
  /** Per-request timeout of health requests (duration). Default 5s. */
  healthTimeout?: string;
  /** Highest acceptable p95 latency (ms or duration). Default 1500. */
  maxP95?: string;
}

/**
 * Back to the previous color at once: the other color, or (under an unfinished canary) the stable
 * one with the canary removed. Health-checks it first unless --force.
 */
export async function rollback(options: RollbackOptions, ctx: CommandContext): Promise<void> {
  const gateSettings = parseHealthSettings(
    { attempts: options.healthAttempts, interval: options.healthInterval, timeout: options.healthTimeout, maxP95: options.maxP95 },
    "health-",
  );
  const result = await runTrafficChange(ctx, {
    operation: "rollback",
    stepIntervalMs: 0,
    watchMs: 0,
    pollMs: 1_000,
    autoRollback: true,
    healthGate: options.force !== true,
    gateSettings,
    dryRun: options.dryRun === true,
    forceUnlock: options.forceUnlock === true,
  });
  if (options.force) ctx.reporter.debug("--force: the previous color was not health-checked");
  renderTrafficResult(ctx, result, "rollback");
  throwForOutcome(result.outcome, "rollback");
}
