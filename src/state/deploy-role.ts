import { createOidcProvider, createRole, getRole, getRolePolicy, listOidcProviderArns, putRolePolicy, updateTrustPolicy, type IAMClient } from "../aws/iam.js";
import type { SettingCheck } from "./bootstrap-plan.js";
import type { AccountResources, BootstrapAction } from "./bootstrap.js";
import {
  DEPLOY_POLICY_NAME,
  DEPLOY_ROLE_NAME,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_URL,
  deployPolicy,
  oidcProviderArn,
  samePolicy,
  trustPolicy,
} from "./github-oidc.js";

/**
 * `noveli bootstrap --github-oidc <owner/repo>`: the GitHub OIDC provider and the deploy role, read
 * and compared with what noveli needs, created when missing, repaired with --repair. Never deleted.
 */

export interface DeployRolePlan {
  roleName: string;
  providerArn: string;
  providerExists: boolean;
  role: { arn: string; trustPolicy: string | undefined } | undefined;
  /** Settings of a role that already exists. */
  checks: SettingCheck[];
  trust: object;
  permissions: object;
}

export async function observeDeployRole(iam: IAMClient, account: AccountResources, repository: string, signal?: AbortSignal): Promise<DeployRolePlan> {
  const providerArn = oidcProviderArn(account.partition, account.accountId);
  const providers = await listOidcProviderArns(iam, signal);
  const role = await getRole(iam, DEPLOY_ROLE_NAME, signal);
  const trust = trustPolicy(providerArn, repository);
  const permissions = deployPolicy(account);
  const checks: SettingCheck[] = [];
  if (role) {
    const inline = await getRolePolicy(iam, DEPLOY_ROLE_NAME, DEPLOY_POLICY_NAME, signal);
    const trusted = samePolicy(role.trustPolicy, trust);
    checks.push(
      { resource: "role", name: DEPLOY_ROLE_NAME, setting: "trust-policy", expected: `only repo:${repository}:* through ${GITHUB_OIDC_HOST}`, actual: trusted ? `only repo:${repository}:*` : "another trust policy", ok: trusted, repairable: true },
      { resource: "role", name: DEPLOY_ROLE_NAME, setting: "permissions", expected: `inline policy ${DEPLOY_POLICY_NAME} as noveli needs it`, actual: inline === undefined ? "missing" : samePolicy(inline, permissions) ? "as needed" : "different", ok: samePolicy(inline, permissions), repairable: true },
    );
  }
  return { roleName: DEPLOY_ROLE_NAME, providerArn, providerExists: providers.some((arn) => arn.endsWith(`oidc-provider/${GITHUB_OIDC_HOST}`)), role, checks, trust, permissions };
}

/** Pure: what applying the plan does (creations, and the repairs asked for). */
export function deployRoleActions(plan: DeployRolePlan, repair: boolean): BootstrapAction[] {
  const actions: BootstrapAction[] = [];
  if (!plan.providerExists) actions.push({ resource: "oidc-provider", name: GITHUB_OIDC_HOST, action: `create the OIDC provider ${GITHUB_OIDC_URL} (audience ${GITHUB_OIDC_AUDIENCE})` });
  if (!plan.role) {
    actions.push({ resource: "role", name: plan.roleName, action: "create the role, assumable only by that repository's workflows" });
    actions.push({ resource: "role", name: plan.roleName, action: `attach the inline policy ${DEPLOY_POLICY_NAME}` });
    return actions;
  }
  if (!repair) return actions;
  for (const check of plan.checks.filter((c) => !c.ok)) {
    actions.push({ resource: "role", name: plan.roleName, action: check.setting === "trust-policy" ? "replace the trust policy" : `put the inline policy ${DEPLOY_POLICY_NAME}` });
  }
  return actions;
}

/** Applies the plan; returns the role's ARN. */
export async function applyDeployRole(iam: IAMClient, plan: DeployRolePlan, repair: boolean, signal?: AbortSignal): Promise<string> {
  if (!plan.providerExists) await createOidcProvider(iam, GITHUB_OIDC_URL, GITHUB_OIDC_AUDIENCE, signal);
  const trust = JSON.stringify(plan.trust);
  const permissions = JSON.stringify(plan.permissions);
  if (!plan.role) {
    const arn = await createRole(iam, plan.roleName, trust, "noveli deploys from GitHub Actions (noveli bootstrap --github-oidc)", signal);
    await putRolePolicy(iam, plan.roleName, DEPLOY_POLICY_NAME, permissions, signal);
    return arn;
  }
  if (repair) {
    for (const check of plan.checks.filter((c) => !c.ok)) {
      if (check.setting === "trust-policy") await updateTrustPolicy(iam, plan.roleName, trust, signal);
      else await putRolePolicy(iam, plan.roleName, DEPLOY_POLICY_NAME, permissions, signal);
    }
  }
  return plan.role.arn;
}
