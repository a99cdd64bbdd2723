import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";

export { IAMClient };

/** The IAM calls of `noveli bootstrap --github-oidc`, one small named function each. */

const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});
const isNoSuchEntity = (error: unknown) => error instanceof Error && error.name === "NoSuchEntityException";

export async function listOidcProviderArns(client: IAMClient, signal?: AbortSignal): Promise<string[]> {
  const out = await client.send(new ListOpenIDConnectProvidersCommand({}), opts(signal));
  return (out.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? "").filter((arn) => arn !== "");
}

export async function createOidcProvider(client: IAMClient, url: string, audience: string, signal?: AbortSignal): Promise<string> {
  const out = await client.send(
    new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [audience], Tags: [{ Key: "Project", Value: "noveli" }, { Key: "ManagedBy", Value: "noveli-bootstrap" }] }),
    opts(signal),
  );
  return out.OpenIDConnectProviderArn ?? "";
}

/** A role's ARN and trust policy (as IAM returns it, URL-encoded JSON); undefined when absent. */
export async function getRole(client: IAMClient, roleName: string, signal?: AbortSignal): Promise<{ arn: string; trustPolicy: string | undefined } | undefined> {
  try {
    const out = await client.send(new GetRoleCommand({ RoleName: roleName }), opts(signal));
    return { arn: out.Role?.Arn ?? "", trustPolicy: out.Role?.AssumeRolePolicyDocument };
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export async function createRole(client: IAMClient, roleName: string, trustPolicy: string, description: string, signal?: AbortSignal): Promise<string> {
  const out = await client.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trustPolicy, Description: description, MaxSessionDuration: 3_600, Tags: [{ Key: "Project", Value: "noveli" }, { Key: "ManagedBy", Value: "noveli-bootstrap" }] }),
    opts(signal),
  );
  return out.Role?.Arn ?? "";
}

export async function updateTrustPolicy(client: IAMClient, roleName: string, trustPolicy: string, signal?: AbortSignal): Promise<void> {
  await client.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trustPolicy }), opts(signal));
}

/** An inline policy's document (URL-encoded JSON); undefined when the role has none of that name. */
export async function getRolePolicy(client: IAMClient, roleName: string, policyName: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const out = await client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }), opts(signal));
    return out.PolicyDocument;
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export async function putRolePolicy(client: IAMClient, roleName: string, policyName: string, document: string, signal?: AbortSignal): Promise<void> {
  await client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }), opts(signal));
}
