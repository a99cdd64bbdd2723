import { randomBytes } from "node:crypto";
import { AWS_MAX_ATTEMPTS, awsTimeouts } from "../../aws/clients.js";
import { OperationError, errorMessage } from "../../errors.js";
import type { Reporter } from "../../output/reporter.js";
import { acquireLock } from "../../state/lock.js";
import { sleep } from "../../core/clock.js";
import {
  deleteSentinel,
  deleteTable,
  describeContinuousBackups,
  describeTable,
  describeTimeToLive,
  getItemConsistent,
  isNotFound,
  listBackups,
  listTagsOfResource,
  putSentinel,
  restoreTableFromBackup,
  restoreTableToPointInTime,
  scanOneItem,
  waitForTableActive,
  type BackupSummary,
  type DynamoDBClient,
  type Item,
  type TableDescription,
} from "../../aws/dynamodb.js";
import { deadlineSignal, verifyDeadlineMs } from "./deadline.js";
import { drillIdentity, sentinelHashKey, type DrillIdentity, type SentinelRole } from "./names.js";
import { chooseBackup, keyAttributes, keyShape, pitrCovers, pitrRestorePoint, sentinelItem, type ChosenBackup, type KeyShape } from "./plan.js";
import { drillLockPath, localDrillRecords, newDrillEntry, type DrillRecordEntry, type DrillRecords } from "./record.js";
import { drillWarnings, judge, type CleanupReport, type CrossRegionReport, type DrillMethod, type DrillReport, type ItemsReport } from "./report.js";
import { describeRules, type ComparisonRules } from "./rules.js";
import { compareSettings, tableSettings, type SettingParity, type TableSettings } from "./settings.js";
import { runSteps, type Step } from "./steps.js";
import { phaseTimings, rpoSeconds, rtoSeconds, sentinelVerdict, type PhaseName, type SentinelCheck } from "./timing.js";
import { verifyTables, type VerifyResult } from "./verify.js";

/**
 * The DR drill as a step list: preflight → "before" sentinel → (PITR catches up) → restore into a
 * scratch table → "after" sentinel → wait for ACTIVE → verify every item → check the sentinels →
 * settings parity → cross-region table, and one cleanup that runs once in every case (success,
 * mismatch, error, abort): delete the scratch table (unless --keep), delete the sentinels from the
 * source, clear the record. The core takes explicit identifiers, so it runs against any table.
 */

export interface DrillInput {
  env: string;
  method: DrillMethod;
  /** Restore this backup (method backup); default: the newest available one. */
  backupArn: string | null;
  /** Leave the scratch table in place (it stays recorded, so `dr-drill gc` deletes it later). */
  keep: boolean;
  /** Parallel scan segments per table. */
  segments: number;
  source: { tableName: string; tableArn: string; region: string };
  /** The environment's cross-region backup table, when it has one. */
  crossRegion: { tableName: string; region: string } | null;
  /** CloudWatch alarms watching the source table (listed as what a recovery re-points). */
  alarmNames: readonly string[];
  stateDir: string;
  /** The AWS target in words (`describeTarget`), for the report. */
  target: string;
  /** Stable key of the target (`targetKey`): records are kept per target. */
  targetKey: string;
  /** Emulator targets: moto restores the table's content at the call and keeps PITR times still. */
  emulator: boolean;
  /** Attributes holding an item's write time, first present wins. Default: written_at, timestamp. */
  writeTimeAttributes?: readonly string[];
  /** Items stamped this close before the restore point are left out of the comparison. Default 10 s. */
  guardMs?: number;
  /** Items expiring within this long after verification starts are left out. Default 1 h. */
  ttlMarginMs?: number;
  /** How long to wait for LatestRestorableDateTime to pass the "before" sentinel. Default 20 min. */
  pitrCatchUpTimeoutMs?: number;
  /** How long to wait for the restored table to become ACTIVE. Default 3 h. */
  activeTimeoutMs?: number;
  /**
   * The verification's overall deadline (every pass). Default: derived from the source's size,
   * the segments and the AWS call timeouts (`verifyDeadlineMs` in deadline.ts).
   */
  verifyTimeoutMs?: number;
  /** How long cleanup waits for a still-CREATING scratch table before leaving it to gc. Default 30 min. */
  cleanupTimeoutMs?: number;
  /** Polling interval floor for waits (tests and emulators can poll fast). Default 250 ms. */
  pollMs?: number;
}

