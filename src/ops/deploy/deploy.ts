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
  terraformRefresh,
  type TerraformCall,
} from "../../terraform/runner.js";
import { forgetInitialised, initialisedAsBefore, prepareWorkspace, recordInitialised, terraformCall, trustVerifiedProviders, type Workspace } from "../../terraform/workspace.js";
import { deployedArtifactPath } from "./paths.js";
import { createApplyProgress } from "./apply-progress.js";
import { renderPlanSummary, summarizePlannedChanges, type PlanSummary } from "./plan-summary.js";
import { answerConfirms, chooseTargetColor, decideApply, deployVariables, type LiveState } from "./planner.js";
import { FUNCTION_ADDRESS, aliasAddress, checkColorRuns, describeRun, publishLatest, type ColorRunCheck, type ExpectedRun, type FunctionRef } from "./published.js";

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
  /**
   * The Lambda version this deploy published itself: an earlier deploy had left this code and
   * release in the function's $LATEST without publishing it (published.ts).
   */
  republished?: string;
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
    const base = { env, color, firstDeploy: choice.firstDeploy, colorReason: choice.reason, liveColor: live.liveColor ?? null, version: release, codeSha256, completedPartial: completing };

    /** One plan, its guard and its apply. */
    const planAndApply = async (file: string, title: string, unchangedOutputs: () => Promise<EnvironmentOutputs | null>): Promise<Round> => {
      // The summary comes from the plan's own -json messages, the outputs from the apply's: no
      // `show -json` or `output -json` run (each started terraform again, show the provider too).
      const { changes, planned } = await reporter.phase(title, () => terraformPlan(call, file, varFile, deployPlanSettings({ emulator })));
      const planSummary = (summary = summarizePlannedChanges(planned));
      if (options.planOnly || !changes) {
        // Nothing was applied: the outputs are the state's (no `terraform output` run when they were read already).
        return { summary: planSummary, changes, outcome: options.planOnly ? "plan-only" : "no-changes", outputs: await unchangedOutputs() };
      }
      const completingFirstDeploy = completing && choice.firstDeploy;
      const halfCreated = planSummary.destructive.filter((c) => c.tainted);
      if (completingFirstDeploy && halfCreated.length > 0) {
        reporter.warn(`replacing what the interrupted first deploy left half-created (tainted, never live): ${halfCreated.map((c) => c.address).join(", ")}`);
      }
      const decision = decideApply({ env, summary: planSummary, allowDestroy: options.allowDestroy === true, yes: options.yes === true || ctx.globals.yes, interactive: canPrompt(), emulator, completingFirstDeploy });
      printSummary(ctx, planSummary);
      if (decision.kind === "refuse") throw new OperationError("deploy-refused", `deploy refused: ${decision.reason}`, { hint: decision.hint, details: { plan: planCounts(planSummary) } });
      if (decision.kind === "confirm") {
        const answer = await ask(decision.prompt, signal);
        if (!answerConfirms(decision, answer, env)) return { summary: planSummary, changes, outcome: "declined", outputs: null };
      }

      if (completing && planned.some((c) => c.address === SYNTHETIC_USER_ADDRESS && c.action === "create")) {
        // The killed apply may have created the synthetic user without recording it (half-created.ts).
        const userPoolId = unrecordedSyntheticUserPool(await readStateObject(target, account, env, signal));
        if (userPoolId && (await removeUnrecordedSyntheticUser(target, region, userPoolId, signal))) {
          reporter.warn(`removed the synthetic check user ${SYNTHETIC_USERNAME} that the interrupted first deploy created but did not record: terraform creates it again`);
        }
      }

      const applyProgress = createApplyProgress(planSummary);
      const applied = await reporter.phase(`terraform apply (${env} → ${choice.color})`, (progress) =>
        terraformApply(call, file, (message) => {
          const update = applyProgress.record(message);
          if (update) progress.update(update.text, { milestone: update.milestone });
        }),
      );
      if (applied.resources.length > 0) {
        reporter.debug(`slowest resources: ${applied.resources.slice(0, 5).map((r) => `${r.address} ${r.seconds}s (${r.action}, from ${r.startedAt}s)`).join(", ")}`);
      }
      keepDeployedArtifact(ctx.stateDir, artifact.zipPath, artifact.zipSha256Base64);
      if (emulator) await shareDeployedArtifact(target, account, env, artifact.zipPath, artifact.zipSha256Hex, reporter);
      return { summary: planSummary, changes, outcome: "applied", outputs: parseOutputs(applied.outputs ?? (await terraformOutputJson(call))) };
    };

    const stateOutputs = async () => (live.liveColor ? (deployedOutputs ?? parseOutputs(await terraformOutputJson(call))) : null);
    let round = await planAndApply(planFile, `terraform plan (${env})`, stateOutputs);
    let lambdaVersion = round.outputs?.aliasVersions[color] ?? null;
    let republished: string | undefined;
    const expected = { codeSha256, release };
    // What the apply made true, or what an empty plan says is true already, read back from Lambda (published.ts).
    const readBack = (r: Round) => (r.outputs && (r.outcome === "applied" || !r.changes) ? checkColorRuns(functionRef(target, r.outputs, choice.color), expected, signal) : Promise.resolve(null));
    let check = await readBack(round);
    if (check && check.kind !== "runs") {
      if (round.outcome === "plan-only") {
        reporter.warn(`the plan is empty, but ${color} runs ${describeRun(check.running)}, not this release: ${check.kind === "unpublished" ? `the function's $LATEST holds it (a deploy stopped before publishing it, or the alias was moved outside noveli); noveli deploy publishes it and points ${color} at it` : `nor does the function's $LATEST (${describeRun(check.latest)})`}`);
      } else {
        const when = round.outcome === "applied" ? "after the apply," : "the plan is empty, but";
        republished = await publishUnpublished(ctx, call, env, color, functionRef(target, round.outputs as EnvironmentOutputs, color), check, when, expected, varFile);
        round = await planAndApply(path.join(workspace.planDir, `${stamp}-published.tfplan`), `terraform plan (${env}), ${color} to version ${republished}`, async () => parseOutputs(await terraformOutputJson(call)));
        if (round.outcome !== "declined") {
          check = await readBack(round);
          if (check?.kind !== "runs") {
            throw new OperationError("deploy-unverified", `published version ${republished} of the function, but ${color} still runs ${check ? describeRun(check.running) : "another version"}, not this deploy's release ${JSON.stringify(release)} with code ${codeSha256}`, {
              hint: "deploy again: it reads the function and the alias back",
            });
          }
        }
      }
    }
    if (check?.kind === "runs") lambdaVersion = check.version;

    const { outcome, outputs } = round;
    const plan = planCounts(round.summary);
    if (outcome !== "applied") {
      await record({ type: "deploy", outcome, color, codeSha256, plan, durationMs: Date.now() - started, ...(republished ? { republished } : {}) });
      return { ...base, plan, summary: round.summary, lambdaVersion: outcome === "declined" ? null : lambdaVersion, applied: false, outcome, outputs: outcome === "declined" ? null : outputs };
    }
    await record({
      type: "deploy", outcome: "applied", color, version: release, lambdaVersion, codeSha256, plan, durationMs: Date.now() - started,
      ...(completing ? { completedPartial: true } : {}),
      ...(choice.firstDeploy ? { liveColor: "blue" } : {}),
      ...(republished ? { republished } : {}),
    });
    return { ...base, plan, summary: round.summary, lambdaVersion, applied: true, outcome: "applied", outputs, ...(republished ? { republished } : {}) };
  } catch (error) {
    const interrupted = signal.aborted || (isNoveliError(error) && error.code === "interrupted");
    if (!options.dryRun) {
      const planned = summary as PlanSummary | null; // the newest plan's, set inside planAndApply
      await record({
        type: "deploy", outcome: interrupted ? "interrupted" : isNoveliError(error) && error.code === "deploy-refused" ? "refused" : "failed",
        ...(color ? { color } : {}), codeSha256, ...(planned ? { plan: planCounts(planned) } : {}),
        error: errorMessage(error), durationMs: Date.now() - started,
      });
    }
    if (interrupted && !(isNoveliError(error) && error.code === "interrupted")) throw new AbortError("deploy interrupted; terraform stopped gracefully");
    throw error;
  }
}

