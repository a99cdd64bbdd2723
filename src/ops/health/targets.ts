import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { awsProcessEnv } from "../../aws/clients.js";
import { getAlias, getFunctionVersionConfiguration, type AliasTarget, type FunctionVersionConfiguration, type LambdaClient } from "../../aws/lambda.js";
import { isEmulatorTarget, type Target } from "../../core/target.js";
import { OperationError, errorMessage } from "../../errors.js";
import { nodeModulesProviding, startLambdaRunner } from "../../local/lambda-runner.js";
import type { Reporter } from "../../output/reporter.js";
import type { HistoryRecord } from "../../state/history.js";
import type { Color } from "../../core/color.js";
import type { EnvironmentOutputs } from "../../terraform/outputs.js";
import { deployedArtifactPath } from "../deploy/paths.js";
import { httpProbe } from "./http-probe.js";
import { expectationFromHistory, expectationFromLambda, type Expectation, type LambdaFacts } from "./judge.js";
import { localLambdaProbe } from "./local-probe.js";
import type { HealthProbe } from "./probe.js";

/**
 * Everything needed to judge one color: the probe to reach it, what the Lambda API says its alias
 * runs, and what it should report. Real AWS goes through the color's own stage URL; emulator
 * targets run the very zip the emulated Lambda reports for the alias's version.
 */
export interface ColorSubject {
  color: Color;
  probe: HealthProbe;
  lambda?: LambdaFacts;
  expected?: Expectation;
}

export interface OpenColorInput {
  color: Color;
  target: Target;
  outputs: EnvironmentOutputs;
  stateDir: string;
  lambdaClient: LambdaClient;
  /** The environment's deploy records, oldest first. */
  history: HistoryRecord[];
  /** Emulator targets: the deployed zip with this SHA-256 (hex) from the account's state bucket, when this machine lacks it. */
  fetchArtifact?: (zipSha256Hex: string) => Promise<Uint8Array | undefined>;
  reporter: Reporter;
  signal?: AbortSignal;
}

export const base64ToHex = (base64: string): string => Buffer.from(base64, "base64").toString("hex");

/** The zip noveli kept when it deployed code with this CodeSha256, or undefined. */
export function keptArtifactFor(stateDir: string, codeSha256Base64: string): string | undefined {
  const file = deployedArtifactPath(stateDir, codeSha256Base64);
  if (existsSync(file)) return file;
  // Kept by an earlier noveli under the hex form of the same hash.
  const hexNamed = path.join(path.dirname(file), `${base64ToHex(codeSha256Base64)}.zip`);
  return existsSync(hexNamed) ? hexNamed : undefined;
}

interface AliasView {
  alias: AliasTarget;
  config: FunctionVersionConfiguration;
}

async function readAlias(input: OpenColorInput): Promise<AliasView> {
  const { outputs, color, lambdaClient, signal } = input;
  const alias = await getAlias(lambdaClient, outputs.functionName, outputs.aliasNames[color], signal);
  const config = await getFunctionVersionConfiguration(lambdaClient, outputs.functionName, alias.functionVersion, signal);
  return { alias, config };
}

function factsOf(view: AliasView): LambdaFacts {
  return { aliasVersion: view.alias.functionVersion, codeSha256: view.config.codeSha256, appVersion: view.config.environment.APP_VERSION ?? null };
}

function expectationFor(input: OpenColorInput, lambda: LambdaFacts | undefined): Expectation | undefined {
  const recorded = expectationFromHistory(input.history, input.color);
  if (recorded) return recorded;
  if (!lambda) return undefined;
  input.reporter.warn(`no deploy of ${input.color} is recorded in the environment's history: comparing with what the Lambda reports for its alias (version ${lambda.aliasVersion})`);
  return expectationFromLambda(lambda);
}

