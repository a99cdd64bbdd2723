import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createClient } from "../../aws/clients.js";
import { APIGatewayClient, getStageTraffic } from "../../aws/apigateway.js";
import { EMULATOR_REGION, isEmulatorTarget, type Target } from "../../core/target.js";
import { type Environment } from "../../core/environment.js";
import type { CommandContext } from "../../context.js";
import { AbortError, OperationError, UsageError, errorMessage, isNoveliError } from "../../errors.js";
import { ask, canPrompt } from "../../output/prompt.js";
import { packageStoryGenerator } from "../../package/lambda.js";
import { putObjectBytes } from "../../aws/s3.js";
import { s3ClientFor, type AccountResources } from "../../state/account.js";
import { artifactObjectKey } from "../../state/bootstrap-plan.js";
import type { NewHistoryRecord } from "../../state/history.js";
import { recordHistory, withLease } from "../../state/lease-scope.js";
import type { OpsStore } from "../../state/ops-store.js";
import { packageVersion, projectRoot } from "../../core/version.js";
import { openAccount } from "../../state/account.js";
import { readRawOutputs, readStateObject } from "../../terraform/environment.js";
import { SYNTHETIC_USERNAME, SYNTHETIC_USER_ADDRESS, removeUnrecordedSyntheticUser, unrecordedSyntheticUserPool } from "./half-created.js";
import { COLORS, type Color } from "../../core/color.js";
import { inspectOutputs, parseOutputs, type EnvironmentOutputs, type OutputsInspection } from "../../terraform/outputs.js";
import {
  applyArgs,
  deployPlanSettings,
  initArgs,
  planArgs,
  renderCommand,
  terraformApply,
  terraformInit,
  terraformOutputJson,
  terraformPlan,
  type TerraformCall,
} from "../../terraform/runner.js";
import { forgetInitialised, initialisedAsBefore, prepareWorkspace, recordInitialised, terraformCall, trustVerifiedProviders, type Workspace } from "../../terraform/workspace.js";
import { deployedArtifactPath } from "./paths.js";
import { createApplyProgress } from "./apply-progress.js";
import { renderPlanSummary, summarizePlannedChanges, type PlanSummary } from "./plan-summary.js";
import { answerConfirms, chooseTargetColor, decideApply, deployVariables, type LiveState } from "./planner.js";

/** Options of a deploy (flags of `noveli deploy`). */
export interface DeployOptions {
  /** Deploy to this color instead of the idle one. Default: the idle color. */
  color?: Color;
  /** Allow a plan that deletes or replaces the story table or the KMS key. Default: false. */
  allowDestroy?: boolean;
  /** Stop after the plan summary. Default: false. */
  planOnly?: boolean;
  /** Print the commands that would run and run none. Default: false. */
  dryRun?: boolean;
  /** --wait-lock: wait this long (ms) for the environment's lease. Default 0: refuse at once when held. */
  waitLockMs?: number;
  /** Release label recorded as the Lambda's APP_VERSION (e.g. a commit id). Default: noveli's package version. */
  release?: string;
  /** Answer the confirmation (the caller already confirmed, e.g. rehearse on an emulator). */
  yes?: boolean;
}

export { deployedArtifactPath };

export interface DeployResult {
  env: Environment;
  color: Color;
  firstDeploy: boolean;
  colorReason: string;
  /** The color live traffic was on before this deploy (null on a first deploy, and in a dry run). */
  liveColor?: Color | null;
  /** The release label (APP_VERSION): --release, else noveli's package version. */
  version: string;
  /** The Lambda version the deployed color's alias points at, after apply. */
  lambdaVersion: string | null;
  /** Base64 SHA-256 of the Lambda zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  plan: { add: number; change: number; replace: number; destroy: number };
  summary: PlanSummary | null;
  applied: boolean;
  outcome: "applied" | "no-changes" | "plan-only" | "dry-run" | "declined";
  outputs: EnvironmentOutputs | null;
  /** --dry-run: the commands that would run. */
  commands?: string[];
  /** This deploy completed one that had stopped before it finished (the environment was deployed in part). */
  completedPartial?: boolean;
}

