import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

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
