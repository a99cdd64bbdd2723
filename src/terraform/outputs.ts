import { COLORS, type Color } from "../core/color.js";
import type { Environment } from "../core/environment.js";
import { ConfigError } from "../errors.js";

/**
 * Every identifier the CLI needs, read from the environment's Terraform outputs: commands never
 * build resource names themselves. The Terraform module (terraform/modules/noveli) declares these
 * outputs in snake_case; each environment root passes them on as its one output, `noveli`, the
 * module's whole output object. `parseOutputs` maps `terraform output -json` onto this shape.
 */

export interface EnvironmentOutputs {
  environment: Environment;
  region: string;
  apiId: string;
  /** Stage carrying live traffic; its `deployment` variable names the live color. */
  liveStageName: string;
  /** One stage per color, each pinned to its color, for health checks. */
  colorStageNames: Record<Color, string>;
  /** Invoke URLs of the live stage and of each color's stage. */
  stageInvokeUrls: { live: string } & Record<Color, string>;
  functionName: string;
  aliasNames: Record<Color, string>;
  /** The published Lambda version each alias points at. */
  aliasVersions: Record<Color, string>;
  /** Secrets Manager secret holding the provider API keys (NOVELI_PROVIDER_SECRET in the Lambda). */
  providerSecretName: string;
  tableName: string;
  tableArn: string;
  kmsKeyArn: string;
  alarmNames: string[];
  /** The per-color alarms among alarmNames (error rate and p95 of each alias); null before they existed. */
  colorAlarmNames: Record<Color, string[]> | null;
  snsTopicArn: string;
  dashboardName: string;
  /** Cross-region backup table, when the environment has one. */
  backupTableName: string | null;
  backupRegion: string | null;
  budgetName: string | null;
  monthlyBudgetUsd: number | null;
  /** The EventBridge rule and target that deliver story events to the live color, when present. */
  eventRuleName: string | null;
  eventTargetId: string | null;
  /** The platform's Cognito user pool, and the synthetic check's app client and secret (null before they existed). */
  userPoolId: string | null;
  syntheticClientId: string | null;
  syntheticUserSecretName: string | null;
}

/** A Terraform state's outputs as it records them: each a value and its type. */
export type RawOutputs = Record<string, { value: unknown } | undefined>;

/** The environment roots' one output (terraform/environments/<env>/outputs.tf): `value = module.noveli`. */
export const MODULE_OUTPUT = "noveli";

/**
 * Pure: the module's outputs, one entry each, from the root outputs as `terraform output -json`,
 * the apply's messages or the state object give them. A state last applied before the roots had
 * their one output holds the module's outputs one by one at the top: read as they are, so an
 * environment deployed by an earlier noveli keeps working until its next deploy rewrites them.
 */
export function moduleOutputs(raw: RawOutputs): RawOutputs {
  const whole = raw[MODULE_OUTPUT]?.value;
  if (typeof whole !== "object" || whole === null || Array.isArray(whole)) return raw;
  return Object.fromEntries(Object.entries(whole).map(([name, value]) => [name, { value }]));
}

function need<T>(raw: RawOutputs, name: string, check: (v: unknown) => v is T): T {
  const entry = raw[name];
  if (!entry || !check(entry.value)) {
    throw new ConfigError("terraform-outputs", `terraform output ${name} is missing or malformed`, {
      hint: "the deployed Terraform is older than this noveli: run noveli deploy for the environment",
    });
  }
  return entry.value;
}

const isString = (v: unknown): v is string => typeof v === "string" && v !== "";
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === "string";
const isNullableNumber = (v: unknown): v is number | null => v === null || typeof v === "number";
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isColorMap = (v: unknown): v is Record<Color, string> =>
  typeof v === "object" && v !== null && COLORS.every((c) => isString((v as Record<string, unknown>)[c]));
const isUrlMap = (v: unknown): v is { live: string } & Record<Color, string> =>
  isColorMap(v) && isString((v as Record<string, unknown>).live);
