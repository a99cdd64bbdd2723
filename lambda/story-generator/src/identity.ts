/**
 * Which deployment answered: the color (blue/green alias), the application version and the
 * published Lambda version that runs. `noveli health-check` compares these with what it deployed,
 * so each figure comes from where the deployment itself records it, never from a guess. The code
 * is proven through the version: a published version is immutable, and the Lambda API reports its
 * CodeSha256 (the function's environment carries no hash of the zip, so a code change is one code
 * update).
 */

export interface DeploymentIdentity {
  /** The alias the function was invoked through (`blue`, `green`), else NOVELI_COLOR, else "unknown". */
  color: string;
  /** APP_VERSION, else the published Lambda version, else "unknown". */
  version: string;
  /** The published Lambda version that runs (`$LATEST` when unpublished), or null when unknown. */
  functionVersion: string | null;
  /** NOVELI_ENV (dev, staging, production), or "unknown". */
  environment: string;
}

/** The qualifier of an invoked function ARN: an alias name, a version number, or undefined. */
export function arnQualifier(invokedFunctionArn: string | undefined): string | undefined {
  if (!invokedFunctionArn) return undefined;
  // arn:aws:lambda:region:account:function:name[:qualifier]
  const parts = invokedFunctionArn.split(":");
  if (parts.length < 7 || parts[0] !== "arn" || parts[5] !== "function") return undefined;
  const qualifier = parts[7];
  return qualifier === undefined || qualifier === "" ? undefined : qualifier;
}

const isVersionNumber = (value: string): boolean => /^[0-9]+$/.test(value);

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim());

/** Pure: the identity from the invoked ARN and the function's environment. */
export function deploymentIdentity(invokedFunctionArn: string | undefined, env: Record<string, string | undefined>): DeploymentIdentity {
  const qualifier = arnQualifier(invokedFunctionArn);
  const alias = qualifier !== undefined && !isVersionNumber(qualifier) && qualifier !== "$LATEST" ? qualifier : undefined;
  const arnVersion = qualifier !== undefined && isVersionNumber(qualifier) ? qualifier : undefined;
  // The runtime sets AWS_LAMBDA_FUNCTION_VERSION to the version executing, also when invoked by alias.
  const functionVersion = nonEmpty(env.AWS_LAMBDA_FUNCTION_VERSION) ?? arnVersion ?? null;
  return {
    color: alias ?? nonEmpty(env.NOVELI_COLOR) ?? "unknown",
    version: nonEmpty(env.APP_VERSION) ?? (functionVersion !== null && functionVersion !== "$LATEST" ? functionVersion : undefined) ?? "unknown",
    functionVersion,
    environment: nonEmpty(env.NOVELI_ENV) ?? "unknown",
  };
}
