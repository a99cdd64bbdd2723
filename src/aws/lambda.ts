import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, PublishVersionCommand } from "@aws-sdk/client-lambda";

export { LambdaClient };

/** Where a color's alias points. */
export interface AliasTarget {
  /** `arn:aws:lambda:<region>:<account>:function:<name>:<alias>`: the invokedFunctionArn of calls through it. */
  aliasArn: string;
  functionVersion: string;
}

export async function getAlias(client: LambdaClient, functionName: string, aliasName: string, signal?: AbortSignal): Promise<AliasTarget> {
  const alias = await client.send(new GetAliasCommand({ FunctionName: functionName, Name: aliasName }), signal ? { abortSignal: signal } : {});
  if (!alias.AliasArn || !alias.FunctionVersion) throw new Error(`GetAlias ${functionName}:${aliasName} returned no ARN or version`);
  return { aliasArn: alias.AliasArn, functionVersion: alias.FunctionVersion };
}

/** One published version's configuration: its code hash and what it runs with. */
export interface FunctionVersionConfiguration {
  functionName: string;
  version: string;
  /** base64 SHA-256 of the deployment package. */
  codeSha256: string;
  handler: string;
  runtime: string | null;
  timeoutSeconds: number;
  memorySizeMb: number;
  /** The version's environment variables (values are configuration, never printed). */
  environment: Record<string, string>;
  /** The configuration's revision (Lambda's RevisionId), when the API gives one: a guard for PublishVersion. */
  revisionId?: string;
}

/** GetFunctionConfiguration with the version as qualifier: the version's own CodeSha256 and environment. */
export async function getFunctionVersionConfiguration(client: LambdaClient, functionName: string, version: string, signal?: AbortSignal): Promise<FunctionVersionConfiguration> {
  const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }), signal ? { abortSignal: signal } : {});
  if (!config.CodeSha256) throw new Error(`GetFunctionConfiguration ${functionName}:${version} returned no CodeSha256`);
  return {
    functionName: config.FunctionName ?? functionName,
    version: config.Version ?? version,
    codeSha256: config.CodeSha256,
    handler: config.Handler ?? "index.handler",
    runtime: config.Runtime ?? null,
    timeoutSeconds: config.Timeout ?? 3,
    memorySizeMb: config.MemorySize ?? 128,
    environment: { ...(config.Environment?.Variables ?? {}) },
    ...(config.RevisionId ? { revisionId: config.RevisionId } : {}),
  };
}

/**
 * GetFunctionConfiguration with an alias as qualifier: the configuration of the version the alias
 * points at (its `version` is that version's number), in one call instead of GetAlias and then
 * GetFunctionConfiguration of its version.
 */
export function getAliasedVersionConfiguration(client: LambdaClient, functionName: string, aliasName: string, signal?: AbortSignal): Promise<FunctionVersionConfiguration> {
  return getFunctionVersionConfiguration(client, functionName, aliasName, signal);
}

/**
 * PublishVersion of what $LATEST holds now, guarded: Lambda refuses (PreconditionFailedException)
 * when $LATEST's code is not `codeSha256` or its configuration is no longer `revisionId`, so what
 * gets published is what the caller read. Returns the version's number.
 */
export async function publishVersion(
  client: LambdaClient,
  functionName: string,
  guard: { codeSha256: string; revisionId?: string; description: string },
  signal?: AbortSignal,
): Promise<string> {
  const published = await client.send(
    new PublishVersionCommand({ FunctionName: functionName, CodeSha256: guard.codeSha256, Description: guard.description, ...(guard.revisionId ? { RevisionId: guard.revisionId } : {}) }),
    signal ? { abortSignal: signal } : {},
  );
  if (!published.Version || published.Version === "$LATEST") throw new Error(`PublishVersion ${functionName} returned no version`);
  return published.Version;
}