/** Extension points: they run inside the drill, their time is not part of the RTO. */
export interface DrillHooks {
  /**
   * After the scratch table is ACTIVE and before it is verified: e.g. a smoke test of the
   * application against the restored table. Tests use it to damage the restore on purpose.
   */
  onRestored?(context: { scratchTable: string; client: DynamoDBClient; signal: AbortSignal }): Promise<void>;
  /** When a step starts. */
  onStep?(name: PhaseName): void;
}

export interface DrillDependencies {
  /** DynamoDB in the source table's region. */
  client: DynamoDBClient;
  /** DynamoDB in the cross-region backup table's region. */
  crossRegionClient: DynamoDBClient | null;
  reporter: Reporter;
  signal: AbortSignal;
  now?: () => number;
  /** 8 lowercase hex characters for the scratch name. */
  randomHex?: () => string;
  hooks?: DrillHooks;
  /** Where the drill records what it may leave behind. Default: this machine's state dir. */
  records?: DrillRecords;
}

export interface DrillOutcome {
  report: DrillReport;
  /** What stopped the drill, when something did (the abort reason when interrupted). */
  error?: unknown;
  interrupted: boolean;
}

interface WrittenSentinel {
  role: SentinelRole;
  hashKey: string;
  key: Item;
  writtenAt: number;
  /** When a strongly consistent read saw it ("before" only). */
  confirmedAt: number | null;
}

interface DrillState {
  identity: DrillIdentity;
  entry: DrillRecordEntry;
  shape: KeyShape | null;
  /** The source's ItemCount at preflight (the verification deadline grows with it). */
  sourceItems: number;
  ttlAttribute: string | null;
  pitr: DrillReport["pitr"];
  backups: BackupSummary[];
  backup: ChosenBackup | null;
  latestRestorable: Date | null;
  sentinels: WrittenSentinel[];
  restoreRequested: boolean;
  restoreRequestedAt: number | null;
  restoreReturnedAt: number | null;
  restoreResponse: TableDescription | undefined;
  restorePoint: { ms: number; basis: string } | null;
  verify: VerifyResult | null;
  verifyStartedAt: number | null;
  verifiedAt: number | null;
  rules: ComparisonRules | null;
  sentinelChecks: SentinelCheck[];
  settings: SettingParity[];
  crossRegion: CrossRegionReport | null;
  notes: string[];
  cleanup: CleanupReport;
}

const DEFAULTS = {
  writeTimeAttributes: ["written_at", "timestamp"],
  guardMs: 10_000,
  ttlMarginMs: 3_600_000,
  pitrCatchUpTimeoutMs: 20 * 60_000,
  activeTimeoutMs: 3 * 3_600_000,
  cleanupTimeoutMs: 30 * 60_000,
  pollMs: 250,
};

const randomHex = () => randomBytes(4).toString("hex");

