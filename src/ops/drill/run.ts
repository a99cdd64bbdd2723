import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createClient } from "../../aws/clients.js";
import { DynamoDBClient } from "../../aws/dynamodb.js";
import { describeTarget, isEmulatorTarget, targetKey } from "../../core/target.js";
import type { CommandContext } from "../../context.js";
import { AbortError, OperationError, errorMessage, isNoveliError, type NoveliError } from "../../errors.js";
import type { Reporter } from "../../output/reporter.js";
import type { OpsStore } from "../../state/ops-store.js";
import { recordHistory, withLease } from "../../state/lease-scope.js";
import { loadEnvironmentOutputs } from "../../terraform/environment.js";
import type { EnvironmentOutputs } from "../../terraform/outputs.js";
import { runDrill, type DrillHooks } from "./drill.js";
import { collectGarbage, type GcReport } from "./gc.js";
import { leftBehind, renderMarkdown, type DrillMethod, type DrillReport } from "./report.js";

/**
 * `noveli dr-drill` as operations: an environment's drill (its lease, its outputs, the DynamoDB
 * clients, the drill itself, its history record and the --report file) and the gc of what
 * earlier drills left behind. Both return their typed result; the command renders it and turns
 * a failing outcome into its exit code.
 */

export const DEFAULT_SEGMENTS = 4;
export const DEFAULT_GUARD_SECONDS = 10;
export const DEFAULT_GC_MIN_AGE_MINUTES = 60;

/** What a drill of an environment is asked to do (the parsed flags of `noveli dr-drill`). */
export interface DrDrillInput {
  /** Default pitr. */
  method?: DrillMethod;
  /** The backup to restore (method backup). Default null: the newest available one. */
  backupArn?: string | null;
  /** Leave the scratch table in place (dr-drill gc deletes it later). Default false. */
  keep?: boolean;
  /** Also write the report as Markdown to this (absolute) file. Default null: none. */
  reportFile?: string | null;
  /** Parallel scan segments per table. Default DEFAULT_SEGMENTS. */
  segments?: number;
  /** Items stamped this close before the restore point are left out of the comparison (ms). Default DEFAULT_GUARD_SECONDS. */
  guardMs?: number;
  /** Deadline of the whole verification (ms). Default null: derived from the table's size (deadline.ts). */
  verifyTimeoutMs?: number | null;
  /** How long to wait for the environment's lease (ms). Default 0: refuse at once. */
  waitMs?: number;
}

/** The drill's report: `passed`, `interrupted` and `cleanedUp` say how it ended. */
export type DrDrillResult = DrillReport;

export interface DrDrillGcInput {
  /** Unrecorded drill restores younger than this are left alone (ms). Default DEFAULT_GC_MIN_AGE_MINUTES. */
  minAgeMs?: number;
  /** How long to wait for the environment's lease (ms). Default 0: refuse at once. */
  waitMs?: number;
}

export type DrDrillGcResult = { env: string } & GcReport;

/** DynamoDB clients for a region of the target (default: the target's own region). */
export type DynamoDbClientFactory = (region?: string) => DynamoDBClient;

export interface DrDrillDependencies {
  /** Default: clients from the one client factory, for the context's target. */
  dynamoDb?: DynamoDbClientFactory;
  hooks?: DrillHooks;
}

function clientFactory(ctx: CommandContext, deps: DrDrillDependencies): Promise<DynamoDbClientFactory> | DynamoDbClientFactory {
  if (deps.dynamoDb) return deps.dynamoDb;
  return ctx.target().then((target) => (region?: string) => createClient(DynamoDBClient, target, region ? { region } : {}));
}

export async function runDrDrill(ctx: CommandContext, request: DrDrillInput = {}, deps: DrDrillDependencies = {}): Promise<DrDrillResult> {
  const input = {
    method: request.method ?? "pitr",
    backupArn: request.backupArn ?? null,
    keep: request.keep ?? false,
    reportFile: request.reportFile ?? null,
    segments: request.segments ?? DEFAULT_SEGMENTS,
    guardMs: request.guardMs ?? DEFAULT_GUARD_SECONDS * 1000,
    verifyTimeoutMs: request.verifyTimeoutMs ?? null,
    waitMs: request.waitMs ?? 0,
  };
  const env = ctx.environment();
  const target = await ctx.target();
  const dynamoDb = await clientFactory(ctx, deps);
  const outputs = await loadEnvironmentOutputs(ctx);
  const report = await withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, waitMs: input.waitMs, command: `dr-drill ${env}` }, async ({ store }) => {
    const client = dynamoDb(outputs.region);
    const crossRegion = outputs.backupTableName && outputs.backupRegion ? { tableName: outputs.backupTableName, region: outputs.backupRegion } : null;
    const crossRegionClient = crossRegion ? dynamoDb(crossRegion.region) : null;
    const outcome = await runDrill(
      {
        env,
        method: input.method,
        backupArn: input.backupArn,
        keep: input.keep,
        segments: input.segments,
        guardMs: input.guardMs,
        ...(input.verifyTimeoutMs !== null ? { verifyTimeoutMs: input.verifyTimeoutMs } : {}),
        source: { tableName: outputs.tableName, tableArn: outputs.tableArn, region: outputs.region },
        crossRegion,
        alarmNames: outputs.alarmNames,
        stateDir: ctx.stateDir,
        target: describeTarget(target),
        targetKey: targetKey(target),
        emulator: isEmulatorTarget(target),
        ...(isEmulatorTarget(target) ? { pollMs: 100 } : {}),
      },
      { client, crossRegionClient, reporter: ctx.reporter, signal: ctx.signal, records: store.drillRecords(env), ...(deps.hooks ? { hooks: deps.hooks } : {}) },
    ).finally(() => {
      client.destroy();
      crossRegionClient?.destroy();
    });
    const drilled = outcome.report;
    await recordHistory(store, env, ctx.reporter, {
      type: "drill",
      outcome: drilled.passed ? "passed" : drilled.interrupted ? "interrupted" : "failed",
      method: drilled.method,
      scratchTable: drilled.scratchTable,
      restorePoint: drilled.restorePoint,
      rtoSeconds: drilled.rtoSeconds,
      rpoSeconds: drilled.rpoSeconds,
      items: drilled.items ? { source: drilled.items.source, matched: drilled.items.matched, missing: drilled.items.missing, extra: drilled.items.extra, changed: drilled.items.changed } : null,
      cleanedUp: drilled.cleanedUp,
    });
    return drilled;
  });
  if (input.reportFile !== null) writeReportFile(input.reportFile, report, ctx.reporter);
  return report;
}

