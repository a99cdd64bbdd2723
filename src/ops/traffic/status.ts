import type { AlarmState } from "../../aws/cloudwatch.js";
import type { FunctionVersionConfiguration } from "../../aws/lambda.js";
import type { Environment } from "../../core/environment.js";
import { describeTarget } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { readHistoryOldestFirst, type HistoryRecord } from "../../state/history.js";
import { describeHolder, type LeaseHolder } from "../../state/lease.js";
import { accountResources, openAccount, opsClientFor } from "../../state/account.js";
import { OpsStore } from "../../state/ops-store.js";
import { COLORS, isColor, type Color } from "../../core/color.js";
import { loadEnvironmentOutputs } from "../../terraform/environment.js";
import type { StageTraffic } from "../../aws/apigateway.js";
import { expectationFromHistory } from "../health/judge.js";
import { missingAlarmsWarning, withAlarmColors } from "./environment.js";
import { liveNames, readCachedLiveNames, sameLiveNames, startLiveReads, writeCachedLiveNames, type ColorRead, type LiveReads } from "./live-reads.js";

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
/** How far back status looks: enough of the newest records to find each color's newest deploy and the last switches. */
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
 * Every read in as few round trips as they depend on each other. The history and the lease need
 * only the account's names, so they go out with the state object; the live reads (stage, alarms,
 * events rule, each color's alias) need names from the state's outputs, which this machine keeps
 * from its last status (live-reads.ts), so they go out then too, and are sent again only when the
 * state names something else. No bootstrap check on a healthy account: the reads that answer prove
 * it, and only one that fails has the account checked before it runs again.
 */
export async function readEnvironmentStatus(ctx: CommandContext): Promise<EnvironmentStatus> {
  const target = await ctx.target();
  const env = ctx.environment();
  const names = await accountResources(target, ctx.signal, ctx.stateDir);
  const store = new OpsStore(opsClientFor(target, names.region), names.table);
  const recheck = () => openAccount({ target, env, reporter: ctx.reporter, signal: ctx.signal });
  const early = {
    // Two reads of the same newest records, each bringing back only its kinds: the deploys (each
    // color's newest, and the last few), and the last few switches and rollbacks, however many
    // deploys lie between them.
    history: settled(
      () =>
        Promise.all([
          readHistoryOldestFirst(store, env, { types: ["deploy"], limit: STATUS_RECORDS, scan: STATUS_RECORDS }),
          readHistoryOldestFirst(store, env, { types: ["switch", "rollback"], limit: HISTORY_LINES, scan: STATUS_RECORDS }),
        ]).then(([deploys, switches]) => [...deploys, ...switches].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))),
      recheck,
    ),
    lease: settled(() => store.readLease(env), recheck),
  };
  const cacheKey = `${names.accountId}|${names.region}|${describeTarget(target)}|${env}`;
  // The state object first: when it names something else, the reads go again once it is in.
  const state = loadEnvironmentOutputs(ctx);
  state.catch(() => undefined);
  const cached = readCachedLiveNames(ctx.stateDir, cacheKey);
  const guessed = cached ? startLiveReads(target, cached, ctx.signal) : undefined;
  let live: LiveReads | undefined;
  try {
    const outputs = await state;
    const real = liveNames(outputs);
    live = guessed && sameLiveNames(guessed.names, real) ? guessed : startLiveReads(target, real, ctx.signal);
    if (live !== guessed) writeCachedLiveNames(ctx.stateDir, cacheKey, real);
    const [stage, alarmStates, eventsTarget, history, lease, ...colorConfigs] = await Promise.all([
      live.stage,
      live.alarms,
      live.eventsTarget,
      early.history(),
      early.lease(),
      ...live.colors,
    ]);
    if (alarmStates.missing.length > 0) ctx.reporter.warn(missingAlarmsWarning(alarmStates.missing));
    const alarms = withAlarmColors(outputs, alarmStates.alarms);
    const now = Date.now();
    const shares = trafficShares(stage);
    const colors = {} as Record<Color, ColorStatus>;
    COLORS.forEach((color, index) => {
      const base = { live: stage.deployment === color, trafficPercent: shares[color], alias: outputs.aliasNames[color] };
      const read = colorConfigs[index] as ColorRead;
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
    await Promise.all([guessed?.close(), live !== guessed ? live?.close() : undefined]);
    store.close();
  }
}

/**
 * Starts a read now; the returned function gives its result, or runs it again when the first try
 * failed, after `beforeRetry` (the account's bootstrap check: it explains a missing bootstrap, or
 * bootstraps an emulator the read went out before).
 */
export function settled<T>(read: () => Promise<T>, beforeRetry: () => Promise<unknown>): () => Promise<T> {
  const first = read();
  first.catch(() => undefined);
  return () => first.catch(() => beforeRetry().then(read));
}