export async function runDrill(input: DrillInput, deps: DrillDependencies): Promise<DrillOutcome> {
  const now = deps.now ?? Date.now;
  const { client, reporter } = deps;
  const options = {
    writeTimeAttributes: input.writeTimeAttributes ?? DEFAULTS.writeTimeAttributes,
    guardMs: input.guardMs ?? DEFAULTS.guardMs,
    ttlMarginMs: input.ttlMarginMs ?? DEFAULTS.ttlMarginMs,
    pitrCatchUpTimeoutMs: input.pitrCatchUpTimeoutMs ?? DEFAULTS.pitrCatchUpTimeoutMs,
    activeTimeoutMs: input.activeTimeoutMs ?? DEFAULTS.activeTimeoutMs,
    cleanupTimeoutMs: input.cleanupTimeoutMs ?? DEFAULTS.cleanupTimeoutMs,
    pollMs: input.pollMs ?? DEFAULTS.pollMs,
  };
  const startedAt = now();
  const source = input.source.tableName;

  const records = deps.records ?? localDrillRecords(input.stateDir, input.env, input.targetKey);
  // One drill (or gc) per environment at a time: the environment's lease when the records are the
  // account's, this machine's lock when they are on its disk. A LockError before anything happens.
  const lock = records.local ? acquireLock(drillLockPath(input.stateDir, input.env), `dr-drill --env ${input.env}`) : undefined;
  try {
    // The scratch name is computed here, once, and recorded before anything is created.
    const identity = drillIdentity(source, startedAt, (deps.randomHex ?? randomHex)());
    const entry = newDrillEntry({
      drillId: identity.drillId,
      scratchTable: identity.scratchTable,
      sourceTable: source,
      sourceTableArn: input.source.tableArn,
      region: input.source.region,
      target: input.targetKey,
      startedAt: new Date(startedAt).toISOString(),
    });
    await records.save(entry);

    const state: DrillState = {
      identity,
      entry,
      shape: null,
      sourceItems: 0,
      ttlAttribute: null,
      pitr: null,
      backups: [],
      backup: null,
      latestRestorable: null,
      sentinels: [],
      restoreRequested: false,
      restoreRequestedAt: null,
      restoreReturnedAt: null,
      restoreResponse: undefined,
      restorePoint: null,
      verify: null,
      verifyStartedAt: null,
      verifiedAt: null,
      rules: null,
      sentinelChecks: [],
      settings: [],
      crossRegion: null,
      notes: [],
      cleanup: { scratchTable: "not-needed", sentinelsDeleted: 0, sentinelsLeft: 0, sentinelKeysLeft: [], recordCleared: false, errors: [] },
    };

    const writeSentinel = async (role: SentinelRole, signal: AbortSignal): Promise<WrittenSentinel> => {
      const shape = state.shape as KeyShape;
      const hashKey = sentinelHashKey(identity.drillId, role);
      const writtenAt = now();
      const plan = sentinelItem(shape, hashKey, writtenAt, identity.drillId, state.ttlAttribute);
      // Recorded before it is written: a killed drill's sentinel is found by gc.
      entry.sentinelKeys.push(plan.recorded);
      await records.save(entry);
      await putSentinel(client, source, plan.item, signal);
      const sentinel: WrittenSentinel = { role, hashKey, key: plan.key, writtenAt, confirmedAt: null };
      state.sentinels.push(sentinel);
      return sentinel;
    };

    const steps: Step<DrillState>[] = [
      {
        name: "preflight",
        title: `Checking ${source}: point-in-time recovery and backups`,
        async run(s, signal) {
          const table = await describeTable(client, source, signal);
          if (!table) throw new OperationError("drill-source", `source table ${source} does not exist in ${input.source.region}`);
          const shape = keyShape(table);
          if ("error" in shape) throw new OperationError("drill-source", shape.error);
          s.shape = shape;
          s.sourceItems = table.ItemCount ?? 0;
          const [continuous, ttl, backups] = await Promise.all([
            describeContinuousBackups(client, source, signal),
            describeTimeToLive(client, source, signal),
            listBackups(client, source, signal),
          ]);
          const pitr = continuous?.PointInTimeRecoveryDescription;
          s.pitr = {
            enabled: pitr?.PointInTimeRecoveryStatus === "ENABLED",
            earliestRestorable: pitr?.EarliestRestorableDateTime?.toISOString() ?? null,
            latestRestorable: pitr?.LatestRestorableDateTime?.toISOString() ?? null,
          };
          s.latestRestorable = pitr?.LatestRestorableDateTime ?? null;
          s.ttlAttribute = ttl?.TimeToLiveStatus === "ENABLED" ? (ttl.AttributeName ?? null) : null;
          s.backups = backups;
          if (!s.pitr.enabled) {
            if (input.method === "pitr") throw new OperationError("drill-pitr-off", `point-in-time recovery is off on ${source}: it cannot be restored to a point in time`);
            s.notes.push(`point-in-time recovery is off on ${source}: only backups can restore it`);
          }
          if (input.method === "backup") {
            const chosen = chooseBackup(backups, input.backupArn);
            if (typeof chosen === "string") throw new OperationError("drill-backup", chosen);
            s.backup = chosen;
          }
        },
      },
      {
        name: "sentinel-before",
        title: "Writing the \"before\" sentinel into the source table",
        enabled: () => input.method === "pitr",
        async run(s, signal) {
          const sentinel = await writeSentinel("before", signal);
          // Confirmed by a strongly consistent read before the restore point is chosen.
          const seen = await getItemConsistent(client, source, sentinel.key, signal);
          if (!seen) throw new OperationError("drill-sentinel", `the "before" sentinel written to ${source} is not readable back`);
          sentinel.confirmedAt = now();
        },
      },
      {
        name: "pitr-catch-up",
        title: "Waiting for point-in-time recovery to cover the \"before\" sentinel",
        enabled: () => input.method === "pitr",
        skip: () =>
          input.emulator
            ? "emulator target: its LatestRestorableDateTime does not advance, and its restore copies the table as it is at the call"
            : undefined,
        async run(s, signal) {
          const before = s.sentinels.find((x) => x.role === "before") as WrittenSentinel;
          const deadline = now() + options.pitrCatchUpTimeoutMs;
          let interval = Math.max(options.pollMs, 1_000);
          for (;;) {
            const latest = (await describeContinuousBackups(client, source, signal))?.PointInTimeRecoveryDescription?.LatestRestorableDateTime ?? null;
            s.latestRestorable = latest;
            if (pitrCovers(latest, before.confirmedAt as number)) return;
            if (now() > deadline) {
              throw new OperationError(
                "drill-pitr-lag",
                `LatestRestorableDateTime of ${source} (${latest?.toISOString() ?? "none"}) did not pass the "before" sentinel's confirmation within ${Math.round(options.pitrCatchUpTimeoutMs / 60_000)} minutes`,
              );
            }
            await sleep(interval, signal);
            interval = Math.min(interval * 2, 15_000);
          }
        },
      },
      {
        // Its own step so that noveli's bookkeeping (an operations-table write) is not timed as
        // part of the restore: the RTO starts at the restore call, and so does the restore phase.
        name: "record",
        title: `Recording ${identity.scratchTable} before the restore call`,
        async run(s) {
          s.entry.state = "restore-requested";
          await records.save(s.entry);
        },
      },
      {
        name: "restore",
        title: input.method === "pitr" ? `Restoring ${source} to the latest restorable time` : `Restoring ${source} from its backup`,
        async run(s, signal) {
          s.restoreRequested = true;
          s.restoreRequestedAt = now();
          // The scratch name is this drill's own (time and random suffix): when the SDK's retry of a
          // restore call that timed out finds it taken, the first attempt was applied after all.
          const ownRetry = async (call: () => Promise<TableDescription | undefined>): Promise<TableDescription | undefined> => {
            try {
              return await call();
            } catch (error) {
              if (!(error instanceof Error && error.name === "TableAlreadyExistsException")) throw error;
              reporter.debug(`${identity.scratchTable} already exists: a restore attempt that timed out was applied`);
              return (await describeTable(client, identity.scratchTable, signal)) ?? undefined;
            }
          };
          if (input.method === "pitr") {
            s.restoreResponse = await ownRetry(() => restoreTableToPointInTime(client, { sourceTable: source, targetTable: identity.scratchTable }, signal));
            s.restoreReturnedAt = now();
            // When the response states no restore time, the wait step reads it from DescribeTable.
            if (s.restoreResponse?.RestoreSummary?.RestoreDateTime !== undefined) s.restorePoint = pitrRestorePoint(s.restoreResponse, null, s.restoreRequestedAt);
          } else {
            const backup = s.backup as ChosenBackup;
            s.restoreResponse = await ownRetry(() => restoreTableFromBackup(client, { backupArn: backup.arn, targetTable: identity.scratchTable }, signal));
            s.restoreReturnedAt = now();
            s.restorePoint = { ms: backup.createdAt, basis: `creation time of backup ${backup.name ?? backup.arn}` };
          }
        },
      },
      {
        name: "sentinel-after",
        title: "Writing the \"after\" sentinel into the source table",
        async run(_s, signal) {
          // Written after the restore call was issued: no restore point can include it.
          await writeSentinel("after", signal);
        },
      },
      {
        name: "wait",
        title: "Waiting for the scratch table to become ACTIVE",
        async run(s, signal) {
          const table = await waitForTableActive(client, identity.scratchTable, {
            signal,
            timeoutMs: options.activeTimeoutMs,
            pollMs: options.pollMs,
            onPoll: (t, elapsed) => reporter.debug(`${identity.scratchTable}: ${t?.TableStatus ?? "not visible yet"} after ${Math.round(elapsed / 1000)}s`),
          });
          if (s.restorePoint === null) s.restorePoint = pitrRestorePoint(table, s.latestRestorable, s.restoreRequestedAt as number);
        },
      },
      {
        name: "hook",
        title: "Running the onRestored hook",
        enabled: () => deps.hooks?.onRestored !== undefined,
        async run(_s, signal) {
          await deps.hooks?.onRestored?.({ scratchTable: identity.scratchTable, client, signal });
        },
      },
      {
        name: "verify",
        title: `Verifying every item of ${identity.scratchTable} against ${source}`,
        async run(s, signal) {
          s.verifyStartedAt = now();
          s.rules = {
            keyAttributes: keyAttributes(s.shape as KeyShape),
            restorePointMs: (s.restorePoint as { ms: number }).ms,
            writeTimeAttributes: options.writeTimeAttributes,
            guardMs: options.guardMs,
            ttlAttribute: s.ttlAttribute,
            expiryCutoffMs: s.verifyStartedAt + options.ttlMarginMs,
          };
          const deadlineMs = input.verifyTimeoutMs ?? verifyDeadlineMs({ sourceItems: s.sourceItems, segments: input.segments, callBoundMs: AWS_MAX_ATTEMPTS * awsTimeouts().requestMs });
          reporter.debug(`verification deadline: ${Math.round(deadlineMs / 1000)}s`);
          // Past the deadline the scans stop at once and the step fails with VerifyDeadlineError.
          const deadline = deadlineSignal(signal, deadlineMs);
          try {
            s.verify = await verifyTables(client, {
              sourceTable: source,
              restoredTable: identity.scratchTable,
              rules: s.rules,
              segments: input.segments,
              signal: deadline.signal,
              onProgress: (m) => reporter.info(m),
            });
          } finally {
            deadline.clear();
          }
          s.verifiedAt = now();
        },
      },
      {
        name: "sentinel-check",
        title: "Checking the RPO sentinels in the restored table",
        async run(s, signal) {
          const checks: SentinelCheck[] = [];
          for (const sentinel of s.sentinels) {
            const found = await getItemConsistent(client, identity.scratchTable, sentinel.key, signal);
            checks.push(sentinelVerdict(sentinel.role, sentinel.hashKey, sentinel.writtenAt, found !== undefined));
          }
          s.sentinelChecks = checks;
        },
      },
      {
        name: "settings",
        title: "Comparing the settings of the source and the restored table",
        async run(s, signal) {
          const [sourceSettings, restoredSettings] = await Promise.all([readSettings(client, source, signal), readSettings(client, identity.scratchTable, signal)]);
          s.settings = compareSettings(sourceSettings, restoredSettings, { alarmNames: input.alarmNames, emulator: input.emulator });
        },
      },
      {
        name: "cross-region",
        title: `Checking the cross-region backup table ${input.crossRegion?.tableName ?? ""} in ${input.crossRegion?.region ?? ""}`.trim(),
        enabled: () => input.crossRegion !== null,
        async run(s, signal) {
          s.crossRegion = await checkCrossRegion(deps.crossRegionClient, input.crossRegion as { tableName: string; region: string }, signal, now);
        },
      },
    ];

    const cleanup: Step<DrillState> = {
      name: "cleanup",
      milestone: true,
      title: input.keep ? "Cleaning up (keeping the scratch table)" : `Cleaning up: deleting ${identity.scratchTable} and the sentinels`,
      async run(s, signal) {
        const before = s.cleanup.errors.length;
        await cleanUp(s, { client, source, input, records, signal, reporter, timeoutMs: options.cleanupTimeoutMs, pollMs: options.pollMs, now });
        // A cleanup that left something behind must not print as done (✓): the step fails, naming it.
        if (s.cleanup.errors.length > before) throw new CleanupIncomplete(s.cleanup.errors.slice(before).join("; "));
      },
    };

    const instrumented = steps.map((step) => ({
      ...step,
      // Outside a terminal the drill prints a line for these only, not one per step start and end.
      milestone: step.name === "restore" || step.name === "verify",
      run: (s: DrillState, signal: AbortSignal) => {
        deps.hooks?.onStep?.(step.name);
        return step.run(s, signal);
      },
    }));
    const run = await runSteps(instrumented, state, { signal: deps.signal, reporter, cleanup, now, title: `DR drill of ${source} (${input.method})` });
    if (run.cleanupError !== undefined && !(run.cleanupError instanceof CleanupIncomplete)) state.cleanup.errors.push(`cleanup: ${errorMessage(run.cleanupError)}`);

    const failedStep = run.records.find((r) => r.status === "failed" && r.name !== "cleanup");
    const failure = run.interrupted ? null : run.error !== undefined ? `${failedStep?.title ?? "the drill"} failed: ${errorMessage(run.error)}` : null;
    const report = buildReport(state, input, run.records, run.interrupted, failure, startedAt, now());
    return { report, interrupted: run.interrupted, ...(run.error !== undefined ? { error: run.error } : {}) };
  } finally {
    lock?.release();
  }
}