async function readLiveState(ctx: CommandContext, target: Target): Promise<{ live: LiveState; outputs: EnvironmentOutputs | null; partial?: Extract<OutputsInspection, { kind: "partial" }> }> {
  const raw = await readRawOutputs(ctx);
  if (!raw) return { live: {}, outputs: null };
  const inspected = inspectOutputs(raw);
  if (inspected.kind === "partial") return { live: await partialLiveState(inspected, target), outputs: null, partial: inspected };
  const outputs = inspected.outputs;
  // The live stage is the truth: switch-traffic changes it outside Terraform.
  const client = createClient(APIGatewayClient, target, { region: outputs.region });
  const traffic = await getStageTraffic(client, outputs.apiId, outputs.liveStageName).finally(() => client.destroy());
  const liveColor = COLORS.find((c) => c === traffic.deployment);
  if (!liveColor) {
    throw new OperationError("live-color-unknown", `the live stage's deployment variable is ${JSON.stringify(traffic.deployment)}, not blue or green`, {
      hint: "fix the stage with noveli switch-traffic <blue|green> before deploying",
    });
  }
  if (traffic.canary && traffic.canary.percentTraffic > 0) {
    throw new OperationError("canary-in-progress", `a canary sends ${traffic.canary.percentTraffic}% of live traffic to ${traffic.canary.deployment}: finish or roll back the switch first`);
  }
  return { live: { liveColor, aliasVersions: outputs.aliasVersions }, outputs };
}

/**
 * An apply that stopped before it finished (Ctrl-C, kill -9, a crash) leaves some outputs. When
 * they still name a live stage that reads blue or green and both alias versions, that is the live
 * state; otherwise it was the first deploy, and completing it sets up both colors as a first deploy
 * does. Nobody can have switched traffic meanwhile: switch-traffic needs the whole set of outputs.
 */
async function partialLiveState(partial: Extract<OutputsInspection, { kind: "partial" }>, target: Target): Promise<LiveState> {
  const value = (name: string) => partial.raw[name]?.value;
  const apiId = value("api_id");
  const stageName = value("live_stage_name");
  const versions = value("alias_versions") as Partial<Record<Color, unknown>> | undefined;
  const region = typeof value("region") === "string" ? (value("region") as string) : target.region;
  if (typeof apiId !== "string" || typeof stageName !== "string" || !versions || !COLORS.every((c) => typeof versions[c] === "string")) return {};
  const client = createClient(APIGatewayClient, target, region ? { region } : {});
  try {
    const traffic = await getStageTraffic(client, apiId, stageName);
    const liveColor = COLORS.find((c) => c === traffic.deployment && !(traffic.canary && traffic.canary.percentTraffic > 0));
    return liveColor ? { liveColor, aliasVersions: versions as Record<Color, string> } : {};
  } catch {
    return {}; // the stage was never created: a first deploy that stopped early
  } finally {
    client.destroy();
  }
}

export async function runDeploy(ctx: CommandContext, options: DeployOptions = {}): Promise<DeployResult> {
  const { reporter, signal } = ctx;
  const env = ctx.environment();
  const target = await ctx.target({ startEmulator: true });
  if (options.dryRun) return deployUnderLease(ctx, options, target, undefined);
  return withLease({ target, env, reporter, signal, command: `deploy ${env}`, waitMs: options.waitLockMs ?? 0 }, ({ store }) => deployUnderLease(ctx, options, target, store));
}