const isColorLists = (v: unknown): v is Record<Color, string[]> =>
  typeof v === "object" && v !== null && COLORS.every((c) => isStringList((v as Record<string, unknown>)[c]));
const isEnvironment = (v: unknown): v is Environment => v === "dev" || v === "staging" || v === "production";

/** Pure: the typed outputs from the document `terraform output -json` prints. */
export function parseOutputs(raw: RawOutputs): EnvironmentOutputs {
  return readOutputs(moduleOutputs(raw), need);
}

/**
 * What a state's outputs say about the environment: complete, or `partial` when an apply stopped
 * before it finished. Terraform records a root output once every value it holds is known: the
 * roots' one output only at the end of a first apply, so a first deploy interrupted mid-apply
 * leaves resources and no outputs (readRawOutputs gives an empty set: all of them missing); a root
 * with one output per value, as before, leaves some of them. A partial environment is "deployed in
 * part": `noveli deploy` completes it. `raw` holds the module's outputs (moduleOutputs).
 */
export type OutputsInspection =
  | { kind: "complete"; outputs: EnvironmentOutputs }
  | { kind: "partial"; missing: string[]; present: number; required: number; raw: RawOutputs };

export function inspectOutputs(rootOutputs: RawOutputs): OutputsInspection {
  const raw = moduleOutputs(rootOutputs);
  const missing: string[] = [];
  let required = 0;
  const collect = <T>(r: RawOutputs, name: string, check: (v: unknown) => v is T): T => {
    required += 1;
    const entry = r[name];
    if (!entry || !check(entry.value)) missing.push(name);
    return entry?.value as T;
  };
  const outputs = readOutputs(raw, collect);
  return missing.length === 0 ? { kind: "complete", outputs } : { kind: "partial", missing, present: required - missing.length, required, raw };
}

type Need = <T>(raw: RawOutputs, name: string, check: (v: unknown) => v is T) => T;

function readOutputs(raw: RawOutputs, need: Need): EnvironmentOutputs {
  const optionalString = (name: string) => (raw[name] === undefined ? null : need(raw, name, isNullableString));
  const optionalNumber = (name: string) => (raw[name] === undefined ? null : need(raw, name, isNullableNumber));
  return {
    environment: need(raw, "environment", isEnvironment),
    region: need(raw, "region", isString),
    apiId: need(raw, "api_id", isString),
    liveStageName: need(raw, "live_stage_name", isString),
    colorStageNames: need(raw, "color_stage_names", isColorMap),
    stageInvokeUrls: need(raw, "stage_invoke_urls", isUrlMap),
    functionName: need(raw, "function_name", isString),
    aliasNames: need(raw, "alias_names", isColorMap),
    aliasVersions: need(raw, "alias_versions", isColorMap),
    providerSecretName: need(raw, "provider_secret_name", isString),
    tableName: need(raw, "table_name", isString),
    tableArn: need(raw, "table_arn", isString),
    kmsKeyArn: need(raw, "kms_key_arn", isString),
    alarmNames: need(raw, "alarm_names", isStringList),
    colorAlarmNames: raw.color_alarm_names === undefined ? null : need(raw, "color_alarm_names", isColorLists),
    snsTopicArn: need(raw, "sns_topic_arn", isString),
    dashboardName: need(raw, "dashboard_name", isString),
    backupTableName: optionalString("backup_table_name"),
    backupRegion: optionalString("backup_region"),
    budgetName: optionalString("budget_name"),
    monthlyBudgetUsd: optionalNumber("monthly_budget_usd"),
    eventRuleName: optionalString("event_rule_name"),
    eventTargetId: optionalString("event_target_id"),
    userPoolId: optionalString("user_pool_id"),
    syntheticClientId: optionalString("synthetic_client_id"),
    syntheticUserSecretName: optionalString("synthetic_user_secret_name"),
  };
}