async function readSettings(client: DynamoDBClient, tableName: string, signal: AbortSignal): Promise<TableSettings> {
  const table = await describeTable(client, tableName, signal);
  if (!table) throw new OperationError("drill-settings", `table ${tableName} disappeared`);
  const [ttl, backups, tags] = await Promise.all([
    describeTimeToLive(client, tableName, signal),
    describeContinuousBackups(client, tableName, signal),
    table.TableArn ? listTagsOfResource(client, table.TableArn, signal) : Promise.resolve([]),
  ]);
  return tableSettings(table, ttl, backups, tags);
}

/** Exists, ACTIVE, answers a read; never throws for the table's own problems (they go in the report). */
async function checkCrossRegion(
  client: DynamoDBClient | null,
  table: { tableName: string; region: string },
  signal: AbortSignal,
  now: () => number,
): Promise<CrossRegionReport> {
  const base = { table: table.tableName, region: table.region, status: null, answered: false, pitr: null, latencyMs: null };
  if (!client) return { ...base, error: "no client for its region", ok: false };
  try {
    const description = await describeTable(client, table.tableName, signal);
    if (!description) return { ...base, error: "does not exist", ok: false };
    const started = now();
    await scanOneItem(client, table.tableName, signal);
    const latencyMs = now() - started;
    const pitr = (await describeContinuousBackups(client, table.tableName, signal))?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === "ENABLED";
    const status = description.TableStatus ?? null;
    const ok = status === "ACTIVE";
    return { ...base, status, answered: true, pitr, latencyMs, error: ok ? null : `is ${status}`, ok };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ...base, error: `did not answer: ${errorMessage(error)}`, ok: false };
  }
}

