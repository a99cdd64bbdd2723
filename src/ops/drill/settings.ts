import type { ContinuousBackupsDescription, TableDescription, Tag, TimeToLiveDescription } from "../../aws/dynamodb.js";

/**
 * Settings parity between the source table and its restore. Pure.
 *
 * DynamoDB restores carry the key schema, the secondary indexes, the capacity/billing mode and the
 * encryption settings (RestoreTableToPointInTime / RestoreTableFromBackup documentation): those
 * are compared and a difference fails the drill. A restore never carries TTL, PITR, tags, streams,
 * auto scaling, deletion protection, IAM/resource policies or alarms: those are listed as what a
 * real recovery has to apply again.
 */

export interface IndexSettings {
  name: string;
  keySchema: string;
  projection: string;
}

/** The parts of a table's configuration the drill looks at, in comparable text. */
export interface TableSettings {
  keySchema: string;
  globalIndexes: IndexSettings[];
  localIndexes: IndexSettings[];
  /** BillingModeSummary.BillingMode; null when the description carries none. */
  billingMode: string | null;
  /** "KMS <key arn>" or "AWS owned key"; null when the description carries no SSEDescription. */
  encryption: string | null;
  ttl: { enabled: boolean; attribute: string | null };
  pitr: boolean;
  tags: Record<string, string>;
  stream: string | null;
  deletionProtection: boolean;
}

function keySchemaText(keys: { AttributeName?: string; KeyType?: string }[] | undefined, types: Map<string, string>): string {
  return (keys ?? []).map((k) => `${k.AttributeName} ${k.KeyType}${types.has(k.AttributeName ?? "") ? ` (${types.get(k.AttributeName ?? "")})` : ""}`).join(", ");
}

function projectionText(p: { ProjectionType?: string; NonKeyAttributes?: string[] } | undefined): string {
  const extra = p?.NonKeyAttributes?.length ? ` [${[...p.NonKeyAttributes].sort().join(", ")}]` : "";
  return `${p?.ProjectionType ?? "ALL"}${extra}`;
}

/** Pure: the comparable settings from DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and ListTagsOfResource. */
export function tableSettings(
  table: TableDescription,
  ttl: TimeToLiveDescription | undefined,
  backups: ContinuousBackupsDescription | undefined,
  tags: Tag[],
): TableSettings {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? "", a.AttributeType ?? ""]));
  const index = (i: { IndexName?: string; KeySchema?: { AttributeName?: string; KeyType?: string }[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }) => ({
    name: i.IndexName ?? "",
    keySchema: keySchemaText(i.KeySchema, types),
    projection: projectionText(i.Projection),
  });
  const sse = table.SSEDescription;
  const encryption =
    sse === undefined ? null : sse.Status === "ENABLED" || sse.Status === "ENABLING" || sse.Status === "UPDATING" ? `${sse.SSEType ?? "KMS"} ${sse.KMSMasterKeyArn ?? ""}`.trim() : "AWS owned key";
  const ttlOn = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
  return {
    keySchema: keySchemaText(table.KeySchema, types),
    globalIndexes: (table.GlobalSecondaryIndexes ?? []).map(index).sort((a, b) => a.name.localeCompare(b.name)),
    localIndexes: (table.LocalSecondaryIndexes ?? []).map(index).sort((a, b) => a.name.localeCompare(b.name)),
    billingMode: table.BillingModeSummary?.BillingMode ?? null,
    encryption,
    ttl: { enabled: ttlOn, attribute: ttlOn ? (ttl?.AttributeName ?? null) : null },
    pitr: backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === "ENABLED",
    tags: Object.fromEntries(tags.map((t) => [t.Key ?? "", t.Value ?? ""])),
    stream: table.StreamSpecification?.StreamEnabled ? (table.StreamSpecification.StreamViewType ?? "enabled") : null,
    deletionProtection: table.DeletionProtectionEnabled === true,
  };
}

export type SettingStatus =
  /** Compared and equal. */
  | "same"
  /** Compared and different: the restore is not what a recovery needs. Fails the drill. */
  | "differs"
  /** The emulator's restore does not carry this setting at all (documented moto gap); not counted. */
  | "emulator-gap"
  /** Never carried by a restore: a real recovery applies it again. */
  | "reapply"
  /** Nothing to apply: the source does not use it either. */
  | "not-used";

export interface SettingParity {
  setting: string;
  kind: "compared" | "reapply";
  source: string;
  restored: string;
  status: SettingStatus;
  /** What a real recovery has to do, when anything. */
  action?: string;
}

