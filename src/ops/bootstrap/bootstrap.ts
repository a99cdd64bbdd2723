import type { CommandContext } from "../../context.js";
import { describeTarget } from "../../aws/target.js";
import { opsClientFor, resolveAccount, s3ClientFor } from "../../state/account.js";
import { decideBootstrap, planBootstrap, type SettingCheck } from "../../state/bootstrap-plan.js";
import { actionsFor, applyBootstrap, observeBucket, observeTable, type AccountResources, type BootstrapAction } from "../../state/bootstrap.js";

/** Options of `noveli bootstrap`. */
export interface BootstrapOptions {
  /** Apply what is missing on an existing bucket or table. Default false: report it and exit 1. */
  repair: boolean;
  /** List what it would do and change nothing. Default false. */
  dryRun: boolean;
}

export interface BootstrapResult {
  target: string;
  account: AccountResources;
  /**
   * created/repaired: changes were made · unchanged: everything was already in place ·
   * differs: an existing resource's settings differ (exit 1; --repair applies them) ·
   * blocked: the bucket name is taken by someone else · dry-run: nothing was changed.
   */
  outcome: "created" | "repaired" | "unchanged" | "differs" | "blocked" | "dry-run";
  /** What was done (or, with --dry-run, would be done). */
  actions: BootstrapAction[];
  /** Every setting of the resources that already existed. */
  checks: SettingCheck[];
  /** The settings that differ and were not (or cannot be) repaired. */
  differing: SettingCheck[];
  reason?: string;
}

/** Prepares the target's account and region: the state bucket and the operations table. Idempotent; never deletes. */
export async function runBootstrap(ctx: CommandContext, options: BootstrapOptions): Promise<BootstrapResult> {
  // Bootstrap prepares a target, so --local starts the emulator when none runs, as deploy does.
  const target = await ctx.target({ startEmulator: true });
  const account = await resolveAccount(target, ctx.signal);
  const s3 = s3ClientFor(target, account.region);
  const dynamodb = opsClientFor(target, account.region);
  try {
    const [bucket, table] = await Promise.all([observeBucket(s3, account.bucket, ctx.signal), observeTable(dynamodb, account.table, ctx.signal)]);
    const plan = planBootstrap({ bucket, table, emulator: account.emulator, tlsOnlyPolicy: account.tlsOnlyPolicy });
    const verdict = decideBootstrap(plan, { repair: options.repair });
    const base = { target: describeTarget(target), account, checks: plan.checks };
    switch (verdict.kind) {
      case "blocked":
        return { ...base, outcome: "blocked", actions: [], differing: [], reason: verdict.reason };
      case "unchanged":
        return { ...base, outcome: options.dryRun ? "dry-run" : "unchanged", actions: [], differing: [] };
      case "differs": {
        // A dry run still shows what --repair would do about the repairable ones.
        const repairable = verdict.differing.filter((c) => c.repairable);
        const actions = options.dryRun ? actionsFor(account, plan.create, options.repair ? [] : repairable) : [];
        return { ...base, outcome: options.dryRun ? "dry-run" : "differs", actions, differing: verdict.differing };
      }
      case "apply": {
        if (options.dryRun) return { ...base, outcome: "dry-run", actions: actionsFor(account, verdict.create, verdict.repair), differing: verdict.repair };
        const actions = await applyBootstrap(account, verdict.create, verdict.repair, { s3, dynamodb, signal: ctx.signal });
        return { ...base, outcome: verdict.create.length > 0 ? "created" : "repaired", actions, differing: [] };
      }
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}
