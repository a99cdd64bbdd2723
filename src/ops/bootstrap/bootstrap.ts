import type { CommandContext } from "../../context.js";
import { createClient } from "../../aws/clients.js";
import { describeTarget } from "../../core/target.js";
import { applyDeployRole, deployRoleActions, observeDeployRole } from "../../state/deploy-role.js";
import { opsClientFor, resolveAccount, s3ClientFor } from "../../state/account.js";
import { decideBootstrap, planBootstrap, type BootstrapVerdict, type SettingCheck } from "../../state/bootstrap-plan.js";
import { actionsFor, applyBootstrap, observeBucket, observeTable, type AccountResources, type BootstrapAction } from "../../state/bootstrap.js";

/** Options of `noveli bootstrap`. */
export interface BootstrapOptions {
  /** Apply what is missing on an existing bucket or table. Default false: report it and exit 1. */
  repair: boolean;
  /** List what it would do and change nothing. Default false. */
  dryRun: boolean;
  /** `owner/repo`: also the GitHub OIDC provider and a deploy role only that repository can assume. Default: none. */
  githubOidc?: string;
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
  /** With --github-oidc: the deploy role's ARN, for vars.NOVELI_DEPLOY_ROLE_ARN. */
  deployRoleArn?: string;
  reason?: string;
}

/** Prepares the target's account and region: the state bucket and the operations table. Idempotent; never deletes. */
export async function runBootstrap(ctx: CommandContext, options: BootstrapOptions): Promise<BootstrapResult> {
  // Bootstrap prepares a target, so --local starts the emulator when none runs, as deploy does.
  const target = await ctx.target({ startEmulator: true });
  const account = await resolveAccount(target, ctx.signal);
  const s3 = s3ClientFor(target, account.region);
  const dynamodb = opsClientFor(target, account.region);
  const iamModule = options.githubOidc ? await import("../../aws/iam.js") : undefined;
  const iam = iamModule ? createClient(iamModule.IAMClient, target, { region: account.region }) : undefined;
  try {
    const [bucket, table] = await Promise.all([observeBucket(s3, account.bucket, ctx.signal), observeTable(dynamodb, account.table, ctx.signal)]);
    const plan = planBootstrap({ bucket, table, emulator: account.emulator, tlsOnlyPolicy: account.tlsOnlyPolicy });
    const role = iam && options.githubOidc ? await observeDeployRole(iam, account, options.githubOidc, ctx.signal) : undefined;
    const checks = [...plan.checks, ...(role?.checks ?? [])];
    const base = { target: describeTarget(target), account, checks };
    const decided = decideBootstrap({ ...plan, checks }, { repair: options.repair });
    // A missing OIDC provider or role is a creation, like a missing bucket.
    const roleMissing = role !== undefined && (!role.providerExists || !role.role);
    const verdict: BootstrapVerdict = decided.kind === "unchanged" && roleMissing ? { kind: "apply", create: [], repair: [] } : decided;
    const roleArn = role?.role?.arn;
    const withRole = roleArn ? { deployRoleArn: roleArn } : {};
    switch (verdict.kind) {
      case "blocked":
        return { ...base, outcome: "blocked", actions: [], differing: [], reason: verdict.reason };
      case "unchanged":
        return { ...base, ...withRole, outcome: options.dryRun ? "dry-run" : "unchanged", actions: role ? deployRoleActions(role, false) : [], differing: [] };
      case "differs": {
        // A dry run still shows what --repair would do about the repairable ones.
        const repairable = verdict.differing.filter((c) => c.repairable);
        const actions = options.dryRun && !options.repair ? [...actionsFor(account, plan.create, repairable), ...(role ? deployRoleActions(role, true) : [])] : [];
        return { ...base, ...withRole, outcome: options.dryRun ? "dry-run" : "differs", actions, differing: verdict.differing };
      }
      case "apply": {
        const storageRepair = verdict.repair.filter((c) => c.resource !== "role");
        const planned = [...actionsFor(account, verdict.create, storageRepair), ...(role ? deployRoleActions(role, options.repair) : [])];
        if (options.dryRun) return { ...base, ...withRole, outcome: "dry-run", actions: planned, differing: verdict.repair };
        await applyBootstrap(account, verdict.create, storageRepair, { s3, dynamodb, signal: ctx.signal });
        const arn = iam && role ? await applyDeployRole(iam, role, options.repair, ctx.signal) : undefined;
        const created = verdict.create.length > 0 || roleMissing;
        return { ...base, ...(arn ? { deployRoleArn: arn } : {}), outcome: created ? "created" : "repaired", actions: planned, differing: [] };
      }
      default: {
        const unknown: never = verdict;
        throw new Error(`unknown bootstrap verdict ${JSON.stringify(unknown)}`);
      }
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
    iam?.destroy();
  }
}