export interface ParityContext {
  /** Alarm names from the Terraform outputs: they watch the source table by name. */
  alarmNames: readonly string[];
  /** The target is an emulator (moto drops billing mode and SSE on restore). */
  emulator: boolean;
}

const indexesText = (list: IndexSettings[]) => (list.length === 0 ? "none" : list.map((i) => `${i.name}: ${i.keySchema}; ${i.projection}`).join(" | "));

function compared(setting: string, source: string, restored: string, restoredMissing: boolean, context: ParityContext): SettingParity {
  if (source === restored) return { setting, kind: "compared", source, restored, status: "same" };
  if (restoredMissing && context.emulator) {
    return { setting, kind: "compared", source, restored, status: "emulator-gap", action: "the emulator does not carry this setting on restore; AWS does" };
  }
  return { setting, kind: "compared", source, restored, status: "differs", action: `set ${setting} of the restored table to the source's` };
}

function reapply(setting: string, source: string, restored: string, used: boolean, action: string): SettingParity {
  if (!used) return { setting, kind: "reapply", source, restored, status: "not-used" };
  if (source === restored) return { setting, kind: "reapply", source, restored, status: "same" };
  return { setting, kind: "reapply", source, restored, status: "reapply", action };
}

/** Pure: the parity list, compared settings first, then what a recovery must apply again. */
export function compareSettings(source: TableSettings, restored: TableSettings, context: ParityContext): SettingParity[] {
  const tagsText = (tags: Record<string, string>) => {
    const keys = Object.keys(tags).sort();
    return keys.length === 0 ? "none" : keys.map((k) => `${k}=${tags[k]}`).join(", ");
  };
  // A provisioned table's description may omit BillingModeSummary: absent means PROVISIONED.
  const billing = (mode: string | null) => mode ?? "PROVISIONED";
  const sourceTags = tagsText(source.tags);
  return [
    compared("key schema", source.keySchema, restored.keySchema, false, context),
    compared("global secondary indexes", indexesText(source.globalIndexes), indexesText(restored.globalIndexes), false, context),
    compared("local secondary indexes", indexesText(source.localIndexes), indexesText(restored.localIndexes), false, context),
    compared("billing mode", billing(source.billingMode), billing(restored.billingMode), restored.billingMode === null, context),
    compared("encryption", source.encryption ?? "AWS owned key", restored.encryption ?? "AWS owned key", restored.encryption === null && source.encryption !== null, context),
    reapply(
      "TTL",
      source.ttl.enabled ? `enabled on ${source.ttl.attribute}` : "disabled",
      restored.ttl.enabled ? `enabled on ${restored.ttl.attribute}` : "disabled",
      source.ttl.enabled,
      `enable TTL on ${source.ttl.attribute ?? "the TTL attribute"}`,
    ),
    reapply("point-in-time recovery", source.pitr ? "enabled" : "disabled", restored.pitr ? "enabled" : "disabled", source.pitr, "enable point-in-time recovery"),
    reapply("tags", sourceTags, tagsText(restored.tags), sourceTags !== "none", `apply the tags (${sourceTags})`),
    reapply("streams", source.stream ?? "disabled", restored.stream ?? "disabled", source.stream !== null, `enable the stream (${source.stream}) and re-point its consumers`),
    reapply(
      "auto scaling",
      source.billingMode === "PAY_PER_REQUEST" ? "on-demand (no scaling policies)" : "provisioned: Application Auto Scaling policies (not read by noveli)",
      "none",
      source.billingMode !== "PAY_PER_REQUEST",
      "register the scalable targets and scaling policies again",
    ),
    reapply(
      "deletion protection",
      source.deletionProtection ? "enabled" : "disabled",
      restored.deletionProtection ? "enabled" : "disabled",
      source.deletionProtection,
      "enable deletion protection",
    ),
    reapply(
      "alarms",
      context.alarmNames.length === 0 ? "none" : context.alarmNames.join(", "),
      "none",
      context.alarmNames.length > 0,
      "re-point the CloudWatch alarms (and the dashboard) at the restored table, or restore under the original name",
    ),
    reapply("IAM and resource policies", "grant access by table ARN", "none", true, "grant the Lambda role access to the restored table's ARN (Terraform does when it adopts the table)"),
  ];
}

/** Pure: whether the compared settings allow the drill to pass. */
export function settingsPassed(parity: readonly SettingParity[]): boolean {
  return parity.every((p) => p.status !== "differs");
}
