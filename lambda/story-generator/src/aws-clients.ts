/**
 * Pure: SDK client settings from the function's environment: region, the endpoint override that
 * points it at an emulator, and credentials. Inside Lambda the environment holds the execution
 * role's keys (what the SDK's own env provider would read); taking them from the env object rather
 * than process.env lets a caller run the handler with an explicit environment (the CLI's local
 * runner) and still sign with that environment's keys. Without keys there, the default chain applies.
 */
export function awsClientConfig(env: Record<string, string | undefined>, endpointVariable: string): Record<string, unknown> {
  const endpoint = env[endpointVariable] ?? env.AWS_ENDPOINT_URL;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    maxAttempts: 3,
  };
}
