import type { StageTraffic } from "../../aws/apigateway.js";
import type { Environment } from "../../core/environment.js";
import type { CommandContext } from "../../context.js";
import { createClient } from "../../aws/clients.js";
import { EventBridgeClient, listRuleTargets, retargetRuleToAlias, type Target } from "../../aws/eventbridge.js";
import { AbortError, OperationError, RolledBackError, errorMessage } from "../../errors.js";
import { ask, canPrompt } from "../../output/prompt.js";
import { withLease } from "../../state/lease-scope.js";
import type { Color } from "../../core/color.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { type HealthCheckSettings } from "../health/run.js";
import { openTrafficEnvironment, type TrafficEnvironment } from "./environment.js";
import { loadEnvironmentOutputs } from "../../terraform/environment.js";
import type { EnvironmentOutputs } from "../../terraform/outputs.js";
import { confirmationAnswered, decideTrafficConfirmation, needsTrafficConfirmation, planShift, type PlannedStep } from "./planner.js";
import { previousColor, type PreviousColor } from "./previous-color.js";
import { executeShift, type ShiftOutcome, type ShiftRequest } from "./shift.js";
import { createCanaryAnalysis, type AnalysisSettings } from "./analysis.js";
import { DEFAULT_PROPAGATION, verifyPropagation, type PropagationResult } from "./propagation.js";
import { httpProbe } from "../health/http-probe.js";

/**
 * The shared orchestration of switch-traffic and rollback: outputs → (dry run: plan only) →
 * production confirmation → the environment's lease → shift (every stage write fenced) → history. The commands only parse and render.
 */
export interface TrafficChangeOptions extends Omit<ShiftRequest, "healthGate"> {
  /** Settings of the health gate; its polls during the watch use one attempt of the same. */
  gateSettings: HealthCheckSettings;
  /** Health-check the target first (rollback --force turns it off). */
  healthGate: boolean;
  dryRun: boolean;
  /** --wait-lock: how long to wait for the environment's lease (ms); 0 refuses at once. */
  waitLockMs: number;
  clock?: Clock;
  /**
   * The canary analysis of each step and of the watch: its settings, or "skipped" (--skip-analysis,
   * the recorded emergency bypass). Left out: no analysis (nothing is watched, or a rollback).
   */
  analysis?: AnalysisSettings | "skipped";
  /** How long the live stage may take to answer from the new color after a switch or promotion (ms). Default 60 s. */
  propagationTimeoutMs?: number;
  /** Answer the production confirmation (the caller already confirmed, e.g. rehearse on an emulator). Default: --yes. */
  yes?: boolean;
}

/** How the analysis was run, as the --json document and the history record it. */
export type AnalysisMode = ({ mode: "on" } & AnalysisSettings) | { mode: "skipped" };

export interface DryRunStep {
  name: PlannedStep["kind"];
  percent: number;
  title: string;
  patchOperations: PlannedStep["patchOperations"];
  expect: PlannedStep["expect"];
}

export interface TrafficChangeResult {
  env: Environment;
  outcome: ShiftOutcome;
  dryRun?: DryRunStep[];
  analysis?: AnalysisMode;
}

