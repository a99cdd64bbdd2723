import { errorMessage } from "../../errors.js";
import { acquireLock } from "../../state/lock.js";
import {
  deleteSentinel,
  deleteTable,
  describeTable,
  isNotFound,
  listTables,
  scanItemsWithKeyPrefix,
  type DynamoDBClient,
  type Item,
  type TableDescription,
} from "../../aws/dynamodb.js";
import { SENTINEL_PREFIX, isScratchTable, scratchPrefixFor } from "./names.js";
import { keyShape } from "./plan.js";
import { drillLockPath, localDrillRecords, type DrillRecordEntry, type DrillRecords } from "./record.js";

/**
 * `noveli dr-drill gc`: deletes what drills left behind. Candidates are the tables whose name
 * starts with `noveli-drill-`; one is deleted when a drill record (the account's, so a drill run
 * on any machine) names it, or when
 * DynamoDB says it is a restore (RestoreSummary) of this environment's table and it is older than
 * `minAgeMs` (a younger one may belong to a drill running elsewhere). Sentinels are found in the
 * source table by their key prefix (recorded ones at once, others once older than `minAgeMs`).
 * Runs under the environment's lease (the command's), or this machine's drill lock for local
 * records, so it never races a drill.
 */

export interface GcCandidate {
  name: string;
  status: string | null;
  createdAt: number | null;
  /** RestoreSummary.SourceTableArn; null when the table is not a restore. */
  restoredFrom: string | null;
  /** The drill record naming it, if any. */
  recordedBy: string | null;
}

export type GcVerdict = { action: "delete"; reason: string } | { action: "skip"; reason: string };

export interface GcScope {
  /** This environment's table; null when its outputs are unknown (any drill restore qualifies). */
  source: { tableName: string; tableArn: string } | null;
  minAgeMs: number;
  now: number;
}

/** Pure: whether gc deletes a candidate table, and why. */
export function gcVerdict(candidate: GcCandidate, scope: GcScope): GcVerdict {
  if (!isScratchTable(candidate.name)) return { action: "skip", reason: "not a drill table" };
  if (candidate.status === "DELETING") return { action: "skip", reason: "already being deleted" };
  if (candidate.recordedBy !== null) return { action: "delete", reason: `left by drill ${candidate.recordedBy} (in the drill records)` };
  if (candidate.restoredFrom === null) return { action: "skip", reason: "not a restore (no RestoreSummary): not created by a drill, left alone" };
  if (scope.source !== null) {
    const ours = candidate.restoredFrom === scope.source.tableArn || candidate.name.startsWith(scratchPrefixFor(scope.source.tableName));
    if (!ours) return { action: "skip", reason: `a restore of ${candidate.restoredFrom}, another table` };
  }
  if (candidate.createdAt !== null && scope.now - candidate.createdAt < scope.minAgeMs) {
    const minutes = Math.round((scope.now - candidate.createdAt) / 60_000);
    return { action: "skip", reason: `created ${minutes} min ago: it may belong to a drill running elsewhere (use --min-age 0 to delete it anyway)` };
  }
  return { action: "delete", reason: "a drill restore nobody recorded (left by a drill on another machine or a killed one)" };
}

export interface GcInput {
  env: string;
  stateDir: string;
  /** Stable key of the AWS target (`targetKey`); only this target's records are acted on. */
  targetKey: string;
  source: { tableName: string; tableArn: string } | null;
  minAgeMs: number;
}

export interface GcReport {
  deleted: { table: string; reason: string; result: "deleting" | "absent" }[];
  skipped: { table: string; reason: string }[];
  failed: { table: string; error: string }[];
  sentinelsDeleted: number;
  recordsCleared: number;
}

export async function collectGarbage(input: GcInput, deps: { client: DynamoDBClient; signal: AbortSignal; now?: () => number; records?: DrillRecords }): Promise<GcReport> {
  const now = deps.now ?? Date.now;
  const store = deps.records ?? localDrillRecords(input.stateDir, input.env, input.targetKey);
  const lock = store.local ? acquireLock(drillLockPath(input.stateDir, input.env), `dr-drill gc --env ${input.env}`) : undefined;
  try {
    const report: GcReport = { deleted: [], skipped: [], failed: [], sentinelsDeleted: 0, recordsCleared: 0 };
    const records = await store.list();
    const recordedBy = new Map(records.map((r) => [r.scratchTable, r.drillId]));
    const names = new Set((await listTables(deps.client, deps.signal)).filter(isScratchTable));
    for (const record of records) names.add(record.scratchTable);

    const outcome = new Map<string, "gone" | "kept">();
    for (const name of [...names].sort()) {
      const table = await describeTable(deps.client, name, deps.signal);
      if (!table) {
        outcome.set(name, "gone");
        continue;
      }
      const verdict = gcVerdict(candidateOf(name, table, recordedBy.get(name) ?? null), { source: input.source, minAgeMs: input.minAgeMs, now: now() });
      if (verdict.action === "skip") {
        report.skipped.push({ table: name, reason: verdict.reason });
        outcome.set(name, "kept");
        continue;
      }
      try {
        const result = await deleteTable(deps.client, name, deps.signal);
        if (result === "in-use") {
          report.failed.push({ table: name, error: `still ${table.TableStatus ?? "busy"}: DynamoDB deletes it once it is ACTIVE; run gc again later` });
          outcome.set(name, "kept");
        } else {
          report.deleted.push({ table: name, reason: verdict.reason, result });
          outcome.set(name, "gone");
        }
      } catch (error) {
        if (deps.signal.aborted) throw error;
        report.failed.push({ table: name, error: errorMessage(error) });
        outcome.set(name, "kept");
      }
    }

    const recordedSentinels = new Set(records.flatMap((r) => r.sentinelKeys.map((k) => JSON.stringify(k))));
    if (input.source) await deleteUnrecordedSentinels(deps.client, input.source.tableName, recordedSentinels, { minAgeMs: input.minAgeMs, now: now() }, report, deps.signal);

    for (const record of records) {
      const left = await deleteRecordedSentinels(deps.client, record, report, deps.signal);
      if (outcome.get(record.scratchTable) === "gone" && left.length === 0) {
        await store.remove(record.drillId);
        report.recordsCleared += 1;
      } else if (left.length !== record.sentinelKeys.length) {
        await store.save({ ...record, sentinelKeys: left });
      }
    }
    return report;
  } finally {
    lock?.release();
  }
}

