import { APIGatewayClient, getStageTraffic, type StageTraffic } from "../../aws/apigateway.js";
import { createClient } from "../../aws/clients.js";
import { CloudWatchClient, describeAlarmStates, type AlarmStates } from "../../aws/cloudwatch.js";
import { EventBridgeClient, getRuleTargetArn } from "../../aws/eventbridge.js";
import { LambdaClient, getAliasedVersionConfiguration, type FunctionVersionConfiguration } from "../../aws/lambda.js";
import { COLORS, type Color } from "../../core/color.js";
import type { Target } from "../../core/target.js";
import { errorMessage } from "../../errors.js";
import type { EnvironmentOutputs } from "../../terraform/outputs.js";
import { keyedCache } from "../../state/keyed-cache.js";

/**
 * What `noveli status` reads of an environment once its Terraform outputs name it: the live stage,
 * the alarms, the story-events rule's target and each color's alias. These reads need only a few
 * names from the outputs, and those names do not change from one run to the next, so this machine
 * keeps them (`<state dir>/cache/live-names.json`) and the next status sends the reads together
 * with the state object's instead of after it: one round trip instead of two. The state stays the
 * truth: once it is read, the names it gives are compared with those the reads went out with, and
 * on any difference (another deploy, another emulator) the reads are sent again with the real ones.
 * So the cache can only make a status faster, never show it something the state does not say; a
 * broken or missing file is a miss.
 */

/** The part of the outputs the live reads go out with. */
export interface LiveNames {
  region: string;
  apiId: string;
  liveStageName: string;
  functionName: string;
  aliasNames: Record<Color, string>;
  alarmNames: string[];
  eventRuleName: string | null;
  eventTargetId: string | null;
}

export type ColorRead = { config: FunctionVersionConfiguration } | { error: string };

export interface LiveReads {
  names: LiveNames;
  stage: Promise<StageTraffic>;
  alarms: Promise<AlarmStates>;
  /** The story-events rule's target ARN; an error is reported in the status, not thrown. */
  eventsTarget: Promise<{ arn?: string; error?: string }>;
  colors: Promise<ColorRead>[];
  /** Waits for every read, then destroys the clients; what failed was either used or not needed. */
  close(): Promise<void>;
}

/** Pure: the names the live reads need. */
export function liveNames(outputs: EnvironmentOutputs): LiveNames {
  const { region, apiId, liveStageName, functionName, aliasNames, alarmNames, eventRuleName, eventTargetId } = outputs;
  return { region, apiId, liveStageName, functionName, aliasNames: { ...aliasNames }, alarmNames: [...alarmNames], eventRuleName, eventTargetId };
}

/** Pure: whether reads sent with `a` read what `b` names. */
export function sameLiveNames(a: LiveNames, b: LiveNames): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(names: LiveNames): unknown[] {
  return [
    names.region,
    names.apiId,
    names.liveStageName,
    names.functionName,
    COLORS.map((color) => names.aliasNames[color]),
    [...names.alarmNames].sort(),
    names.eventRuleName,
    names.eventTargetId,
  ];
}

/** Sends every live read now, with clients of its own for the names' region. */
export function startLiveReads(target: Target, names: LiveNames, signal?: AbortSignal): LiveReads {
  const region = { region: names.region };
  const apiGateway = createClient(APIGatewayClient, target, region);
  const cloudWatch = createClient(CloudWatchClient, target, region);
  const lambda = createClient(LambdaClient, target, region);
  const stage = getStageTraffic(apiGateway, names.apiId, names.liveStageName, signal);
  const alarms = describeAlarmStates(cloudWatch, names.alarmNames, signal);
  const eventsTarget = readEventsTarget(target, names, signal);
  const colors = COLORS.map((color) =>
    getAliasedVersionConfiguration(lambda, names.functionName, names.aliasNames[color], signal).then(
      (config): ColorRead => ({ config }),
      (error: unknown): ColorRead => ({ error: errorMessage(error) }),
    ),
  );
  const all = [stage, alarms, eventsTarget, ...colors];
  for (const read of all) read.catch(() => undefined);
  return {
    names,
    stage,
    alarms,
    eventsTarget,
    colors,
    async close() {
      await Promise.allSettled(all);
      for (const client of [apiGateway, cloudWatch, lambda]) client.destroy();
    },
  };
}

async function readEventsTarget(target: Target, names: LiveNames, signal?: AbortSignal): Promise<{ arn?: string; error?: string }> {
  if (!names.eventRuleName || !names.eventTargetId) return {};
  const client = createClient(EventBridgeClient, target, { region: names.region });
  try {
    const arn = await getRuleTargetArn(client, names.eventRuleName, names.eventTargetId, signal);
    return arn ? { arn } : { error: `the rule has no target ${names.eventTargetId}` };
  } catch (error) {
    return { error: errorMessage(error) };
  } finally {
    client.destroy();
  }
}

const VERSION = 1;
/** Entries kept; the oldest go first (emulators restart, environments come and go). */
const MAX_ENTRIES = 16;

const cache = keyedCache("live-names.json", VERSION, MAX_ENTRIES);

/** Pure: whether a cached value has the shape of LiveNames (anything else is a miss). */
export function isLiveNames(value: unknown): value is LiveNames {
  const v = value as Partial<LiveNames> | null;
  const text = (x: unknown) => typeof x === "string" && x !== "";
  const nullableText = (x: unknown) => x === null || text(x);
  return (
    !!v &&
    text(v.region) &&
    text(v.apiId) &&
    text(v.liveStageName) &&
    text(v.functionName) &&
    !!v.aliasNames &&
    COLORS.every((color) => text(v.aliasNames?.[color])) &&
    Array.isArray(v.alarmNames) &&
    v.alarmNames.every(text) &&
    nullableText(v.eventRuleName) &&
    nullableText(v.eventTargetId)
  );
}

/** The names this machine last read for an environment of an account; undefined when unknown. */
export function readCachedLiveNames(stateDir: string, key: string): LiveNames | undefined {
  const names = (cache.read(stateDir, key) as { names?: unknown } | undefined)?.names;
  return isLiveNames(names) ? names : undefined;
}

/** Keeps the names for the next status; a cache that cannot be written is a miss next time. */
export function writeCachedLiveNames(stateDir: string, key: string, names: LiveNames, now: Date = new Date()): void {
  cache.write(stateDir, key, { names }, now);
}