export async function runTrafficChange(ctx: CommandContext, options: TrafficChangeOptions): Promise<TrafficChangeResult> {
  const env = ctx.environment();
  if (options.dryRun) {
    const environment = await openTrafficEnvironment(ctx);
    try {
      return { env, ...(await dryRun(environment, options)) };
    } finally {
      await environment.close();
    }
  }
  const target = await ctx.target();
  const command = options.operation === "rollback" ? `rollback ${env}` : `switch-traffic ${env} → ${options.to}`;
  // The confirmation comes before the lease: a person thinking it over holds nobody up.
  await confirm(ctx, env, options);
  // The state is read while the lease is taken, one round trip sooner; read again under the lease
  // (beside the stage and the history), it must name the same resources before the first write.
  const prefetched = loadEnvironmentOutputs(ctx);
  prefetched.catch(() => undefined);
  return withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, command, waitMs: options.waitLockMs }, async ({ lease, store, recordAtRelease }) => {
    const outputs = await prefetched;
    const unchanged = loadEnvironmentOutputs(ctx).then((now) => {
      if (!sameOutputs(now, outputs)) {
        throw new OperationError("state-changed", `${env} was deployed while this ${options.operation} started: its Terraform outputs changed, and nothing was changed`, {
          hint: "run it again: it reads the new outputs",
        });
      }
    });
    unchanged.catch(() => undefined);
    // Every write of the live stage (and of the events rule) is fenced by the lease, and never
    // made on outputs the second read did not confirm.
    const fence = async (what: string) => {
      await unchanged;
      await lease.fence(what);
    };
    const environment = await openTrafficEnvironment(ctx, { outputs, fence, history: store });
    // The events rule's targets, read beside the stage: they change only under this lease. No abort
    // signal, as for the stage: after a Ctrl-C the events still follow the restored stage.
    const events = eventsClient(environment);
    const eventTargets = events && outputs.eventRuleName ? listRuleTargets(events, outputs.eventRuleName) : undefined;
    eventTargets?.catch(() => undefined);
    try {
      const started = Date.now();
      const pollSettings: HealthCheckSettings = { ...options.gateSettings, attempts: 1, intervalMs: 0, deep: false, synthetic: false };
      const watched = options.watchMs > 0 || options.canary !== undefined;
      const analysisMode: AnalysisMode | undefined = !watched || options.analysis === undefined ? undefined : options.analysis === "skipped" ? { mode: "skipped" } : { mode: "on", ...options.analysis };
      if (analysisMode?.mode === "skipped") ctx.reporter.warn("canary analysis skipped (--skip-analysis): only alarms and health checks guard this switch; the history records the bypass");
      const analysis =
        analysisMode?.mode === "on"
          ? createCanaryAnalysis({
              settings: analysisMode,
              // moto answers no percentile statistics (a p95 query fails the whole GetMetricData there).
              spec: { functionName: environment.outputs.functionName, environment: env, percentiles: environment.target.kind === "aws" },
              read: (queries, start, end) => environment.metricData(queries, start, end),
              progress: (message) => ctx.reporter.info(message),
            })
          : undefined;
      // The state's second read is awaited with the shift's first stage read: a change found there
      // ends the shift before it writes anything.
      const stage = { ...environment.stage, read: async (signal?: AbortSignal) => (await Promise.all([environment.stage.read(signal), unchanged]))[0] };
      const outcome = await executeShift(
        {
          stage,
          gateHealth: (color: Color) => environment.health(color, options.gateSettings),
          pollHealth: (color: Color) => environment.health(color, pollSettings),
          readAlarms: () => environment.readAlarms(),
          trafficHistory: () => environment.trafficHistory(),
          ...(analysis ? { analysis } : {}),
          verifyPropagation: (color: Color) => landsOn(environment, color, options, ctx.signal),
          clock: options.clock ?? systemClock,
          signal: ctx.signal,
          progress: (message) => ctx.reporter.info(message),
        },
        options,
      );
      const retargeted = lease.lost || !events ? undefined : await retargetEvents(ctx, environment, events, outcome, () => fence("repointing story events"), eventTargets);
      // Written with the lease's release, in the same request (see LeaseScope.recordAtRelease).
      await recordAtRelease({
        type: options.operation,
        ...(retargeted ? { events: retargeted } : {}),
        outcome: outcome.result,
        result: outcome.result,
        from: outcome.from,
        to: outcome.to,
        ...(outcome.undoes ? { undoes: outcome.undoes } : {}),
        reason: outcome.reason,
        ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
        ...(options.canary ? { canary: options.canary } : {}),
        ...(options.watchMs > 0 ? { watchMs: options.watchMs } : {}),
        ...(analysisMode ? { analysis: analysisMode } : {}),
        ...(lease.lost ? { leaseLost: true } : {}),
        steps: outcome.steps,
        live: outcome.liveAfter,
        durationMs: Date.now() - started,
      });
      return { env, outcome, ...(analysisMode ? { analysis: analysisMode } : {}) };
    } finally {
      events?.destroy();
      await environment.close();
    }
  });
}

/** Pure: whether two reads of the outputs name the same resources. */
export function sameOutputs(a: EnvironmentOutputs, b: EnvironmentOutputs): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The EventBridge client of the environment's events rule; undefined when it has none. */
function eventsClient(environment: TrafficEnvironment): EventBridgeClient | undefined {
  return environment.outputs.eventRuleName ? createClient(EventBridgeClient, environment.target, { region: environment.outputs.region }) : undefined;
}

/** The production confirmation, asked about the stage as it reads now. */
async function confirm(ctx: CommandContext, env: Environment, options: TrafficChangeOptions): Promise<void> {
  const yes = options.yes === true || ctx.globals.yes;
  if (!needsTrafficConfirmation(env, yes)) return;
  const environment = await openTrafficEnvironment(ctx);
  try {
    const current = await environment.readStage();
    const action = describeAction(env, options, current, options.operation === "rollback" ? await rollbackTo(environment, current) : undefined);
    const confirmation = decideTrafficConfirmation({ env, yes, interactive: canPrompt(), action });
    if (confirmation.kind === "refuse") throw new OperationError("confirmation-needed", `${confirmation.reason}`, { hint: confirmation.hint });
    if (confirmation.kind === "confirm") {
      const answer = await ask(confirmation.prompt, ctx.signal);
      if (!confirmationAnswered(answer, env)) throw new OperationError("declined", `${action}: not confirmed, nothing changed`);
    }
  } finally {
    await environment.close();
  }
}

/**
 * Real AWS only: the live stage's URL serves the switched traffic there. An emulator's stage URL is
 * no API Gateway that routes requests to Lambda aliases, so the check says it cannot run.
 */