interface CleanupContext {
  client: DynamoDBClient;
  source: string;
  input: DrillInput;
  records: DrillRecords;
  signal: AbortSignal;
  reporter: Reporter;
  timeoutMs: number;
  pollMs: number;
  now: () => number;
}

/** Deletes what the drill created. Collects errors instead of stopping at the first one. */
/** The cleanup ran to its end but could not remove everything; its errors are already in the report. */
class CleanupIncomplete extends Error {}

async function cleanUp(s: DrillState, c: CleanupContext): Promise<void> {
  const scratch = s.identity.scratchTable;
  const report = s.cleanup;
  if (!s.restoreRequested) {
    report.scratchTable = "not-needed";
  } else if (c.input.keep) {
    report.scratchTable = (await describeTable(c.client, scratch, c.signal).catch(() => null)) ? "kept" : "absent";
  } else {
    report.scratchTable = await deleteScratchTable(scratch, c, report.errors);
  }

  let left = 0;
  for (const key of s.entry.sentinelKeys) {
    try {
      await deleteSentinel(c.client, c.source, key as Item, c.signal);
      report.sentinelsDeleted += 1;
    } catch (error) {
      if (isNotFound(error)) continue; // no source table, no sentinel
      left += 1;
      report.sentinelKeysLeft.push(sentinelKeyText(key as Item, s.shape));
      report.errors.push(`sentinel ${JSON.stringify(key)}: ${errorMessage(error)}`);
    }
  }
  report.sentinelsLeft = left;

  const scratchDone = report.scratchTable === "deleted" || report.scratchTable === "absent" || report.scratchTable === "not-needed";
  try {
    if (scratchDone && left === 0) {
      await c.records.remove(s.identity.drillId);
      report.recordCleared = true;
    } else {
      // Kept on purpose or not finished: the record stays, without the sentinels already gone.
      s.entry.state = report.scratchTable === "kept" ? "kept" : s.entry.state;
      s.entry.sentinelKeys = left === 0 ? [] : s.entry.sentinelKeys;
      await c.records.save(s.entry);
    }
  } catch (error) {
    report.errors.push(`drill record: ${errorMessage(error)}`);
  }
}

