import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { runBootstrap } from "../ops/bootstrap/bootstrap.js";
import { parseRepository } from "../state/github-oidc.js";

/** Flags of `noveli bootstrap`. */
export interface BootstrapCommandOptions {
  /** Apply the settings an existing bucket or table lacks. Default false (report them, exit 1). */
  repair?: boolean;
  /** List what it would do; change nothing. Default false. */
  dryRun?: boolean;
  /** `owner/repo`: also a GitHub OIDC provider and a deploy role only that repository may assume. */
  githubOidc?: string;
}

export async function bootstrap(options: BootstrapCommandOptions, ctx: CommandContext): Promise<void> {
  let repository: string | undefined;
  if (options.githubOidc !== undefined) {
    repository = parseRepository(options.githubOidc);
    if (!repository) throw new UsageError(`--github-oidc needs a GitHub repository as owner/repo, got ${JSON.stringify(options.githubOidc)}`);
  }
  const result = await runBootstrap(ctx, { repair: options.repair === true, dryRun: options.dryRun === true, ...(repository ? { githubOidc: repository } : {}) });
  const { account } = result;
  ctx.reporter.result(
    {
      command: "bootstrap",
      outcome: result.outcome,
      accountId: account.accountId,
      region: account.region,
      stateBucket: account.bucket,
      opsTable: account.table,
      actions: result.actions,
      checks: result.checks,
      differing: result.differing,
      ...(result.deployRoleArn ? { deployRoleArn: result.deployRoleArn } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
    },
    (lines, s) => {
      lines.push(`account ${account.accountId}, ${account.region} (${result.target})`);
      lines.push(`  state bucket     ${account.bucket}`);
      lines.push(`  operations table ${account.table}`);
      if (result.deployRoleArn) lines.push(`  deploy role      ${result.deployRoleArn}  (set it as the repository variable NOVELI_DEPLOY_ROLE_ARN)`);
      for (const check of result.checks) {
        lines.push(`  ${check.ok ? s.green("✓") : s.red("✗")} ${check.resource} ${check.setting}: ${check.ok ? check.actual : `${check.actual}, expected ${check.expected}${check.repairable ? "" : " (cannot be repaired)"}`}`);
      }
      const verb = result.outcome === "dry-run" ? "would" : "did";
      for (const action of result.actions) lines.push(`  ${verb === "would" ? s.dim("would") : s.green("done")} ${action.resource} ${action.name}: ${action.action}`);
      switch (result.outcome) {
        case "unchanged":
          lines.push(s.green("✓ already bootstrapped: nothing to change"));
          break;
        case "created":
        case "repaired":
          lines.push(s.green(`✓ bootstrapped (${result.actions.length} change(s))`));
          break;
        case "differs":
          lines.push(s.red(`✗ ${result.differing.length} setting(s) differ from what noveli needs`));
          break;
        case "dry-run":
          lines.push(result.actions.length === 0 && result.differing.length === 0 ? "dry run: already bootstrapped, nothing would change" : "dry run: nothing changed");
          break;
        case "blocked":
          lines.push(s.red(`✗ ${result.reason ?? "blocked"}`));
          break;
      }
    },
  );
  if (result.outcome === "differs") {
    const repairable = result.differing.every((c) => c.repairable);
    throw new OperationError("bootstrap-differs", `${result.differing.map((c) => `${c.resource} ${c.name}: ${c.setting} is ${c.actual}`).join("; ")}`, {
      hint: repairable ? "noveli bootstrap --repair applies what is missing (it never deletes anything)" : "a table's key schema cannot be changed in place: rename or remove that table by hand",
    });
  }
  if (result.outcome === "blocked") throw new OperationError("bootstrap-blocked", result.reason ?? "the state bucket's name is taken");
}
