import type { DynamoDBClient, TableDescription } from "@aws-sdk/client-dynamodb";
import { errorMessage } from "../../errors.js";
import { acquireLock } from "../../state/lock.js";
import { deleteSentinel, deleteTable, describeTable, isNotFound, listTables, type Item } from "./dynamo.js";
import { isScratchTable, scratchPrefixFor } from "./names.js";
import { drillLockPath, readDrillRecords, removeDrillEntry, saveDrillEntry, type DrillRecordEntry } from "./record.js";

/**
 * `noveli dr-drill gc`: deletes what drills left behind. Candidates are the tables whose name
 * starts with `noveli-drill-`; one is deleted when this machine's drill record names it, or when
 * DynamoDB says it is a restore (RestoreSummary) of this environment's table and it is older than
 * `minAgeMs` (a younger one may belong to a drill running elsewhere). Sentinels recorded by
 * killed drills are deleted from the source. Holds the environment's drill lock, so it never
 * races a drill on this machine.
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
  if (candidate.recordedBy !== null) return { action: "delete", reason: `left by drill ${candidate.recordedBy} (recorded on this machine)` };
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

export async function collectGarbage(input: GcInput, deps: { client: DynamoDBClient; signal: AbortSignal; now?: () => number }): Promise<GcReport> {
  const now = deps.now ?? Date.now;
  const lock = acquireLock(drillLockPath(input.stateDir, input.env), `dr-drill gc --env ${input.env}`);
  try {
    const report: GcReport = { deleted: [], skipped: [], failed: [], sentinelsDeleted: 0, recordsCleared: 0 };
    const records = readDrillRecords(input.stateDir, input.env).filter((r) => r.target === input.targetKey);
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

    for (const record of records) {
      const left = await deleteRecordedSentinels(deps.client, record, report, deps.signal);
      if (outcome.get(record.scratchTable) === "gone" && left.length === 0) {
        removeDrillEntry(input.stateDir, input.env, record.drillId);
        report.recordsCleared += 1;
      } else if (left.length !== record.sentinelKeys.length) {
        saveDrillEntry(input.stateDir, input.env, { ...record, sentinelKeys: left });
      }
    }
    return report;
  } finally {
    lock.release();
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
