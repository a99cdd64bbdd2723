import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { OperationError } from "../errors.js";

export { STSClient };

/** Who the credentials belong to: the account id and the caller's ARN. */
export interface CallerIdentity {
  account: string;
  arn: string;
}

export async function getCallerIdentity(client: STSClient, signal?: AbortSignal): Promise<CallerIdentity> {
  const out = await client.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
  if (!out.Account) throw new Error("STS GetCallerIdentity returned no account id");
  return { account: out.Account, arn: out.Arn ?? "" };
}

/** The account id of the credentials (GetCallerIdentity). */
export async function getAccountId(client: STSClient, signal: AbortSignal): Promise<string> {
  const response = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
  if (!response.Account) throw new OperationError("sts-account", "STS GetCallerIdentity returned no account id");
  return response.Account;
}
