import { APIGatewayClient, getStageTraffic, updateStage, type StageTraffic } from "../../aws/apigateway.js";
import { CognitoIdentityProviderClient, adminPasswordSignIn } from "../../aws/cognito.js";
import { SecretsManagerClient, getSecretString } from "../../aws/secrets.js";
import { createClient } from "../../aws/clients.js";
import { CloudWatchClient, describeAlarmStates, getMetricData, type AlarmState, type MetricSeries, type MetricStatQuery } from "../../aws/cloudwatch.js";
import { LambdaClient } from "../../aws/lambda.js";
import type { Environment } from "../../core/environment.js";
import type { Target } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { getObjectBytes } from "../../aws/s3.js";
import { openAccount, s3ClientFor } from "../../state/account.js";
import { artifactObjectKey } from "../../state/bootstrap-plan.js";
import { readHistoryOldestFirst, type HistoryRecord, type HistoryStore } from "../../state/history.js";
import { openOpsStore } from "../../state/ops-store.js";
import { loadEnvironmentOutputs } from "../../terraform/environment.js";
import { COLORS, type Color } from "../../core/color.js";
import type { EnvironmentOutputs } from "../../terraform/outputs.js";
import type { HealthReport } from "../health/judge.js";
import { checkColorHealth, describeResponse, type HealthCheckSettings } from "../health/run.js";
import { signInSyntheticUser, type SyntheticIdentity } from "../health/synthetic.js";
import { openColorSubject, type ColorSubject } from "../health/targets.js";
import { settlesPreviousColor, TRAFFIC_HISTORY_KINDS, TRAFFIC_HISTORY_LIMIT } from "./previous-color.js";
import type { LiveStage } from "./stage.js";

/**
 * One environment as the blue-green commands see it: its Terraform outputs, the live stage, the
 * alarms, the history, and a health probe per color (opened once and reused, so the local runner
 * stays warm; `close()` stops them).
 */
