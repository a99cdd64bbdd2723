import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export { SecretsManagerClient };

/** GetSecretValue: the secret's current string value (never logged by callers). */
export async function getSecretString(client: SecretsManagerClient, secretId: string, signal?: AbortSignal): Promise<string> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }), signal ? { abortSignal: signal } : {});
  if (typeof answer.SecretString !== "string") throw new Error(`secret ${secretId} has no string value`);
  return answer.SecretString;
}
