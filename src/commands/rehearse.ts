import type { CommandContext } from "../context.js";
import { AbortError, OperationError, RolledBackError, UsageError } from "../errors.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { runRehearsal } from "../ops/rehearse/rehearse.js";

/** Flags of `noveli rehearse`. */
export interface RehearseCommandOptions {
  /** Destroy the environment at the end (emulator targets only). Default false. */
  teardown?: boolean;
  /** Release label for the deploy step, e.g. a commit id. Default: noveli's version. */
  release?: string;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
}

export async function rehearse(options: RehearseCommandOptions, ctx: CommandContext): Promise<void> {
  if (options.teardown && !ctx.globals.local && !ctx.globals.endpointUrl) {
    throw new UsageError("--teardown only applies to emulator targets (--local or --endpoint-url)");
  }
  const waitLockMs = parseWaitLock(options.waitLock);
  const result = await runRehearsal(ctx, { teardown: options.teardown === true, waitLockMs, ...(options.release ? { release: options.release } : {}) });
  ctx.reporter.result(
    { command: "rehearse", env: result.env, target: result.target, steps: result.steps.map(({ name, ok, seconds, detail }) => ({ name, ok, seconds: Math.round(seconds * 10) / 10, detail })), notRun: result.notRun, passed: result.passed },
    (lines, s) => {
      lines.push(s.bold(`Rehearsal of ${result.env} on ${result.target}`));
      const width = Math.max(...result.steps.map((step) => step.name.length), 8);
      for (const step of result.steps) {
        lines.push(`  ${step.ok ? s.green("✓") : s.red("✗")} ${step.name.padEnd(width)} ${`${step.seconds.toFixed(1)}s`.padStart(7)}  ${step.detail}`);
      }
      for (const name of result.notRun) lines.push(`  ${s.dim("·")} ${name.padEnd(width)} ${"".padStart(7)}  ${s.dim("not run")}`);
      lines.push(result.passed ? s.green("rehearsal passed") : s.red("rehearsal failed"));
    },
  );
  if (result.exitCode === 0) return;
  const failed = result.steps.find((step) => !step.ok);
  const message = failed ? `rehearsal stopped at ${failed.name}: ${failed.detail}` : "rehearsal interrupted";
  if (result.exitCode === 3) throw new RolledBackError(message);
  if (result.exitCode === 130) throw new AbortError(message);
  throw new OperationError("rehearsal-failed", message);
}
