import type { StageTraffic } from "../../aws/apigateway.js";
import { createClient } from "../../aws/clients.js";
import { EventBridgeClient, getRuleTargetArn } from "../../aws/eventbridge.js";
import type { AlarmState } from "../../aws/cloudwatch.js";
import { getAliasedVersionConfiguration, type FunctionVersionConfiguration } from "../../aws/lambda.js";
import type { Environment } from "../../core/environment.js";
import type { Target } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { errorMessage } from "../../errors.js";
import { readHistoryOldestFirst, type HistoryRecord } from "../../state/history.js";
import { describeHolder, type LeaseHolder } from "../../state/lease.js";
import { accountResources, opsClientFor } from "../../state/account.js";
import { OpsStore } from "../../state/ops-store.js";
import { COLORS, type Color } from "../../core/color.js";
import { type EnvironmentOutputs } from "../../terraform/outputs.js";
import { expectationFromHistory } from "../health/judge.js";
import { openTrafficEnvironment } from "./environment.js";
import { isColor } from "../../core/color.js";

/** What `noveli status` shows about one environment. */
export interface EnvironmentStatus {
  env: Environment;
  live: { color: Color | null; deployment: string | null; canary: { percentTraffic: number; color: string | null } | null };
  colors: Record<Color, ColorStatus>;
  alarms: AlarmState[];
  /** Invoke URLs: the live stage's, and each color's own stage's (health checks use those). */
  urls: { live: string } & Record<Color, string>;
  /** Where story events go: the EventBridge rule's target; null when the environment has no rule. */
  events: StoryEventsDestination | null;
  /** The command holding the environment's lease right now, if any (read from the operations table). */
  operationInProgress: (LeaseHolder & { heartbeatAt: string; expiresAt: string; expired: boolean; summary: string }) | null;
  history: { deploys: HistoryEntry[]; switches: HistoryEntry[] };
}

export interface ColorStatus {
  live: boolean;
  /** Share of live traffic this color receives. */
  trafficPercent: number;
  alias: string;
  lambdaVersion: string | null;
  codeSha256: string | null;
  /** APP_VERSION of the alias's version. */
  version: string | null;
  /** When noveli deployed what this color runs, if recorded here. */
  deployedAt: string | null;
  /**
   * Whether the alias runs what noveli's newest deploy of this color recorded (same code and Lambda
   * version); null when the history records no deploy of it. False means drift: someone moved it.
   */
  matchesDeployRecord: boolean | null;
  error?: string;
}

export interface StoryEventsDestination {
  rule: string;
  targetId: string;
  /** The ARN events are delivered to (the story generator's alias), null when unreadable. */
  targetArn: string | null;
  /** The alias the ARN names, and the color whose alias that is. */
  alias: string | null;
  color: Color | null;
  /** Whether events reach the color live traffic is on (switch-traffic keeps the two together). */
  followsLive: boolean;
  error?: string;
}

/** Pure: which alias and color a rule's target ARN delivers to. */
export function eventDestination(
  input: { rule: string; targetId: string; targetArn: string | undefined; aliasNames: Record<Color, string>; liveColor: Color | null },
): StoryEventsDestination {
  const parts = input.targetArn?.split(":") ?? [];
  // arn:aws:lambda:region:account:function:name[:qualifier]
  const alias = parts.length === 8 && parts[2] === "lambda" ? (parts[7] ?? null) : null;
  const color = COLORS.find((c) => input.aliasNames[c] === alias) ?? null;
  return { rule: input.rule, targetId: input.targetId, targetArn: input.targetArn ?? null, alias, color, followsLive: color !== null && color === input.liveColor };
}

/** A history record reduced to what a status line needs. */
export interface HistoryEntry {
  type: HistoryRecord["type"];
  at: string;
  user: string;
  outcome: string;
  color?: string;
  from?: string | null;
  to?: string | null;
  version?: string;
  reason?: string;
}

const HISTORY_LINES = 5;
/** Enough of the newest records to find each color's newest deploy and the last switches. */
const STATUS_RECORDS = 200;

/** Pure: each color's share of live traffic from the stage. */
export function trafficShares(stage: StageTraffic): Record<Color, number> {
  const shares: Record<Color, number> = { blue: 0, green: 0 };
  const canaryColor = stage.canary && stage.canary.percentTraffic > 0 && isColor(stage.canary.deployment) ? stage.canary.deployment : undefined;
  const canaryPercent = canaryColor ? (stage.canary?.percentTraffic ?? 0) : 0;
  if (isColor(stage.deployment)) shares[stage.deployment] += 100 - canaryPercent;
  if (canaryColor) shares[canaryColor] += canaryPercent;
  return shares;
}

/** Pure: the newest records of some types, newest first, in short form. */
export function recentEntries(records: HistoryRecord[], types: HistoryRecord["type"][], limit = HISTORY_LINES): HistoryEntry[] {
  return records
    .filter((r) => types.includes(r.type))
    .slice(-limit)
    .reverse()
    .map((r) => ({
      type: r.type,
      at: r.at,
      user: r.user,
      outcome: r.outcome,
      ...(typeof r.color === "string" ? { color: r.color } : {}),
      ...(r.from !== undefined ? { from: r.from as string | null } : {}),
      ...(r.to !== undefined ? { to: r.to as string | null } : {}),
      ...(typeof r.version === "string" ? { version: r.version } : {}),
      ...(typeof r.reason === "string" ? { reason: r.reason } : typeof r.error === "string" ? { reason: r.error } : {}),
    }));
}

