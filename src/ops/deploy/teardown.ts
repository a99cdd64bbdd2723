import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isEmulatorTarget } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { UsageError } from "../../errors.js";
import { recordHistory, withLease } from "../../state/lease-scope.js";
import { packageVersion } from "../../core/version.js";
import { openAccount } from "../../state/account.js";
import { readStateObject } from "../../terraform/environment.js";
import { terraformDestroy, terraformInit } from "../../terraform/runner.js";
import { prepareWorkspace, terraformCall, trustVerifiedProviders } from "../../terraform/workspace.js";

/**
 * Destroys an environment on an emulator target (rehearse --teardown). Real AWS environments are
 * never torn down by noveli: that is a decision for a person with the console, not a flag.
 */
export async function runTeardown(ctx: CommandContext): Promise<{ destroyed: boolean }> {
  const env = ctx.environment();
  const target = await ctx.target();
  if (!isEmulatorTarget(target)) throw new UsageError("teardown only runs on emulator targets (--local or --endpoint-url)");
  return withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, command: `teardown ${env}` }, async ({ store }) => {
    const account = await openAccount({ target, env, reporter: ctx.reporter, signal: ctx.signal });
    // The bucket and the operations table are the account's, not the environment's: never destroyed here.
    if ((await readStateObject(target, account, env, ctx.signal)) === undefined) return { destroyed: false };
    const workspace = prepareWorkspace({ stateDir: ctx.stateDir, env, target, reporter: ctx.reporter, account });
    const call = terraformCall(workspace, ctx.reporter, ctx.signal);
    await terraformInit(call, workspace.backendConfig);
    trustVerifiedProviders(workspace);
    // Destroy evaluates the configuration too: it needs a package path that exists.
    const varFile = path.join(workspace.planDir, "teardown.tfvars.json");
    writeFileSync(varFile, JSON.stringify({ lambda_package_path: anyPackage(ctx.stateDir), target_color: "blue", alias_versions: {}, app_version: packageVersion(), emulator: true, region: target.region }, null, 2));
    await ctx.reporter.phase(`terraform destroy (${env})`, () => terraformDestroy(call, varFile));
    await recordHistory(store, env, ctx.reporter, { type: "teardown", outcome: "destroyed" });
    return { destroyed: true };
  });
}

function anyPackage(stateDir: string): string {
  const current = path.join(stateDir, "artifacts", "story-generator.zip");
  if (existsSync(current)) return current;
  const keptDir = path.join(stateDir, "artifacts", "deployed");
  const kept = existsSync(keptDir) ? readdirSync(keptDir).filter((f) => f.endsWith(".zip")) : [];
  if (kept[0]) return path.join(keptDir, kept[0]);
  throw new UsageError("no Lambda package to hand terraform destroy: run noveli deploy once, or npm run package");
}
