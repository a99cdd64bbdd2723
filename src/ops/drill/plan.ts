import type { AttributeValue, BackupSummary, TableDescription } from "../../aws/dynamodb.js";
import type { RecordedKey } from "./record.js";

/**
 * The drill's pure decisions: the source's key shape, which backup to restore, what a sentinel
 * item looks like, and where the restore point comes from.
 */

export interface KeyShape {
  hash: { name: string; type: string };
  range: { name: string; type: string } | null;
}

/** Pure: the primary key of a described table; an error message when it cannot carry sentinels. */
export function keyShape(table: TableDescription): KeyShape | { error: string } {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? "", a.AttributeType ?? ""]));
  const hashName = table.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName;
  const rangeName = table.KeySchema?.find((k) => k.KeyType === "RANGE")?.AttributeName;
  if (hashName === undefined) return { error: `table ${table.TableName} has no hash key in its description` };
  const hashType = types.get(hashName) ?? "";
  if (hashType !== "S") return { error: `the drill's sentinels need a string hash key; ${hashName} is ${hashType || "of unknown type"}` };
  if (rangeName === undefined) return { hash: { name: hashName, type: hashType }, range: null };
  const rangeType = types.get(rangeName) ?? "";
  if (rangeType !== "N" && rangeType !== "S") return { error: `the drill's sentinels need a number or string range key; ${rangeName} is ${rangeType || "of unknown type"}` };
  return { hash: { name: hashName, type: hashType }, range: { name: rangeName, type: rangeType } };
}

export function keyAttributes(shape: KeyShape): string[] {
  return shape.range ? [shape.hash.name, shape.range.name] : [shape.hash.name];
}

export interface ChosenBackup {
  arn: string;
  createdAt: number;
  name: string | null;
}

/**
 * Pure: the backup to restore: the requested one (which must be a backup of the source table and
 * available), else the newest available one. A string is the reason there is none.
 */
export function chooseBackup(backups: readonly BackupSummary[], requestedArn: string | null): ChosenBackup | string {
  const available = backups.filter((b) => b.BackupStatus === "AVAILABLE" && b.BackupArn && b.BackupCreationDateTime);
  const pick = (b: BackupSummary): ChosenBackup => ({ arn: b.BackupArn as string, createdAt: (b.BackupCreationDateTime as Date).getTime(), name: b.BackupName ?? null });
  if (requestedArn !== null) {
    const found = backups.find((b) => b.BackupArn === requestedArn);
    if (!found) return `backup ${requestedArn} is not a backup of the source table`;
    if (found.BackupStatus !== "AVAILABLE") return `backup ${requestedArn} is ${found.BackupStatus ?? "not available"}`;
    return pick(found);
  }
  if (available.length === 0) return "the source table has no available backup (create one, or use --method pitr)";
  return pick(available.reduce((newest, b) => ((b.BackupCreationDateTime as Date) > (newest.BackupCreationDateTime as Date) ? b : newest)));
}

export interface SentinelPlan {
  key: Record<string, AttributeValue>;
  recorded: RecordedKey;
  item: Record<string, AttributeValue>;
}

/** How long a sentinel lives if cleanup never runs: TTL removes it after a day. */
export const SENTINEL_TTL_SECONDS = 86_400;

/** Pure: the sentinel item for a hash-key value written at `writtenAtMs`. */
export function sentinelItem(shape: KeyShape, hashKey: string, writtenAtMs: number, drillId: string, ttlAttribute: string | null): SentinelPlan {
  const recorded: RecordedKey = { [shape.hash.name]: { S: hashKey } };
  if (shape.range) recorded[shape.range.name] = shape.range.type === "N" ? { N: String(writtenAtMs) } : { S: new Date(writtenAtMs).toISOString() };
  const key = recorded as Record<string, AttributeValue>;
  const item: Record<string, AttributeValue> = {
    written_at: { N: String(writtenAtMs) },
    created_at: { S: new Date(writtenAtMs).toISOString() },
    noveli_drill: { S: drillId },
    ...(ttlAttribute !== null ? { [ttlAttribute]: { N: String(Math.floor(writtenAtMs / 1000) + SENTINEL_TTL_SECONDS) } } : {}),
    ...key,
  };
  return { key, recorded, item };
}

export interface RestorePoint {
  ms: number;
  basis: string;
}

/**
 * Pure: the restore point of a PITR restore: the restored table's RestoreSummary.RestoreDateTime
 * when DynamoDB states it, else the LatestRestorableDateTime read before the call, else the call
 * itself.
 */
export function pitrRestorePoint(restored: TableDescription | undefined, latestRestorable: Date | null, requestedAt: number): RestorePoint {
  const stated = restored?.RestoreSummary?.RestoreDateTime;
  if (stated instanceof Date && Number.isFinite(stated.getTime())) return { ms: stated.getTime(), basis: "RestoreSummary.RestoreDateTime of the restored table" };
  if (latestRestorable) return { ms: latestRestorable.getTime(), basis: "LatestRestorableDateTime read before the restore call" };
  return { ms: requestedAt, basis: "the restore call (DynamoDB stated no restore time)" };
}

/** Allowance for clock skew between this machine and DynamoDB when comparing its times with ours. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

/**
 * Pure: whether a restore to LatestRestorableDateTime includes an item confirmed (by a consistent
 * read) at `confirmedAt` by this machine's clock, with room for clock skew.
 */
export function pitrCovers(latestRestorable: Date | null, confirmedAt: number, skewMs = CLOCK_SKEW_ALLOWANCE_MS): boolean {
  return latestRestorable !== null && latestRestorable.getTime() >= confirmedAt + skewMs;
}