/** The sentinel's hash-key value, as gc and the user find it in the source table. */
function sentinelKeyText(key: Item, shape: KeyShape | null): string {
  const hash = shape ? key[shape.hash.name] : Object.values(key)[0];
  return hash?.S ?? hash?.N ?? JSON.stringify(key);
}

/** Deletes the scratch table, waiting while DynamoDB still refuses (a restore still CREATING). */
async function deleteScratchTable(scratch: string, c: CleanupContext, errors: string[]): Promise<CleanupReport["scratchTable"]> {
  const deadline = c.now() + c.timeoutMs;
  let told = false;
  let interval = Math.max(c.pollMs, 1_000);
  for (;;) {
    try {
      const result = await deleteTable(c.client, scratch, c.signal);
      if (result === "deleting") return "deleted";
      if (result === "absent") return "absent";
    } catch (error) {
      errors.push(`delete ${scratch}: ${errorMessage(error)}`);
      return "failed";
    }
    if (c.now() > deadline) {
      errors.push(`${scratch} was still being created after ${Math.round(c.timeoutMs / 60_000)} minutes: left for noveli dr-drill gc`);
      return "failed";
    }
    if (!told) {
      c.reporter.info(`${scratch} is still being created; DynamoDB deletes it only once it is ACTIVE: waiting (press Ctrl-C again to leave it to noveli dr-drill gc)`);
      told = true;
    }
    await sleep(interval, c.signal);
    interval = Math.min(interval * 2, 15_000);
  }
}

