import type { BootstrapResult } from "../ops/bootstrap/bootstrap.js";
import type { View } from "./view.js";

/** How `noveli bootstrap` shows the account's state bucket, operations table and what it did. */
export const bootstrapView: View<BootstrapResult> = {
  json: (result) => ({
    command: "bootstrap",
    outcome: result.outcome,
    accountId: result.account.accountId,
    region: result.account.region,
    stateBucket: result.account.bucket,
    opsTable: result.account.table,
    actions: result.actions,
    checks: result.checks,
    differing: result.differing,
    ...(result.deployRoleArn ? { deployRoleArn: result.deployRoleArn } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
  }),
  human: (result, s) => {
    const { account } = result;
    const lines: string[] = [];
    lines.push(`account ${account.accountId}, ${account.region} (${result.target})`);
    lines.push(`  state bucket     ${account.bucket}`);
    lines.push(`  operations table ${account.table}`);
    if (result.deployRoleArn) lines.push(`  deploy role      ${result.deployRoleArn}  (set it as the repository variable NOVELI_DEPLOY_ROLE_ARN)`);
    for (const check of result.checks) {
      lines.push(`  ${check.ok ? s.green("✓") : s.red("✗")} ${check.resource} ${check.setting}: ${check.ok ? check.actual : `${check.actual}, expected ${check.expected}${check.repairable ? "" : " (cannot be repaired)"}`}`);
    }
    const would = result.outcome === "dry-run";
    for (const action of result.actions) lines.push(`  ${would ? s.dim("would") : s.green("done")} ${action.resource} ${action.name}: ${action.action}`);
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
    return lines;
  },
};
