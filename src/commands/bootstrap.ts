import type { CommandContext } from "../context.js";
import { OperationError, UsageError } from "../errors.js";
import { runBootstrap, type BootstrapResult } from "../ops/bootstrap/bootstrap.js";
import { parseRepository } from "../state/github-oidc.js";
import { bootstrapView } from "../views/bootstrap.js";
import { render } from "../views/view.js";

/** Flags of `noveli bootstrap`. */
export interface BootstrapCommandOptions {
  /** Apply the settings an existing bucket or table lacks. Default false (report them, exit 1). */
  repair?: boolean;
  /** List what it would do; change nothing. Default false. */
  dryRun?: boolean;
  /** `owner/repo`: also a GitHub OIDC provider and a deploy role only that repository may assume. */
  githubOidc?: string;
}

export async function bootstrap(options: BootstrapCommandOptions, ctx: CommandContext): Promise<BootstrapResult> {
  let repository: string | undefined;
  if (options.githubOidc !== undefined) {
    repository = parseRepository(options.githubOidc);
    if (!repository) throw new UsageError(`--github-oidc needs a GitHub repository as owner/repo, got ${JSON.stringify(options.githubOidc)}`);
  }
  const result = await runBootstrap(ctx, { repair: options.repair === true, dryRun: options.dryRun === true, ...(repository ? { githubOidc: repository } : {}) });
  render(ctx.reporter, bootstrapView, result);
  if (result.outcome === "differs") {
    const repairable = result.differing.every((c) => c.repairable);
    throw new OperationError("bootstrap-differs", `${result.differing.map((c) => `${c.resource} ${c.name}: ${c.setting} is ${c.actual}`).join("; ")}`, {
      hint: repairable ? "noveli bootstrap --repair applies what is missing (it never deletes anything)" : "a table's key schema cannot be changed in place: rename or remove that table by hand",
    });
  }
  if (result.outcome === "blocked") throw new OperationError("bootstrap-blocked", result.reason ?? "the state bucket's name is taken");
  return result;
}