/** Pure: whether gc deletes a sentinel nobody on this machine recorded: only once it is older than min-age. */
export function sentinelVerdict(writtenAtMs: number | null, scope: { minAgeMs: number; now: number }): GcVerdict {
  if (writtenAtMs !== null && scope.now - writtenAtMs < scope.minAgeMs) {
    return { action: "skip", reason: `written ${Math.round((scope.now - writtenAtMs) / 60_000)} min ago: it may belong to a drill running elsewhere` };
  }
  return { action: "delete", reason: "a drill sentinel nobody recorded (left by a drill on another machine or a killed one)" };
}

/**
 * Sentinels are found by their key prefix in the source table, not only from this machine's
 * records: a drill killed on another machine leaves items here that no record names.
 */
async function deleteUnrecordedSentinels(
  client: DynamoDBClient,
  sourceTable: string,
  recorded: Set<string>,
  scope: { minAgeMs: number; now: number },
  report: GcReport,
  signal: AbortSignal,
): Promise<void> {
  const table = await describeTable(client, sourceTable, signal);
  if (!table) return;
  const shape = keyShape(table);
  if ("error" in shape) return; // no drill could have written sentinels into it
  const found = await scanItemsWithKeyPrefix(client, { tableName: sourceTable, hashKey: shape.hash.name, rangeKey: shape.range?.name ?? null, prefix: SENTINEL_PREFIX, attributes: ["written_at"], signal });
  for (const item of found) {
    const key: Item = { [shape.hash.name]: item[shape.hash.name] as Item[string] };
    if (shape.range) key[shape.range.name] = item[shape.range.name] as Item[string];
    if (recorded.has(JSON.stringify(key))) continue; // the records loop deletes it
    const writtenAt = item.written_at?.N !== undefined ? Number(item.written_at.N) : null;
    const verdict = sentinelVerdict(Number.isFinite(writtenAt) ? writtenAt : null, scope);
    const label = `${sourceTable} sentinel ${item[shape.hash.name]?.S ?? "?"}`;
    if (verdict.action === "skip") {
      report.skipped.push({ table: label, reason: verdict.reason });
      continue;
    }
    try {
      await deleteSentinel(client, sourceTable, key, signal);
      report.sentinelsDeleted += 1;
    } catch (error) {
      if (signal.aborted) throw error;
      report.failed.push({ table: label, error: errorMessage(error) });
    }
  }
}

function candidateOf(name: string, table: TableDescription, recordedBy: string | null): GcCandidate {
  return {
    name,
    status: table.TableStatus ?? null,
    createdAt: table.CreationDateTime?.getTime() ?? null,
    restoredFrom: table.RestoreSummary ? (table.RestoreSummary.SourceTableArn ?? table.RestoreSummary.SourceBackupArn ?? "unknown") : null,
    recordedBy,
  };
}

/** Deletes a killed drill's sentinels from its source table; returns the keys that could not be deleted. */
async function deleteRecordedSentinels(client: DynamoDBClient, record: DrillRecordEntry, report: GcReport, signal: AbortSignal): Promise<DrillRecordEntry["sentinelKeys"]> {
  const left: DrillRecordEntry["sentinelKeys"] = [];
  for (const key of record.sentinelKeys) {
    try {
      await deleteSentinel(client, record.sourceTable, key as Item, signal);
      report.sentinelsDeleted += 1;
    } catch (error) {
      if (signal.aborted) throw error;
      if (isNotFound(error)) continue; // the source table is gone, and its sentinels with it
      left.push(key);
      report.failed.push({ table: record.sourceTable, error: `sentinel ${JSON.stringify(key)}: ${errorMessage(error)}` });
    }
  }
  return left;
}
