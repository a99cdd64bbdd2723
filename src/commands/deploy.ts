import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { renderPlanSummary } from "../ops/deploy/plan-summary.js";
import { runDeploy } from "../ops/deploy/deploy.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { isColor } from "../core/color.js";

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

export async function deploy(options: DeployCommandOptions, ctx: CommandContext): Promise<void> {
  if (options.color !== undefined && !isColor(options.color)) {
    throw new UsageError(`--color must be blue or green, got ${JSON.stringify(options.color)}`);
  }
  if (options.release !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(options.release)) {
    throw new UsageError("--release must be 1 to 64 letters, digits, dots, dashes, underscores or pluses (e.g. a version or commit id)");
  }
  if (options.dryRun && options.planOnly) throw new UsageError("--dry-run and --plan-only cannot be used together");
  const result = await runDeploy(ctx, {
    ...(isColor(options.color) ? { color: options.color } : {}),
    allowDestroy: options.allowDestroy === true,
    planOnly: options.planOnly === true,
    dryRun: options.dryRun === true,
    waitLockMs: parseWaitLock(options.waitLock),
    ...(options.release !== undefined ? { release: options.release } : {}),
  });
  const outputs = result.outputs;
  ctx.reporter.result(
    {
      command: "deploy",
      env: result.env,
      color: result.color,
      version: result.version,
      lambdaVersion: result.lambdaVersion,
      codeSha256: result.codeSha256,
      plan: result.plan,
      applied: result.applied,
      outcome: result.outcome,
      firstDeploy: result.firstDeploy,
      liveColor: result.liveColor ?? null,
      liveUrl: outputs?.stageInvokeUrls.live ?? null,
      completedPartial: result.completedPartial === true,
      outputs,
      ...(result.summary ? { changes: result.summary.changes } : {}),
      ...(result.commands ? { commands: result.commands } : {}),
    },
    (lines, s) => {
      if (result.commands) {
        lines.push(`Dry run for ${result.env} → ${result.color} (${result.colorReason}); these would run:`);
        for (const command of result.commands) lines.push(`  ${command}`);
        return;
      }
      // An applied plan was shown on stderr before the apply; the result says what it did.
      if (result.summary && result.outcome !== "applied") lines.push(...renderPlanSummary(result.summary));
      if (result.outcome !== "applied") {
        lines.push(
          result.outcome === "no-changes"
            ? `no changes: ${result.env} is up to date`
            : result.outcome === "plan-only"
              ? `plan only: nothing applied`
              : `not applied: confirmation declined`,
        );
        return;
      }
      const p = result.plan;
      lines.push(
        s.green(`✓ deployed ${result.env}: new code on ${s.bold(result.color)} (Lambda version ${result.lambdaVersion ?? "?"}, code ${result.codeSha256})`) +
          ` ${s.dim(`${p.add} added, ${p.change} changed, ${p.replace} replaced, ${p.destroy} destroyed`)}`,
      );
      if (result.completedPartial) lines.push(`  completed the deploy that had stopped before it finished`);
      if (outputs) lines.push(`  live API: ${s.bold(outputs.stageInvokeUrls.live)}`);
      const flags = `--env ${result.env}${targetFlags(ctx)}`;
      if (result.firstDeploy) {
        lines.push(`  both colors run this code; live serves blue`);
        lines.push(`  next: noveli health-check blue ${flags}`);
      } else {
        if (result.liveColor === result.color) {
          lines.push(s.yellow(`  ${result.color} is the LIVE color: its new code already serves traffic`));
          lines.push(`  next: noveli health-check ${result.color} ${flags}`);
        } else {
          lines.push(`  live traffic is unchanged: it stays on ${result.liveColor ?? "the other color"}`);
          lines.push(`  next: noveli health-check ${result.color} ${flags}, then noveli switch-traffic ${result.color} ${flags}`);
        }
      }
    },
  );
}

/** The target flags a follow-up command needs to reach the same place. */
function targetFlags(ctx: CommandContext): string {
  if (ctx.globals.local) return " --local";
  if (ctx.globals.endpointUrl && ctx.globals.endpointSource === "flag") return ` --endpoint-url ${ctx.globals.endpointUrl}`;
  return `${ctx.globals.region ? ` --region ${ctx.globals.region}` : ""}${ctx.globals.profile ? ` --profile ${ctx.globals.profile}` : ""}`;
}