export async function openColorSubject(input: OpenColorInput): Promise<ColorSubject> {
  const { color, target, outputs, reporter } = input;
  if (!isEmulatorTarget(target)) {
    let lambda: LambdaFacts | undefined;
    try {
      lambda = factsOf(await readAlias(input));
    } catch (error) {
      if (input.signal?.aborted) throw error;
      reporter.warn(`could not read the ${color} alias from Lambda (${errorMessage(error)}): judging by the health endpoint and the deploy record only`);
    }
    const probe = httpProbe(outputs.stageInvokeUrls[color]);
    return { color, probe, ...(lambda ? { lambda } : {}), ...withExpectation(expectationFor(input, lambda)) };
  }

  // Emulator: the emulated Lambda cannot run code, so run the zip its alias's version was created from.
  const view = await readAlias(input);
  const lambda = factsOf(view);
  const zipPath = keptArtifactFor(input.stateDir, view.config.codeSha256) ?? (await fetchSharedArtifact(input, view.config.codeSha256));
  if (!zipPath) {
    throw new OperationError(
      "artifact-missing",
      `cannot run ${color}: noveli does not have the code the emulated Lambda reports for alias ${outputs.aliasNames[color]} (version ${view.alias.functionVersion}, CodeSha256 ${view.config.codeSha256})`,
      { hint: `noveli deploy shares every zip it deploys to an emulator in the state bucket; this code was not deployed by noveli: deploy ${color} (noveli deploy --color ${color}) and check again` },
    );
  }
  const accountId = view.alias.aliasArn.split(":")[4] ?? "000000000000";
  // The nodejs runtime provides AWS SDK v3 and the bundle leaves it out: offer this CLI's copy.
  const runtimeNodeModules = nodeModulesProviding("@aws-sdk/client-dynamodb");
  const runner = startLambdaRunner({
    ...(runtimeNodeModules ? { runtimeNodeModules } : {}),
    zipPath,
    handler: view.config.handler,
    // The function's own variables, then the emulator's endpoint and credentials so its AWS calls reach it.
    environment: { ...view.config.environment, ...emulatorCredentials(target), AWS_REGION: outputs.region, AWS_DEFAULT_REGION: outputs.region },
    invokedFunctionArn: view.alias.aliasArn,
    functionName: view.config.functionName,
    functionVersion: view.config.version,
    memorySizeMb: view.config.memorySizeMb,
    functionTimeoutMs: view.config.timeoutSeconds * 1_000,
    onLog: (line) => reporter.debug(`[${color} λ] ${line}`),
  });
  const probe = localLambdaProbe(
    runner,
    { apiId: outputs.apiId, region: outputs.region, stageName: outputs.colorStageNames[color], deployment: color, accountId },
    `local Lambda runner (${outputs.functionName}:${outputs.aliasNames[color]} → version ${view.alias.functionVersion}, ${zipPath})`,
  );
  return { color, probe, lambda, ...withExpectation(expectationFor(input, lambda)) };
}

/** The zip another machine deployed, copied into this machine's cache after its hash is checked. */
async function fetchSharedArtifact(input: OpenColorInput, codeSha256Base64: string): Promise<string | undefined> {
  const hex = base64ToHex(codeSha256Base64);
  const bytes = await input.fetchArtifact?.(hex);
  if (!bytes || createHash("sha256").update(bytes).digest("hex") !== hex) return undefined;
  const file = deployedArtifactPath(input.stateDir, codeSha256Base64);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/**
 * What the handler needs to reach the emulator: its endpoint and credentials. An endpoint that
 * checks credentials (the caller's own, or a profile) gets the caller's, as every SDK call of the CLI does.
 */
function emulatorCredentials(target: Target, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const variables = awsProcessEnv(target);
  if (variables.AWS_ACCESS_KEY_ID === undefined) {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HOME"]) {
      const value = env[name];
      if (value !== undefined && value !== "" && variables[name] === undefined) variables[name] = value;
    }
  }
  return variables;
}

function withExpectation(expected: Expectation | undefined): { expected?: Expectation } {
  return expected ? { expected } : {};
}