async function deployUnderLease(ctx: CommandContext, options: DeployOptions, target: Target, store: OpsStore | undefined): Promise<DeployResult> {
  const { reporter, signal } = ctx;
  const env = ctx.environment();
  const emulator = isEmulatorTarget(target);
  const record = (entry: NewHistoryRecord) => (store ? recordHistory(store, env, reporter, entry) : Promise.resolve());
  const started = Date.now();
  const release = options.release ?? packageVersion();
  let color: Color | undefined;
  let codeSha256 = "";
  let summary: PlanSummary | null = null;
  let completing = false;
  try {
    const account = await openAccount({ target, env, reporter, signal });
    const region = account.region;
    const workspace = prepareWorkspace({ stateDir: ctx.stateDir, env, target, reporter, account });
    const call = terraformCall(workspace, reporter, signal);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const planFile = path.join(workspace.planDir, `${stamp}.tfplan`);
    const varFile = path.join(workspace.planDir, `${stamp}.tfvars.json`);

    if (options.dryRun) {
      const { live } = await readLiveState(ctx, target).catch(() => ({ live: {} as LiveState }));
      const choice = chooseTargetColor(live, options.color);
      const commands = [
        `package lambda/story-generator -> ${path.join(ctx.stateDir, "artifacts", "story-generator.zip")}`,
        renderCommand(call, initArgs(workspace.backendConfig)),
        renderCommand(call, planArgs(planFile, varFile, deployPlanSettings({ emulator }))),
        renderCommand(call, applyArgs(planFile)),
      ];
      return {
        env, color: choice.color, firstDeploy: choice.firstDeploy, colorReason: choice.reason, version: release, lambdaVersion: null,
        codeSha256: "", plan: { add: 0, change: 0, replace: 0, destroy: 0 }, summary: null, applied: false, outcome: "dry-run", outputs: null, commands,
      };
    }

    const artifact = await reporter.phase("Packaging the story-generator Lambda", () => packageStoryGenerator({ stateDir: ctx.stateDir, projectRoot: projectRoot() }));
    codeSha256 = artifact.zipSha256Base64;
    await initWorkspace(ctx, workspace, call);
    const { live, partial, outputs: deployedOutputs } = await readLiveState(ctx, target);
    if (partial) {
      reporter.warn(`${env} is deployed in part (${partial.present} of ${partial.required} outputs): an earlier deploy stopped before it finished; this deploy completes it`);
    }
    completing = partial !== undefined;
    const choice = chooseTargetColor(live, options.color);
    color = choice.color;
    reporter.info(`target color: ${choice.reason}`);

    const variables = deployVariables({ packagePath: artifact.zipPath, color, live, appVersion: release, emulator, region: region ?? EMULATOR_REGION });
    writeFileSync(varFile, `${JSON.stringify(variables, null, 2)}\n`);
    // The summary comes from the plan's own -json messages, the outputs from the apply's: no
    // `show -json` or `output -json` run (each started terraform again, show the provider too).
    const { changes, planned } = await reporter.phase(`terraform plan (${env})`, () => terraformPlan(call, planFile, varFile, deployPlanSettings({ emulator })));
    summary = summarizePlannedChanges(planned);
    const plan = { add: summary.add, change: summary.change, replace: summary.replace, destroy: summary.destroy };
    const base = { env, color, firstDeploy: choice.firstDeploy, colorReason: choice.reason, liveColor: live.liveColor ?? null, version: release, codeSha256, plan, summary, completedPartial: completing };

    if (options.planOnly || !changes) {
      // Nothing was applied: the outputs are the state's, read above (no `terraform output` run).
      const outputs = live.liveColor ? (deployedOutputs ?? parseOutputs(await terraformOutputJson(call))) : null;
      const outcome = options.planOnly ? "plan-only" : "no-changes";
      await record({ type: "deploy", outcome, color, codeSha256, plan, durationMs: Date.now() - started });
      return { ...base, lambdaVersion: outputs?.aliasVersions[color] ?? null, applied: false, outcome, outputs };
    }

    const completingFirstDeploy = completing && choice.firstDeploy;
    const halfCreated = summary.destructive.filter((c) => c.tainted);
    if (completingFirstDeploy && halfCreated.length > 0) {
      reporter.warn(`replacing what the interrupted first deploy left half-created (tainted, never live): ${halfCreated.map((c) => c.address).join(", ")}`);
    }
    const decision = decideApply({ env, summary, allowDestroy: options.allowDestroy === true, yes: options.yes === true || ctx.globals.yes, interactive: canPrompt(), emulator, completingFirstDeploy });
    printSummary(ctx, summary);
    if (decision.kind === "refuse") throw new OperationError("deploy-refused", `deploy refused: ${decision.reason}`, { hint: decision.hint, details: { plan } });
    if (decision.kind === "confirm") {
      const answer = await ask(decision.prompt, signal);
      if (!answerConfirms(decision, answer, env)) {
        await record({ type: "deploy", outcome: "declined", color, codeSha256, plan, durationMs: Date.now() - started });
        return { ...base, lambdaVersion: null, applied: false, outcome: "declined", outputs: null };
      }
    }

    if (completing && planned.some((c) => c.address === SYNTHETIC_USER_ADDRESS && c.action === "create")) {
      // The killed apply may have created the synthetic user without recording it (half-created.ts).
      const userPoolId = unrecordedSyntheticUserPool(await readStateObject(target, account, env, signal));
      if (userPoolId && (await removeUnrecordedSyntheticUser(target, region, userPoolId, signal))) {
        reporter.warn(`removed the synthetic check user ${SYNTHETIC_USERNAME} that the interrupted first deploy created but did not record: terraform creates it again`);
      }
    }

    const applyProgress = createApplyProgress(summary);
    const applied = await reporter.phase(`terraform apply (${env} → ${color})`, (progress) =>
      terraformApply(call, planFile, (message) => {
        const update = applyProgress.record(message);
        if (update) progress.update(update.text, { milestone: update.milestone });
      }),
    );
    if (applied.resources.length > 0) {
      reporter.debug(`slowest resources: ${applied.resources.slice(0, 5).map((r) => `${r.address} ${r.seconds}s (${r.action}, from ${r.startedAt}s)`).join(", ")}`);
    }
    const outputs = parseOutputs(applied.outputs ?? (await terraformOutputJson(call)));
    keepDeployedArtifact(ctx.stateDir, artifact.zipPath, artifact.zipSha256Base64);
    if (emulator) await shareDeployedArtifact(target, account, env, artifact.zipPath, artifact.zipSha256Hex, reporter);
    const lambdaVersion = outputs.aliasVersions[color] ?? null;
    await record({
      type: "deploy", outcome: "applied", color, version: release, lambdaVersion, codeSha256, plan, durationMs: Date.now() - started,
      ...(completing ? { completedPartial: true } : {}),
      ...(choice.firstDeploy ? { liveColor: "blue" } : {}),
    });
    return { ...base, lambdaVersion, applied: true, outcome: "applied", outputs };
  } catch (error) {
    const interrupted = signal.aborted || (isNoveliError(error) && error.code === "interrupted");
    if (!options.dryRun) {
      await record({
        type: "deploy", outcome: interrupted ? "interrupted" : isNoveliError(error) && error.code === "deploy-refused" ? "refused" : "failed",
        ...(color ? { color } : {}), codeSha256, ...(summary ? { plan: { add: summary.add, change: summary.change, replace: summary.replace, destroy: summary.destroy } } : {}),
        error: errorMessage(error), durationMs: Date.now() - started,
      });
    }
    if (interrupted && !(isNoveliError(error) && error.code === "interrupted")) throw new AbortError("deploy interrupted; terraform stopped gracefully");
    throw error;
  }
}

