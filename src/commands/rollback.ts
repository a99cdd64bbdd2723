import type { CommandContext } from "../context.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { runTrafficChange, throwForOutcome } from "../ops/traffic/run.js";
import { parseGateSettings, renderTrafficResult, type TrafficChangeFlags } from "./switch-traffic.js";

/** Flags of `noveli rollback`. */
export interface RollbackOptions extends TrafficChangeFlags {
  /** Skip the health check of the previous color. Default false. */
  force?: boolean;
}

/**
 * Back to the previous color at once: the other color, or (under an unfinished canary) the stable
 * one with the canary removed. Health-checks it first unless --force.
 */
export async function rollback(options: RollbackOptions, ctx: CommandContext): Promise<void> {
  const gateSettings = parseGateSettings(options);
  const result = await runTrafficChange(ctx, {
    operation: "rollback",
    stepIntervalMs: 0,
    watchMs: 0,
    pollMs: 1_000,
    autoRollback: true,
    healthGate: options.force !== true,
    gateSettings,
    dryRun: options.dryRun === true,
    waitLockMs: parseWaitLock(options.waitLock),
  });
  if (options.force) ctx.reporter.debug("--force: the previous color was not health-checked");
  renderTrafficResult(ctx, result, "rollback");
  throwForOutcome(result.outcome, "rollback");
}