function buildReport(
  s: DrillState,
  input: DrillInput,
  records: Parameters<typeof phaseTimings>[0],
  interrupted: boolean,
  failure: string | null,
  startedAt: number,
  finishedAt: number,
): DrillReport {
  const excludedMs = records.filter((r) => r.name === "sentinel-after" || r.name === "hook").reduce((sum, r) => sum + (r.endedAt - r.startedAt), 0);
  const rto = s.restoreRequestedAt !== null && s.verifiedAt !== null ? rtoSeconds({ restoreRequestedAt: s.restoreRequestedAt, verifiedAt: s.verifiedAt, excludedMs }) : null;
  const rpo =
    s.restorePoint !== null && s.restoreRequestedAt !== null && s.restoreReturnedAt !== null
      ? rpoSeconds({ restorePointMs: s.restorePoint.ms, restoreRequestedAt: s.restoreRequestedAt, restoreReturnedAt: s.restoreReturnedAt })
      : null;
  const notes = [...s.notes];
  if (rpo && rpo.skewMs > 0) notes.push(`the restore point is ${rpo.skewMs} ms after the restore call returned, by this machine's clock (clock skew): RPO counted as 0`);
  if (input.emulator && input.method === "pitr") {
    notes.push("emulator target: moto restores the table as it is at the restore call (whatever the restore time) and its LatestRestorableDateTime stays at the time PITR was enabled; the sentinels still prove the restore holds what was written before the call and nothing after it");
  }
  if (input.method === "backup" && s.backup) {
    notes.push(`backup ${s.backup.arn} was created at ${new Date(s.backup.createdAt).toISOString()}, before this drill: there is no "before" sentinel; the "after" sentinel proves the restore came from the backup, not from the live table`);
  }
  if (s.cleanup.scratchTable === "kept") notes.push(`${s.identity.scratchTable} was kept (--keep): delete it with noveli dr-drill gc when done`);
  const verify = s.verify;
  const verifySeconds = s.verifiedAt !== null && s.verifyStartedAt !== null ? (s.verifiedAt - s.verifyStartedAt) / 1000 : null;
  const items: ItemsReport | null = verify
    ? {
        source: verify.source,
        restored: verify.restored,
        matched: verify.matched,
        missing: verify.missing,
        extra: verify.extra,
        changed: verify.changed,
        examples: verify.examples,
        excluded: verify.excluded,
        reads: verify.reads,
        segments: verify.segments,
        buckets: verify.buckets,
        itemsPerSecond: verifySeconds && verifySeconds > 0 ? Math.round((verify.reads.source + verify.reads.restored) / verifySeconds) : null,
      }
    : null;
  const sentinels = s.sentinelChecks.length > 0 ? s.sentinelChecks : s.sentinels.map((x) => sentinelVerdict(x.role, x.hashKey, x.writtenAt, null));
  const cleanedUp =
    (s.cleanup.scratchTable === "deleted" || s.cleanup.scratchTable === "absent" || s.cleanup.scratchTable === "not-needed" || s.cleanup.scratchTable === "kept") &&
    s.cleanup.sentinelsLeft === 0;
  const partial: Omit<DrillReport, "passed" | "problems" | "warnings"> = {
    env: input.env,
    method: input.method,
    target: input.target,
    sourceTable: input.source.tableName,
    scratchTable: s.restoreRequested ? s.identity.scratchTable : null,
    drillId: s.identity.drillId,
    backupArn: s.backup?.arn ?? null,
    restorePoint: s.restorePoint ? new Date(s.restorePoint.ms).toISOString() : null,
    restorePointBasis: s.restorePoint?.basis ?? null,
    rtoSeconds: rto,
    rpoSeconds: rpo?.seconds ?? null,
    phases: phaseTimings(records),
    items,
    comparisonRule: s.rules ? describeRules(s.rules) : [],
    sentinels,
    settings: s.settings,
    crossRegion: s.crossRegion,
    pitr: s.pitr,
    backups: {
      available: s.backups.filter((b) => b.BackupStatus === "AVAILABLE").length,
      newest:
        s.backups
          .map((b) => b.BackupCreationDateTime)
          .filter((d): d is Date => d instanceof Date)
          .sort((a, b) => b.getTime() - a.getTime())[0]
          ?.toISOString() ?? null,
    },
    cleanup: s.cleanup,
    cleanedUp,
    interrupted,
    notes,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
  };
  const verdict = judge(partial, failure);
  return { ...partial, ...verdict, warnings: drillWarnings({ sourceTable: input.source.tableName, items, passed: verdict.passed }) };
}
