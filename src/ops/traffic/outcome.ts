import type { StageTraffic } from "../../aws/apigateway.js";
import type { AlarmState } from "../../aws/cloudwatch.js";
import type { HealthReport } from "../health/judge.js";
import type { StepAnalysis } from "./analysis.js";
import type { StagePatch } from "./planner.js";
import type { ColorMove } from "./previous-color.js";
import type { PropagationResult } from "./propagation.js";
import type { WatchEvidence } from "./watch.js";

/**
 * What a traffic shift reports: a record per step it ran, the evidence of why it did not simply
 * succeed, its result and how the command exits. The history and the --json document carry these.
 */

export interface HealthSummary {
  color: string;
  healthy: boolean;
  p50Ms: number | null;
  p95Ms: number | null;
  version: string | null;
  codeSha256: string | null;
  failedChecks: { name: string; detail: string }[];
}

export type StepName = "read-stage" | "preflight-alarms" | "health-gate" | "switch" | "canary" | "promote" | "propagation" | "watch" | "restore";

export interface StepRecord {
  name: StepName;
  /** skipped: the step cannot run on this target (the propagation check on an emulator). */
  status: "ok" | "failed" | "skipped";
  at: string;
  durationMs: number;
  detail: string;
  percent?: number;
  patchOperations?: StagePatch[];
  readBack?: StageTraffic;
  health?: HealthSummary;
  alarms?: AlarmState[];
  evidence?: WatchEvidence;
  polls?: number;
  analysis?: StepAnalysis;
  propagation?: PropagationResult;
}

/** Why a shift did not simply succeed; goes into the history and the --json steps. */
export type ShiftEvidence =
  | WatchEvidence
  | { kind: "health-gate"; health: HealthSummary; summary: string }
  | { kind: "alarms-before"; alarms: AlarmState[]; summary: string }
  | { kind: "read-back"; step: string; expected: StageTraffic; actual: StageTraffic; summary: string }
  | { kind: "propagation"; result: PropagationResult; summary: string }
  | { kind: "error"; summary: string }
  | { kind: "interrupted"; summary: string }
  | { kind: "moved-by-other"; expected: StageTraffic; actual: StageTraffic; summary: string };

/** `superseded`: someone else moved live traffic during the watch; noveli left their change alone. */
export type ShiftResult = "switched" | "rolled-back" | "refused" | "unchanged" | "superseded";

/** How the command exits: 0, 1, 3 or 130. */
export type ShiftExit = "success" | "failed" | "rolled-back" | "interrupted";

export interface ShiftOutcome {
  from: string | null;
  to: string | null;
  result: ShiftResult;
  exit: ShiftExit;
  reason: string;
  steps: StepRecord[];
  evidence?: ShiftEvidence;
  /** The live stage as last read (after any rollback). */
  liveAfter: StageTraffic | null;
  /** A rollback: the switch in the shared history it goes back from. */
  undoes?: ColorMove;
  /** The rollback ran and could not put traffic back (failed, timed out, or skipped over someone else's change). */
  restoreFailed?: true;
}

export function summarizeHealth(report: HealthReport): HealthSummary {
  return {
    color: report.color,
    healthy: report.healthy,
    p50Ms: report.p50Ms,
    p95Ms: report.p95Ms,
    version: report.version,
    codeSha256: report.codeSha256,
    failedChecks: report.checks.filter((c) => !c.ok).map((c) => ({ name: c.name, detail: c.detail })),
  };
}
