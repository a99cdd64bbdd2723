import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createClient } from "../aws/clients.js";
import { describeTarget, isEmulatorTarget } from "../core/target.js";
import type { CommandContext } from "../context.js";
import { AbortError, OperationError, UsageError, errorMessage, isNoveliError } from "../errors.js";
import { runDrill } from "../ops/drill/drill.js";
import { collectGarbage } from "../ops/drill/gc.js";
import { renderHuman, renderMarkdown, type DrillMethod, type DrillReport } from "../ops/drill/report.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import type { OpsStore } from "../state/ops-store.js";
import { recordHistory, withLease } from "../state/lease-scope.js";
import { loadEnvironmentOutputs } from "../terraform/environment.js";
import type { EnvironmentOutputs } from "../terraform/outputs.js";
import { targetKey } from "../core/target.js";

/** Arguments and flags of `noveli dr-drill [action]`. */
export interface DrDrillOptions {
  /** `run` (the default) runs a drill; `gc` deletes what earlier drills left behind. */
  action?: string;
  /** pitr (default): restore to the latest restorable time; backup: restore an on-demand or AWS Backup backup. */
  method?: string;
  /** The backup to restore (implies --method backup). Default: the newest available backup. */
  backupArn?: string;
  /** Leave the scratch table in place after the drill (dr-drill gc deletes it later). Default false. */
  keep?: boolean;
  /** Also write the report as Markdown to this file. Default: none. */
  report?: string;
  /** Parallel scan segments per table, 1 to 64. Default 4. */
  segments?: string;
  /** Items stamped less than this many seconds before the restore point are left out, 0 to 3600. Default 10. */
  guard?: string;
  /** gc only: leave unrecorded drill restores younger than this many minutes alone. Default 60. */
  minAge?: string;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
}

export const DEFAULT_SEGMENTS = 4;
export const DEFAULT_GUARD_SECONDS = 10;
export const DEFAULT_GC_MIN_AGE_MINUTES = 60;
const BACKUP_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/backup\/[A-Za-z0-9_.-]+$/;

interface RunPlan {
  kind: "run";
  method: DrillMethod;
  backupArn: string | null;
  keep: boolean;
  reportFile: string | null;
  segments: number;
  guardMs: number;
}

interface GcPlan {
  kind: "gc";
  minAgeMs: number;
}

