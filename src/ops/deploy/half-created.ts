import { CognitoIdentityProviderClient, adminDeleteUser } from "../../aws/cognito.js";
import { createClient } from "../../aws/clients.js";
import type { Target } from "../../core/target.js";

/**
 * What a first apply that was killed can leave created in the account but not recorded in the
 * state: the call that creates it went out, the state write after it never happened. Terraform
 * cannot adopt such a resource and fails creating it again ("already exists"). Most resources get
 * names Terraform picks or ids AWS picks, so a retry creates a second one beside the first; the
 * synthetic check user has a fixed name in its pool, so its retry is refused. That user holds no
 * data (its password is in a secret Terraform also creates), so completing the deploy removes the
 * unrecorded one and lets Terraform create it again.
 */

/** The synthetic check user's name: local.synthetic_username in terraform/modules/noveli/cognito.tf. */
export const SYNTHETIC_USERNAME = "noveli-synthetic-check";
export const SYNTHETIC_USER_ADDRESS = "module.noveli.aws_cognito_user.synthetic";
const USER_POOL_ADDRESS = { module: "module.noveli", type: "aws_cognito_user_pool", name: "users" };

interface StateResource {
  module?: string;
  mode?: string;
  type?: string;
  name?: string;
  instances?: { attributes?: { id?: unknown } }[];
}

/**
 * Pure: the user pool id when the state records the pool but not the synthetic user (a first
 * apply stopped between the two); undefined otherwise.
 */
export function unrecordedSyntheticUserPool(stateText: string | undefined): string | undefined {
  if (!stateText) return undefined;
  let resources: StateResource[];
  try {
    resources = ((JSON.parse(stateText) as { resources?: StateResource[] }).resources ?? []).filter((r) => r.mode === "managed");
  } catch {
    return undefined;
  }
  const at = (type: string, name: string) => resources.find((r) => r.module === USER_POOL_ADDRESS.module && r.type === type && r.name === name);
  if (at("aws_cognito_user", "synthetic")?.instances?.length) return undefined;
  const id = at(USER_POOL_ADDRESS.type, USER_POOL_ADDRESS.name)?.instances?.[0]?.attributes?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Removes the synthetic user a killed first apply created without recording it; true when there was one. */
export async function removeUnrecordedSyntheticUser(target: Target, region: string, userPoolId: string, signal?: AbortSignal): Promise<boolean> {
  const cognito = createClient(CognitoIdentityProviderClient, target, { region });
  try {
    return await adminDeleteUser(cognito, userPoolId, SYNTHETIC_USERNAME, signal);
  } finally {
    cognito.destroy();
  }
}
