import { createClient } from "../../aws/clients.js";
import { LambdaClient, getAliasedVersionConfiguration, getFunctionVersionConfiguration, publishVersion, type FunctionVersionConfiguration } from "../../aws/lambda.js";
import type { Color } from "../../core/color.js";
import type { Target } from "../../core/target.js";

/**
 * What a deploy promises, read back from Lambda: after it, the target color's alias points at a
 * published version that holds this deploy's code (CodeSha256) and release (APP_VERSION).
 *
 * Terraform's state can say so when Lambda does not. The provider updates the function's $LATEST
 * (its configuration, then its code) and publishes a version after; an apply stopped between the
 * two (kill -9 of noveli, whose watchdog then interrupts terraform; a failed PublishVersion) leaves
 * $LATEST updated and unpublished while the state records the new configuration and the old
 * version. The next plan of the same release then has nothing to change, on real AWS too (a
 * refresh reads $LATEST back), and the color would stay on the old version while the deploy said
 * "no changes". Reading the alias back catches that, and what $LATEST holds says how to finish.
 */

export interface ExpectedRun {
  /** Base64 SHA-256 of the zip this deploy packaged, as Lambda reports CodeSha256. */
  codeSha256: string;
  /** The release label, the Lambda's APP_VERSION. */
  release: string;
}

export type ColorRunCheck =
  | { kind: "runs"; version: string }
  /** The alias is on another version; $LATEST holds this deploy's code and release (published or not). */
  | { kind: "unpublished"; running: FunctionVersionConfiguration; latest: FunctionVersionConfiguration }
  /** Neither the alias nor $LATEST holds what this deploy deployed. */
  | { kind: "other"; running: FunctionVersionConfiguration; latest: FunctionVersionConfiguration };

/** Pure: whether a version's configuration is this deploy's code and release. */
export function runsExpected(config: Pick<FunctionVersionConfiguration, "codeSha256" | "environment">, expected: ExpectedRun): boolean {
  return config.codeSha256 === expected.codeSha256 && config.environment.APP_VERSION === expected.release;
}

/** Pure: a version for messages: its number, release and code (a hash, never a value of the environment but APP_VERSION). */
export function describeRun(config: Pick<FunctionVersionConfiguration, "version" | "codeSha256" | "environment">): string {
  const release = config.environment.APP_VERSION;
  return `${config.version === "$LATEST" ? "$LATEST" : `version ${config.version}`} (release ${release === undefined ? "unknown" : JSON.stringify(release)}, code ${config.codeSha256})`;
}

/** Where a deploy reads the function back. */
export interface FunctionRef {
  target: Target;
  region: string;
  functionName: string;
  aliasName: string;
}

/**
 * Reads what the color's alias runs (one GetFunctionConfiguration through the alias); only when
 * that is not this deploy's code and release, $LATEST as well.
 */
export async function checkColorRuns(ref: FunctionRef, expected: ExpectedRun, signal?: AbortSignal): Promise<ColorRunCheck> {
  const lambda = createClient(LambdaClient, ref.target, { region: ref.region });
  try {
    const running = await getAliasedVersionConfiguration(lambda, ref.functionName, ref.aliasName, signal);
    if (runsExpected(running, expected)) return { kind: "runs", version: running.version };
    const latest = await getFunctionVersionConfiguration(lambda, ref.functionName, "$LATEST", signal);
    return { kind: runsExpected(latest, expected) ? "unpublished" : "other", running, latest };
  } finally {
    lambda.destroy();
  }
}

/** Publishes $LATEST as read (guarded by its CodeSha256 and revision); returns the new version's number. */
export async function publishLatest(ref: FunctionRef, latest: FunctionVersionConfiguration, description: string, signal?: AbortSignal): Promise<string> {
  const lambda = createClient(LambdaClient, ref.target, { region: ref.region });
  try {
    return await publishVersion(lambda, ref.functionName, { codeSha256: latest.codeSha256, ...(latest.revisionId ? { revisionId: latest.revisionId } : {}), description }, signal);
  } finally {
    lambda.destroy();
  }
}

/** The function's Terraform address (terraform/modules/noveli/lambda.tf). */
export const FUNCTION_ADDRESS = "module.noveli.aws_lambda_function.story_generator";

/** A color's alias's Terraform address (terraform/modules/noveli/lambda.tf). */
export function aliasAddress(color: Color): string {
  return `module.noveli.aws_lambda_alias.color["${color}"]`;
}