function functionRef(target: Target, outputs: EnvironmentOutputs, color: Color): FunctionRef {
  return { target, region: outputs.region, functionName: outputs.functionName, aliasName: outputs.aliasNames[color] };
}

interface Round {
  summary: PlanSummary;
  changes: boolean;
  outcome: "applied" | "no-changes" | "plan-only" | "declined";
  outputs: EnvironmentOutputs | null;
}

function planCounts(summary: PlanSummary): DeployResult["plan"] {
  return { add: summary.add, change: summary.change, replace: summary.replace, destroy: summary.destroy };
}

/**
 * After an apply or an empty plan, the target color's alias is not on this deploy's code and
 * release (published.ts). When the function's $LATEST holds them (an earlier apply stopped between
 * updating the function and publishing it; or the alias was moved outside noveli, which an
 * emulator's plan does not read back), this publishes $LATEST, guarded by its code hash and
 * revision (Lambda gives back the version that already holds it, when one does), and reads the
 * function and the color's alias back into the state (a refresh of those alone). Planning again
 * then points the alias at that version, through the same guard and apply as any plan. Anything
 * else the alias and $LATEST run fails the deploy, naming both: it cannot say "up to date" when
 * it is not.
 */
async function publishUnpublished(
  ctx: CommandContext,
  call: TerraformCall,
  env: Environment,
  color: Color,
  ref: FunctionRef,
  check: Exclude<ColorRunCheck, { kind: "runs" }>,
  when: string,
  expected: ExpectedRun,
  varFile: string,
): Promise<string> {
  const { reporter, signal } = ctx;
  const wanted = `release ${JSON.stringify(expected.release)} with code ${expected.codeSha256}`;
  if (check.kind === "other") {
    throw new OperationError("deploy-unverified", `${when} ${color} runs ${describeRun(check.running)} and the function's $LATEST holds ${describeRun(check.latest)}: neither is this deploy's ${wanted}`, {
      hint: `something changed the function ${ref.functionName} outside noveli deploy: look at it (aws lambda get-function-configuration), then deploy again`,
    });
  }
  reporter.warn(`${when} ${color} runs ${describeRun(check.running)}, not this deploy's ${wanted}, which the function's $LATEST holds: an earlier deploy stopped between updating the function and publishing it, or the alias was moved outside noveli; publishing $LATEST and pointing ${color} at it`);
  const version = await reporter.phase(`publishing $LATEST of ${ref.functionName}`, () =>
    publishLatest(ref, check.latest, `noveli deploy ${env} ${expected.release}, after a deploy that stopped before publishing`, signal),
  );
  await reporter.phase(`terraform apply -refresh-only (${env}: the function and ${color}'s alias read back, $LATEST as version ${version})`, () =>
    terraformRefresh(call, varFile, [FUNCTION_ADDRESS, aliasAddress(color)]),
  );
  return version;
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