function writeReportFile(file: string, report: DrillReport, reporter: Reporter): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, renderMarkdown(report));
    reporter.info(`report written to ${file}`);
  } catch (error) {
    // The drill's own outcome matters more than the report file: say so and carry on.
    reporter.warn(`could not write the report to ${file}: ${errorMessage(error)}`);
  }
}

/** The environment's outputs, or null when it is not deployed (a torn-down environment can still have leftovers). */
async function outputsIfDeployed(ctx: CommandContext): Promise<EnvironmentOutputs | null> {
  try {
    return await loadEnvironmentOutputs(ctx);
  } catch (error) {
    if (isNoveliError(error) && error.code === "not-deployed") return null;
    throw error;
  }
}

/**
 * Why a drill's outcome fails `noveli dr-drill` (and the rehearsal's drill step): interrupted
 * (exit 130) or not passed; undefined when it passed.
 */
export function drillFailure(report: DrDrillResult): NoveliError | undefined {
  if (report.interrupted) return new AbortError(`interrupted; cleanup ${report.cleanedUp ? "done" : "incomplete: run noveli dr-drill gc"}`);
  if (report.passed) return undefined;
  // Loud about what it left: a drill stopped by a fault names the scratch table and the sentinels.
  const left = report.cleanedUp ? [] : leftBehind(report);
  const leftText = left.length > 0 && !(report.problems[0] ?? "").startsWith("cleanup did not finish") ? `; it left ${left.join(" and ")}` : "";
  return new OperationError("drill-failed", `DR drill failed: ${report.problems[0] ?? "see the report"}${leftText}`, {
    details: { problems: report.problems },
    ...(report.cleanedUp ? {} : { hint: `run noveli dr-drill gc --env ${report.env}` }),
  });
}

/** Why a gc fails `noveli dr-drill gc`: a leftover it could not delete; undefined when none. */
export function drillGcFailure(result: DrDrillGcResult): NoveliError | undefined {
  return result.failed.length > 0 ? new OperationError("drill-gc", `${result.failed.length} leftover(s) could not be deleted`) : undefined;
}

export async function runDrDrillGc(ctx: CommandContext, request: DrDrillGcInput = {}, deps: Pick<DrDrillDependencies, "dynamoDb"> = {}): Promise<DrDrillGcResult> {
  const input = { minAgeMs: request.minAgeMs ?? DEFAULT_GC_MIN_AGE_MINUTES * 60_000, waitMs: request.waitMs ?? 0 };
  const env = ctx.environment();
  const target = await ctx.target();
  return withLease({ target, env, reporter: ctx.reporter, signal: ctx.signal, waitMs: input.waitMs, command: `dr-drill gc ${env}` }, ({ store }) => gc(ctx, input, store, deps));
}

async function gc(ctx: CommandContext, input: { minAgeMs: number }, store: OpsStore, deps: Pick<DrDrillDependencies, "dynamoDb">): Promise<DrDrillGcResult> {
  const target = await ctx.target();
  const env = ctx.environment();
  const outputs = await outputsIfDeployed(ctx);
  if (outputs === null) {
    ctx.reporter.warn(`${env} is not deployed on this target: looking at every drill restore in the region, not just ${env}'s`);
  }
  const client = (await clientFactory(ctx, deps))(outputs?.region);
  const source = outputs ? { tableName: outputs.tableName, tableArn: outputs.tableArn } : null;
  const result = await ctx.reporter
    .phase(`Looking for tables and sentinels left by drills of ${env}`, () =>
      collectGarbage({ env, stateDir: ctx.stateDir, targetKey: targetKey(target), source, minAgeMs: input.minAgeMs }, { client, signal: ctx.signal, records: store.drillRecords(env) }),
    )
    .finally(() => client.destroy());
  await recordHistory(store, env, ctx.reporter, {
    type: "gc",
    outcome: result.failed.length > 0 ? "incomplete" : "done",
    deleted: result.deleted.map((d) => d.table),
    failed: result.failed.map((f) => f.table),
    sentinelsDeleted: result.sentinelsDeleted,
  });
  return { env, ...result };
}
