import path from "node:path";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { MAX_VERIFY_DEADLINE_MS, MIN_VERIFY_DEADLINE_MS } from "../ops/drill/deadline.js";
import type { DrillMethod } from "../ops/drill/report.js";
import {
  DEFAULT_GC_MIN_AGE_MINUTES,
  DEFAULT_GUARD_SECONDS,
  DEFAULT_SEGMENTS,
  drillFailure,
  drillGcFailure,
  runDrDrill,
  runDrDrillGc,
  type DrDrillGcResult,
  type DrDrillResult,
} from "../ops/drill/run.js";
import { parseDuration } from "../ops/health/duration.js";
import { parseWaitLock } from "../ops/lease/wait-lock.js";
import { drDrillGcView, drDrillView } from "../views/dr-drill.js";
import { render } from "../views/view.js";

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
  /** Deadline of the whole verification (duration, 1s to 24h). Default: derived from the table's size (src/ops/drill/deadline.ts). */
  verifyTimeout?: string;
  /** gc only: leave unrecorded drill restores younger than this many minutes alone. Default 60. */
  minAge?: string;
  /** Wait this long for the environment's lease (duration, at most 1h). Default: refuse at once. */
  waitLock?: string;
}

export { DEFAULT_GC_MIN_AGE_MINUTES, DEFAULT_GUARD_SECONDS, DEFAULT_SEGMENTS };
const BACKUP_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}\/backup\/[A-Za-z0-9_.-]+$/;

export interface RunPlan {
  kind: "run";
  method: DrillMethod;
  backupArn: string | null;
  keep: boolean;
  reportFile: string | null;
  segments: number;
  guardMs: number;
  verifyTimeoutMs: number | null;
}

export interface GcPlan {
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
      ["--verify-timeout", options.verifyTimeout],
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
    verifyTimeoutMs: options.verifyTimeout === undefined ? null : parseVerifyTimeout(options.verifyTimeout),
  };
}

function parseVerifyTimeout(raw: string): number {
  const ms = parseDuration(raw, "--verify-timeout", MAX_VERIFY_DEADLINE_MS);
  if (ms < MIN_VERIFY_DEADLINE_MS) throw new UsageError(`--verify-timeout ${raw} is shorter than 1s`);
  return ms;
}

/** Flags → the drill or the gc (src/ops/drill/run.ts) → its view; a drill that did not pass, or a gc that left something, fails the command. */
export async function drDrill(options: DrDrillOptions, ctx: CommandContext): Promise<DrDrillResult | DrDrillGcResult> {
  const plan = parseDrDrillOptions(options);
  const waitMs = parseWaitLock(options.waitLock);
  if (plan.kind === "gc") {
    const result = await runDrDrillGc(ctx, { minAgeMs: plan.minAgeMs, waitMs });
    render(ctx.reporter, drDrillGcView, result);
    const failure = drillGcFailure(result);
    if (failure) throw failure;
    return result;
  }
  const { kind: _kind, ...run } = plan;
  const report = await runDrDrill(ctx, { ...run, waitMs });
  render(ctx.reporter, drDrillView, report);
  const failure = drillFailure(report);
  if (failure) throw failure;
  return report;
}