async function landsOn(environment: TrafficEnvironment, color: Color, options: TrafficChangeOptions, signal: AbortSignal): Promise<PropagationResult> {
  if (environment.target.kind !== "aws") {
    return { kind: "unavailable", summary: `not available on ${environment.target.kind === "local" ? "the embedded emulator" : "an emulator endpoint"}: its live stage does not serve traffic through the Lambda aliases, so where traffic lands cannot be probed` };
  }
  const probe = httpProbe(environment.outputs.stageInvokeUrls.live);
  try {
    return await verifyPropagation({
      probe,
      color,
      settings: { ...DEFAULT_PROPAGATION, requestTimeoutMs: options.gateSettings.timeoutMs, ...(options.propagationTimeoutMs !== undefined ? { timeoutMs: options.propagationTimeoutMs } : {}) },
      clock: options.clock ?? systemClock,
      signal,
    });
  } finally {
    await probe.close();
  }
}

/**
 * Story events (EventBridge) must reach the color that serves live traffic, like API requests do.
 * Terraform points them at the live color as each deploy sees it; after a switch or rollback the
 * rule's target follows the stage here. A failure is reported, never hidden: traffic already moved.
 */
async function retargetEvents(
  ctx: CommandContext,
  environment: TrafficEnvironment,
  client: EventBridgeClient,
  outcome: ShiftOutcome,
  fence: () => Promise<void>,
  targets: Promise<Target[]> | undefined,
): Promise<string | undefined> {
  const live = outcome.liveAfter;
  const { eventRuleName, eventTargetId, aliasNames } = environment.outputs;
  if (!live || !eventRuleName || !eventTargetId || live.canary || (live.deployment !== "blue" && live.deployment !== "green")) return undefined;
  try {
    const color = live.deployment;
    const changed = await retargetRuleToAlias(client, eventRuleName, eventTargetId, aliasNames[color], fence, targets);
    if (changed) ctx.reporter.info(`story events now reach ${color} (EventBridge rule ${eventRuleName})`);
    return color;
  } catch (error) {
    ctx.reporter.warn(`live traffic is on ${live.deployment}, but story events could not be repointed: ${errorMessage(error)}`);
    return `failed: ${errorMessage(error)}`;
  }
}

/** Where a rollback would go now, from the stage as read and the shared history. */
async function rollbackTo(environment: TrafficEnvironment, current: StageTraffic): Promise<PreviousColor> {
  return previousColor(current, await environment.trafficHistory());
}

async function dryRun(environment: TrafficEnvironment, options: TrafficChangeOptions): Promise<Omit<TrafficChangeResult, "env">> {
  const current = await environment.readStage();
  let to: Color;
  if (options.operation === "rollback") {
    const target = await rollbackTo(environment, current);
    if ("refuse" in target) throw new OperationError("rollback-impossible", `rollback refused: ${target.refuse}`);
    to = target.to;
  } else {
    if (!options.to) throw new OperationError("switch-failed", "a switch needs the color to switch to");
    to = options.to;
  }
  const plan = planShift({ current, to, ...(options.canary ? { canary: options.canary } : {}) });
  const steps: DryRunStep[] = plan.map((s) => ({ name: s.kind, percent: s.percent, title: s.title, patchOperations: s.patchOperations, expect: s.expect }));
  return {
    outcome: {
      from: current.deployment ?? null,
      to,
      result: "unchanged",
      exit: "success",
      reason: plan.length === 0 ? `dry run: ${to} already serves all live traffic, nothing would change` : `dry run: nothing changed; ${plan.length} UpdateStage call(s) would run`,
      steps: [],
      liveAfter: current,
    },
    dryRun: steps,
  };
}

/** What the confirmation asks about, with the colors as the stage reads now. */
function describeAction(env: Environment, options: TrafficChangeOptions, current: StageTraffic, target: PreviousColor | undefined): string {
  const live = current.deployment ?? "an unknown color";
  if (options.operation === "switch" || !target) return `switch ${env} from ${live} to ${options.to}`;
  return "refuse" in target ? `roll back ${env}` : current.canary ? `roll back ${env}: remove the canary, all traffic on ${target.to}` : `roll back ${env} from ${live} to ${target.to}`;
}

/** Turns an outcome into the command's exit: nothing for success, else the typed error. */
export function throwForOutcome(outcome: ShiftOutcome, what: string): void {
  switch (outcome.exit) {
    case "success":
      return;
    case "rolled-back":
      throw new RolledBackError(`${what} rolled back: ${outcome.reason}`);
    case "interrupted":
      throw new AbortError(`${what} interrupted: ${outcome.reason}`);
    case "failed":
      if (outcome.result === "superseded") throw new OperationError("traffic-moved", `${what} stopped: ${outcome.reason}`);
      if (outcome.restoreFailed) throw new OperationError("restore-failed", `${what} failed: ${outcome.reason}`);
      throw new OperationError(outcome.result === "refused" ? "refused" : "switch-failed", `${what} ${outcome.result === "refused" ? "refused" : "failed"}: ${outcome.reason}`);
  }
}