export interface TrafficEnvironment {
  env: Environment;
  target: Target;
  outputs: EnvironmentOutputs;
  lambda: LambdaClient;
  stage: LiveStage;
  readStage(): Promise<StageTraffic>;
  /** The environment's alarms; a per-color alarm carries its color. */
  readAlarms(): Promise<(AlarmState & { color?: Color })[]>;
  /** GetMetricData for the canary analysis. */
  metricData(queries: MetricStatQuery[], start: Date, end: Date): Promise<ReadonlyMap<string, MetricSeries>>;
  /** The environment's newest deploy records (from the operations table), oldest first. */
  deployHistory(): Promise<HistoryRecord[]>;
  /** The environment's newest switch, rollback and teardown records (from the operations table), newest first. */
  trafficHistory(): Promise<HistoryRecord[]>;
  /** The operations table's history, for the records of the command. */
  history: HistoryStore;
  subject(color: Color): Promise<ColorSubject>;
  health(color: Color, settings: HealthCheckSettings): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface TrafficEnvironmentOptions {
  /** Called right before every write of the live stage: throws when the command no longer holds the lease. */
  fence?: (what: string) => Promise<void>;
  /** The operations table, when the caller holds one (under a lease); else one is opened and closed here. */
  history?: HistoryStore;
  /** The Terraform outputs, when the caller read them already; else they are read here. */
  outputs?: EnvironmentOutputs;
}

const DEPLOY_RECORDS = 50;

/** Pure: each alarm with the color it watches, when it is one of a color's own alarms. */
export function withAlarmColors(outputs: Pick<EnvironmentOutputs, "colorAlarmNames">, alarms: AlarmState[]): (AlarmState & { color?: Color })[] {
  const colorOf = new Map<string, Color>(COLORS.flatMap((color) => (outputs.colorAlarmNames?.[color] ?? []).map((name) => [name, color] as const)));
  return alarms.map((alarm) => {
    const color = colorOf.get(alarm.name);
    return color ? { ...alarm, color } : alarm;
  });
}

/** Pure: the warning for alarms the outputs name and CloudWatch does not have. */
export function missingAlarmsWarning(missing: string[]): string {
  return `alarm(s) from the Terraform outputs not found in CloudWatch: ${missing.join(", ")}`;
}

export async function openTrafficEnvironment(ctx: CommandContext, options: TrafficEnvironmentOptions = {}): Promise<TrafficEnvironment> {
  const env = ctx.environment();
  const target = await ctx.target();
  const outputs = options.outputs ?? (await loadEnvironmentOutputs(ctx));
  const ownStore = options.history ? undefined : await openOpsStore({ target, env, reporter: ctx.reporter, signal: ctx.signal });
  const history: HistoryStore = options.history ?? (ownStore as HistoryStore);
  const region = { region: outputs.region };
  const apiGateway = createClient(APIGatewayClient, target, region);
  // Made on first use: a forced rollback reads no alarm and checks no color's health.
  let cloudWatchClient: CloudWatchClient | undefined;
  let lambdaClient: LambdaClient | undefined;
  const cloudWatch = () => (cloudWatchClient ??= createClient(CloudWatchClient, target, region));
  const lambda = () => (lambdaClient ??= createClient(LambdaClient, target, region));
  const subjects = new Map<Color, Promise<ColorSubject>>();
  let warnedMissing = false;
  const signInClients: Array<{ destroy(): void }> = [];
  let syntheticSignIn: Promise<SyntheticIdentity> | undefined;

  /** The synthetic user, signed in once per environment (its token outlives one check of both colors). */
  const syntheticUser = (): Promise<SyntheticIdentity> => {
    const { userPoolId, syntheticClientId, syntheticUserSecretName } = outputs;
    if (!userPoolId || !syntheticClientId || !syntheticUserSecretName) {
      return Promise.reject(new Error("the environment's outputs name no synthetic user (deploy it with this noveli)"));
    }
    if (!syntheticSignIn) {
      syntheticSignIn = (async () => {
        const cognito = createClient(CognitoIdentityProviderClient, target, region);
        const secrets = createClient(SecretsManagerClient, target, region);
        signInClients.push(cognito, secrets);
        return signInSyntheticUser(
          { region: outputs.region, userPoolId, clientId: syntheticClientId, secretName: syntheticUserSecretName },
          { readSecret: (name) => getSecretString(secrets, name, ctx.signal), signIn: (signIn) => adminPasswordSignIn(cognito, signIn, ctx.signal) },
        );
      })();
      syntheticSignIn.catch(() => (syntheticSignIn = undefined));
    }
    return syntheticSignIn;
  };

  const readStage = (signal?: AbortSignal) => getStageTraffic(apiGateway, outputs.apiId, outputs.liveStageName, signal);
  const deployHistory = () => readHistoryOldestFirst(history, env, { limit: DEPLOY_RECORDS, types: ["deploy"] });
  const trafficHistory = () => history.readHistory(env, { limit: TRAFFIC_HISTORY_LIMIT, types: TRAFFIC_HISTORY_KINDS, enough: settlesPreviousColor });
  /** Emulator targets: the zip another machine deployed, from the state bucket into this machine's cache. */
  const fetchArtifact = async (zipSha256Hex: string): Promise<Uint8Array | undefined> => {
    const account = await openAccount({ target, env, reporter: ctx.reporter, signal: ctx.signal });
    const s3 = s3ClientFor(target, account.region);
    try {
      return await getObjectBytes(s3, account.bucket, artifactObjectKey(env, zipSha256Hex), ctx.signal);
    } finally {
      s3.destroy();
    }
  };

  const subject = (color: Color): Promise<ColorSubject> => {
    let opened = subjects.get(color);
    if (!opened) {
      opened = deployHistory().then((records) =>
        openColorSubject({ color, target, outputs, stateDir: ctx.stateDir, lambdaClient: lambda(), history: records, fetchArtifact, reporter: ctx.reporter, signal: ctx.signal }),
      );
      subjects.set(color, opened);
      // A failed open is not cached: the next call tries again.
      opened.catch(() => subjects.delete(color));
    }
    return opened;
  };

  return {
    env,
    target,
    outputs,
    get lambda() {
      return lambda();
    },
    // Stage calls carry no abort signal: the restore after SIGINT must still reach the stage.
    stage: {
      read: readStage,
      update: async (ops, signal) => {
        await options.fence?.(`UpdateStage ${outputs.liveStageName}`);
        return updateStage(apiGateway, outputs.apiId, outputs.liveStageName, ops, signal);
      },
    },
    readStage: () => readStage(),
    async readAlarms() {
      const { alarms, missing } = await describeAlarmStates(cloudWatch(), outputs.alarmNames, ctx.signal);
      if (missing.length > 0 && !warnedMissing) {
        warnedMissing = true;
        ctx.reporter.warn(missingAlarmsWarning(missing));
      }
      return withAlarmColors(outputs, alarms);
    },
    metricData: (queries, start, end) => getMetricData(cloudWatch(), queries, start, end, ctx.signal),
    deployHistory,
    trafficHistory,
    history,
    subject,
    async health(color, settings) {
      const opened = await subject(color);
      return checkColorHealth({
        color,
        probe: opened.probe,
        settings,
        signal: ctx.signal,
        ...(settings.synthetic ? { syntheticUser } : {}),
        ...(opened.expected ? { expected: opened.expected } : {}),
        ...(opened.lambda ? { lambda: opened.lambda } : {}),
        onResponse: (request, response) => ctx.reporter.debug(`[${color}] ${describeResponse(request, response)}`),
      });
    },
    async close() {
      const opened = await Promise.allSettled([...subjects.values()]);
      subjects.clear();
      await Promise.allSettled(opened.map((o) => (o.status === "fulfilled" ? o.value.probe.close() : Promise.resolve())));
      for (const client of [apiGateway, cloudWatchClient, lambdaClient, ...signInClients]) client?.destroy();
      ownStore?.close();
    },
  };
}