function integer(raw: string, flag: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** Pure: every flag checked before anything touches AWS. */
export function parseDrDrillOptions(options: DrDrillOptions): RunPlan | GcPlan {
  const action = options.action ?? "run";
  if (action === "gc") {
    for (const [flag, given] of [
      ["--method", options.method],
      ["--backup-arn", options.backupArn],
      ["--keep", options.keep],
      ["--report", options.report],
      ["--segments", options.segments],
      ["--guard", options.guard],
    ] as const) {
      if (given !== undefined && given !== false) throw new UsageError(`${flag} does not apply to dr-drill gc`);
    }
    return { kind: "gc", minAgeMs: integer(options.minAge ?? String(DEFAULT_GC_MIN_AGE_MINUTES), "--min-age", 0, 525_600) * 60_000 };
  }
  if (action !== "run") throw new UsageError(`unknown dr-drill action ${JSON.stringify(action)}: use dr-drill (to run a drill) or dr-drill gc`);
  if (options.minAge !== undefined) throw new UsageError("--min-age applies to dr-drill gc only");
  const method = options.method ?? (options.backupArn !== undefined ? "backup" : "pitr");
  if (method !== "pitr" && method !== "backup") throw new UsageError(`--method must be pitr or backup, got ${JSON.stringify(method)}`);
  if (options.backupArn !== undefined) {
    if (method !== "backup") throw new UsageError("--backup-arn needs --method backup");
    if (!BACKUP_ARN.test(options.backupArn)) throw new UsageError(`--backup-arn is not a DynamoDB backup ARN: ${JSON.stringify(options.backupArn)}`);
  }
  if (options.report !== undefined && options.report.trim() === "") throw new UsageError("--report needs a file name");
  return {
    kind: "run",
    method,
    backupArn: options.backupArn ?? null,
    keep: options.keep === true,
    reportFile: options.report !== undefined ? path.resolve(options.report) : null,
    segments: integer(options.segments ?? String(DEFAULT_SEGMENTS), "--segments", 1, 64),
    guardMs: integer(options.guard ?? String(DEFAULT_GUARD_SECONDS), "--guard", 0, 3600) * 1000,
  };
}

export async function drDrill(options: DrDrillOptions, ctx: CommandContext): Promise<void> {
  const plan = parseDrDrillOptions(options);
  const waitMs = parseWaitLock(options.waitLock);
  const env = ctx.environment();
  const target = await ctx.target();
  const lease = { target, env, reporter: ctx.reporter, signal: ctx.signal, waitMs };
  if (plan.kind === "gc") return withLease({ ...lease, command: `dr-drill gc ${env}` }, ({ store }) => gc(plan, ctx, store));
  const outputs = await loadEnvironmentOutputs(ctx);
  const report = await withLease({ ...lease, command: `dr-drill ${env}` }, async ({ store }) => {
    const client = createClient(DynamoDBClient, target, { region: outputs.region });
    const crossRegion = outputs.backupTableName && outputs.backupRegion ? { tableName: outputs.backupTableName, region: outputs.backupRegion } : null;
    const crossRegionClient = crossRegion ? createClient(DynamoDBClient, target, { region: crossRegion.region }) : null;
    const outcome = await runDrill(
      {
        env,
        method: plan.method,
        backupArn: plan.backupArn,
        keep: plan.keep,
        segments: plan.segments,
        guardMs: plan.guardMs,
        source: { tableName: outputs.tableName, tableArn: outputs.tableArn, region: outputs.region },
        crossRegion,
        alarmNames: outputs.alarmNames,
        stateDir: ctx.stateDir,
        target: describeTarget(target),
        targetKey: targetKey(target),
        emulator: isEmulatorTarget(target),
        ...(isEmulatorTarget(target) ? { pollMs: 100 } : {}),
      },
      { client, crossRegionClient, reporter: ctx.reporter, signal: ctx.signal, records: store.drillRecords(env) },
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

  if (plan.reportFile !== null) writeReportFile(plan.reportFile, report, ctx);
  ctx.reporter.result(jsonDocument(report), (lines, s) => renderHuman(report, lines, s));
  if (report.interrupted) throw new AbortError(`interrupted; cleanup ${report.cleanedUp ? "done" : "incomplete: run noveli dr-drill gc"}`);
  if (!report.passed) {
    throw new OperationError("drill-failed", `DR drill failed: ${report.problems[0] ?? "see the report"}`, {
      details: { problems: report.problems },
      ...(report.cleanedUp ? {} : { hint: `run noveli dr-drill gc --env ${env}` }),
    });
  }
}

/** The --json document: the fields first, the evidence after. */
function jsonDocument(report: DrillReport): object {
  const { env, method, sourceTable, scratchTable, restorePoint, rtoSeconds, rpoSeconds, phases, items, settings, crossRegion, cleanedUp, passed, ...rest } = report;
  return { command: "dr-drill", env, method, sourceTable, scratchTable, restorePoint, rtoSeconds, rpoSeconds, phases, items, settings, crossRegion, cleanedUp, passed, ...rest };
}

function writeReportFile(file: string, report: DrillReport, ctx: CommandContext): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, renderMarkdown(report));
    ctx.reporter.info(`report written to ${file}`);
  } catch (error) {
    // The drill's own outcome matters more than the report file: say so and carry on.
    ctx.reporter.warn(`could not write the report to ${file}: ${errorMessage(error)}`);
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

async function gc(plan: GcPlan, ctx: CommandContext, store: OpsStore): Promise<void> {
  const target = await ctx.target();
  const env = ctx.environment();
  const outputs = await outputsIfDeployed(ctx);
  if (outputs === null) {
    ctx.reporter.warn(`${env} is not deployed on this target: looking at every drill restore in the region, not just ${env}'s`);
  }
  const client = createClient(DynamoDBClient, target, outputs ? { region: outputs.region } : {});
  const source = outputs ? { tableName: outputs.tableName, tableArn: outputs.tableArn } : null;
  const result = await ctx.reporter
    .phase(`Looking for tables and sentinels left by drills of ${env}`, () =>
      collectGarbage({ env, stateDir: ctx.stateDir, targetKey: targetKey(target), source, minAgeMs: plan.minAgeMs }, { client, signal: ctx.signal, records: store.drillRecords(env) }),
    )
    .finally(() => client.destroy());
  ctx.reporter.result({ command: "dr-drill gc", env, ...result }, (lines, s) => {
    if (result.deleted.length === 0) lines.push("no drill tables to delete");
    for (const d of result.deleted) lines.push(`${s.green("deleted")} ${d.table}: ${d.reason}${d.result === "absent" ? " (already gone)" : ""}`);
    for (const d of result.skipped) lines.push(`${s.dim("left")} ${d.table}: ${d.reason}`);
    for (const f of result.failed) lines.push(`${s.red("failed")} ${f.table}: ${f.error}`);
    if (result.sentinelsDeleted > 0) lines.push(`deleted ${result.sentinelsDeleted} sentinel item(s) from the source table`);
  });
  await recordHistory(store, env, ctx.reporter, {
    type: "gc",
    outcome: result.failed.length > 0 ? "incomplete" : "done",
    deleted: result.deleted.map((d) => d.table),
    failed: result.failed.map((f) => f.table),
    sentinelsDeleted: result.sentinelsDeleted,
  });
  if (result.failed.length > 0) throw new OperationError("drill-gc", `${result.failed.length} leftover(s) could not be deleted`);
}