/**
 * Every read in as few round trips as they depend on each other: the history and the lease need
 * only the account's names, so they go out with the bootstrap check and the state object; then the
 * stage, the alarms, the events rule and each color's alias (with its version's configuration) at once.
 */
export async function readEnvironmentStatus(ctx: CommandContext): Promise<EnvironmentStatus> {
  const target = await ctx.target();
  const env = ctx.environment();
  const names = await accountResources(target, ctx.signal, ctx.stateDir);
  const store = new OpsStore(opsClientFor(target, names.region), names.table);
  const early = {
    history: settled(() => readHistoryOldestFirst(store, env, { limit: STATUS_RECORDS })),
    lease: settled(() => store.readLease(env)),
  };
  const environment = await openTrafficEnvironment(ctx, { history: store }).catch((error: unknown) => {
    store.close();
    throw error;
  });
  try {
    const { outputs } = environment;
    const colorReads = COLORS.map((color) =>
      getAliasedVersionConfiguration(environment.lambda, outputs.functionName, outputs.aliasNames[color], ctx.signal).then(
        (config) => ({ config }),
        (error: unknown) => ({ error: errorMessage(error) }),
      ),
    );
    // The bootstrap check passed (opening the environment waited for it): a read that failed
    // before an emulator's table existed is done again.
    const [stage, alarms, eventsTarget, history, lease, ...colorConfigs] = await Promise.all([
      environment.readStage(),
      environment.readAlarms(),
      readEventsTarget(ctx, environment),
      early.history(),
      early.lease(),
      ...colorReads,
    ]);
    const now = Date.now();
    const shares = trafficShares(stage);
    const colors = {} as Record<Color, ColorStatus>;
    COLORS.forEach((color, index) => {
      const base = { live: stage.deployment === color, trafficPercent: shares[color], alias: outputs.aliasNames[color] };
      const read = colorConfigs[index] as { config: FunctionVersionConfiguration } | { error: string };
      if ("error" in read) {
        colors[color] = { ...base, lambdaVersion: null, codeSha256: null, version: null, deployedAt: null, matchesDeployRecord: null, error: read.error };
        return;
      }
      const { config } = read;
      const recorded = expectationFromHistory(history, color);
      const matches = recorded ? recorded.codeSha256 === config.codeSha256 && (recorded.lambdaVersion === null || recorded.lambdaVersion === config.version) : null;
      colors[color] = {
        ...base,
        lambdaVersion: config.version,
        codeSha256: config.codeSha256,
        version: config.environment.APP_VERSION ?? null,
        deployedAt: matches ? (recorded?.recordedAt ?? null) : null,
        matchesDeployRecord: matches,
      };
    });
    const canary = stage.canary ? { percentTraffic: stage.canary.percentTraffic, color: stage.canary.deployment ?? null } : null;
    const liveColor = isColor(stage.deployment) ? stage.deployment : null;
    const events =
      outputs.eventRuleName && outputs.eventTargetId
        ? {
            ...eventDestination({ rule: outputs.eventRuleName, targetId: outputs.eventTargetId, targetArn: eventsTarget.arn, aliasNames: outputs.aliasNames, liveColor }),
            ...(eventsTarget.error ? { error: eventsTarget.error } : {}),
          }
        : null;
    return {
      env,
      live: { color: isColor(stage.deployment) ? stage.deployment : null, deployment: stage.deployment ?? null, canary },
      colors,
      alarms,
      urls: outputs.stageInvokeUrls,
      events,
      operationInProgress: lease
        ? { ...lease.holder, heartbeatAt: lease.heartbeatAt, expiresAt: new Date(lease.expiresAt).toISOString(), expired: lease.expiresAt < now, summary: describeHolder(lease, now) }
        : null,
      history: { deploys: recentEntries(history, ["deploy"]), switches: recentEntries(history, ["switch", "rollback"]) },
    };
  } finally {
    await environment.close();
    store.close();
  }
}

/**
 * Starts a read now; the returned function gives its result, or runs it again when the first try
 * failed (it may have gone out before an emulator's bootstrap created what it reads).
 */
export function settled<T>(read: () => Promise<T>): () => Promise<T> {
  const first = read();
  first.catch(() => undefined);
  return () => first.catch(() => read());
}

/** The story-events rule's target ARN; an error is reported in the status, not thrown. */
async function readEventsTarget(ctx: CommandContext, environment: { target: Target; outputs: EnvironmentOutputs }): Promise<{ arn?: string; error?: string }> {
  const { outputs } = environment;
  if (!outputs.eventRuleName || !outputs.eventTargetId) return {};
  const client = createClient(EventBridgeClient, environment.target, { region: outputs.region });
  try {
    const arn = await getRuleTargetArn(client, outputs.eventRuleName, outputs.eventTargetId, ctx.signal);
    return arn ? { arn } : { error: `the rule has no target ${outputs.eventTargetId}` };
  } catch (error) {
    return { error: errorMessage(error) };
  } finally {
    client.destroy();
  }
}