/**
 * `terraform init`, unless the workspace was initialised with exactly the same backend options,
 * configuration, lock file, providers and terraform (its fingerprint): then init would change
 * nothing. On an emulator, plan and apply then trust init's check of the providers (trustVerifiedProviders).
 */
export async function initWorkspace(ctx: Pick<CommandContext, "reporter">, workspace: Workspace, call: TerraformCall): Promise<"ran" | "skipped"> {
  const where = `${workspace.env}, state in s3://${workspace.backend.bucket}/${workspace.backend.key}`;
  if (initialisedAsBefore(workspace)) {
    ctx.reporter.debug(`terraform init skipped (${where}): the workspace is initialised with the same backend options, configuration, lock file and providers`);
    trustVerifiedProviders(workspace);
    return "skipped";
  }
  forgetInitialised(workspace);
  await ctx.reporter.phase(`terraform init (${where})`, () => terraformInit(call, workspace.backendConfig));
  recordInitialised(workspace);
  trustVerifiedProviders(workspace);
  return "ran";
}

/** The plan by service, on stderr before it is applied (every address with --verbose). */
function printSummary(ctx: CommandContext, summary: PlanSummary): void {
  for (const change of summary.changes) ctx.reporter.debug(`${change.action.padEnd(7)} ${change.address}`);
  for (const line of renderPlanSummary(summary)) ctx.reporter.info(line);
}

/**
 * Emulator targets: the deployed zip goes into the state bucket too, so a health check from any
 * machine can run exactly the code the emulated Lambda reports (real AWS runs it itself).
 */
async function shareDeployedArtifact(target: Target, account: AccountResources, env: Environment, zipPath: string, zipSha256Hex: string, reporter: CommandContext["reporter"]): Promise<void> {
  const s3 = s3ClientFor(target, account.region);
  try {
    await putObjectBytes(s3, account.bucket, artifactObjectKey(env, zipSha256Hex), readFileSync(zipPath));
  } catch (error) {
    reporter.warn(`could not share the deployed zip in s3://${account.bucket}: ${errorMessage(error)}; health checks from other machines cannot run it`);
  } finally {
    s3.destroy();
  }
}

function keepDeployedArtifact(stateDir: string, zipPath: string, codeSha256Base64: string): void {
  const kept = deployedArtifactPath(stateDir, codeSha256Base64);
  if (existsSync(kept)) return;
  mkdirSync(path.dirname(kept), { recursive: true });
  copyFileSync(zipPath, kept);
}
