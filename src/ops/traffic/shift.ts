import type { StageTraffic } from "../../aws/apigateway.js";
import type { AlarmState } from "../../aws/cloudwatch.js";
import type { Clock } from "../../core/clock.js";
import { isColor, type Color } from "../../core/color.js";
import { errorMessage } from "../../errors.js";
import type { HealthReport } from "../health/judge.js";
import { formatDuration } from "../health/duration.js";
import type { HistoryRecord } from "../../state/history.js";
import type { CanaryAnalysis } from "./analysis.js";
import { summarizeHealth, type ShiftEvidence, type ShiftExit, type ShiftOutcome, type ShiftResult, type StepName, type StepRecord } from "./outcome.js";
import { planShift, renderPatch, verifyReadBack, type PlannedStep } from "./planner.js";
import { previousColor, type ColorMove } from "./previous-color.js";
import type { PropagationResult } from "./propagation.js";
import { RESTORE_DEADLINE_MS, shiftRollback } from "./rollback.js";
import { describeTraffic, type LiveStage } from "./stage.js";
import { alarmsAlreadyFiring, judgePoll, watchWindow, type PollVerdict, type WatchResult } from "./watch.js";

/**
 * A traffic shift on the live stage as a list of steps: read the stage (and choose the target),
 * preflight the alarms, health-gate the target, apply the plan (each stage update read back, each
 * canary step watched, the landing of a switch checked), watch. A step either lets the next one run
 * or ends the shift; an ending that calls for a rollback runs the one rollback (rollback.ts), at most
 * once. Everything external is behind `ShiftDeps`, so unit tests drive it with in-memory fakes and
 * an instant clock.
 */

export type { ShiftOutcome } from "./outcome.js";
export type { LiveStage } from "./stage.js";

export interface ShiftDeps {
  stage: LiveStage;
  /** The full health check of a color, before any traffic moves to it. */
  gateHealth(color: Color): Promise<HealthReport>;
  /** One quick health poll of the target while watching. */
  pollHealth(color: Color): Promise<HealthReport>;
  /** The environment's alarms (from the Terraform outputs); `color` marks a per-color alarm. */
  readAlarms(): Promise<(AlarmState & { color?: Color })[]>;
  /**
   * A rollback: the environment's traffic history (switch, rollback and teardown records, newest
   * first), from which it takes the previous color. Absent: the live stage alone decides.
   */
  trafficHistory?(): Promise<HistoryRecord[]>;
  /** The canary analysis at every poll of each step and of the watch; absent = alarms and health only. */
  analysis?: CanaryAnalysis;
  /** After an all-at-once switch or a promotion: probe the live stage until it answers from the new color. */
  verifyPropagation?(color: Color): Promise<PropagationResult>;
  clock: Clock;
  /** Aborted on SIGINT/SIGTERM: the shift stops and rolls back to the previous color. */
  signal: AbortSignal;
  progress(message: string): void;
  /** The rollback's deadline in ms. Default RESTORE_DEADLINE_MS. */
  restoreDeadlineMs?: number;
}

export interface ShiftRequest {
  operation: "switch" | "rollback";
  /** switch: the target color. rollback: left out (the previous color, see previous-color.ts). */
  to?: Color;
  /** Canary percentages, validated; all at once when absent. */
  canary?: number[];
  /** Analysis time after each canary step (alarms and health polled). */
  stepIntervalMs: number;
  /** Watch after the last step; 0 = no watch. */
  watchMs: number;
  pollMs: number;
  /** Roll back automatically when the watch trips (false = --no-rollback: only report). */
  autoRollback: boolean;
  /** Health-check the target before moving traffic (false = rollback --force). */
  healthGate: boolean;
}

/** What one shift knows as its steps run. */
interface ShiftState {
  steps: StepRecord[];
  /** The stage as this shift first read it. */
  found?: StageTraffic;
  /** The live color as first read. */
  from?: string;
  to?: Color;
  /** A rollback: the switch it goes back from. */
  undoes?: ColorMove;
  plan: PlannedStep[];
  /** What the stage must read as while this shift watches: the last step it wrote and read back. */
  written?: StageTraffic;
  /** The stage as last read. */
  liveAfter: StageTraffic | null;
  /** A stage update was sent (a failed call may still have applied). */
  changed: boolean;
  /** Set while a watch runs: a trip or an error then ends the shift as a watch does. */
  watching?: { kind: "canary"; percent: number } | { kind: "final" };
  /** `; traffic landed in …` once the propagation check verified it. */
  landed: string;
}

interface Shift {
  deps: ShiftDeps;
  request: ShiftRequest;
  state: ShiftState;
}

/** How a shift ends: as it is, or with the one rollback (whose success decides `ifRestored`). */
type Ending =
  | { kind: "end"; result: ShiftResult; exit: ShiftExit; reason: string; evidence?: ShiftEvidence }
  | { kind: "roll-back"; why: string; evidence: ShiftEvidence; ifRestored: { result: ShiftResult; exit: ShiftExit } };

interface ShiftStep {
  title: string;
  /** Whether the step belongs to this shift at all. */
  enabled?(shift: Shift): boolean;
  /** Resolves to an ending to stop the shift there, undefined to go on. */
  run(shift: Shift): Promise<Ending | undefined>;
}

const watched = ({ request }: Shift) => request.watchMs > 0 || request.canary !== undefined;

const SHIFT_STEPS: readonly ShiftStep[] = [
  { title: "read the live stage and plan", run: readAndPlan },
  { title: "alarms before the shift", enabled: watched, run: preflightAlarms },
  { title: "health gate of the target", enabled: ({ request }) => request.healthGate, run: healthGate },
  { title: "apply the plan", run: applyPlan },
  { title: "watch", enabled: ({ request }) => request.watchMs > 0, run: finalWatch },
];

export async function executeShift(deps: ShiftDeps, request: ShiftRequest): Promise<ShiftOutcome> {
  const shift: Shift = { deps, request, state: { steps: [], plan: [], liveAfter: null, changed: false, landed: "" } };
  const rollback = shiftRollback(() => ({
    stage: deps.stage,
    clock: deps.clock,
    progress: deps.progress,
    deadlineMs: deps.restoreDeadlineMs ?? RESTORE_DEADLINE_MS,
    found: shift.state.found,
    written: shift.state.written,
    to: shift.state.to,
    lastRead: shift.state.liveAfter,
  }));
  const ending = await runSteps(shift);
  if (ending.kind === "end") return outcome(shift, ending.result, ending.exit, ending.reason, ending.evidence);
  const restored = await rollback(ending.why);
  shift.state.steps.push(restored.step);
  shift.state.liveAfter = restored.liveAfter;
  const { result, exit } = restored.ok ? ending.ifRestored : REFUSED;
  return { ...outcome(shift, result, exit, `${ending.why}; ${restored.detail}`, ending.evidence), ...(restored.ok ? {} : { restoreFailed: true as const }) };
}

async function runSteps(shift: Shift): Promise<Ending> {
  try {
    for (const step of SHIFT_STEPS) {
      if (step.enabled && !step.enabled(shift)) continue;
      const ending = await step.run(shift);
      if (ending) return ending;
    }
    return { kind: "end", result: "switched", exit: "success", reason: switched(shift) };
  } catch (error) {
    return endingOfError(shift, error);
  }
}

function outcome({ state }: Shift, result: ShiftResult, exit: ShiftExit, reason: string, evidence?: ShiftEvidence): ShiftOutcome {
  return {
    from: state.from ?? null,
    to: state.to ?? null,
    result,
    exit,
    reason,
    steps: state.steps,
    ...(evidence ? { evidence } : {}),
    liveAfter: state.liveAfter,
    ...(state.undoes ? { undoes: state.undoes } : {}),
  };
}

const end = (result: ShiftResult, exit: ShiftExit, reason: string, evidence?: ShiftEvidence): Ending => ({ kind: "end", result, exit, reason, ...(evidence ? { evidence } : {}) });
const ROLLED_BACK = { result: "rolled-back", exit: "rolled-back" } as const;
/** A shift whose rollback put traffic back after a failed step, or whose rollback failed: refused, exit 1. */
const REFUSED = { result: "refused", exit: "failed" } as const;

async function timed<T>(clock: Clock, run: () => Promise<T>): Promise<{ value: T; at: string; durationMs: number }> {
  const at = new Date(clock.now()).toISOString();
  const started = clock.now();
  const value = await run();
  return { value, at, durationMs: clock.now() - started };
}

/** The live stage no longer reads as this shift last wrote it: someone else moved traffic. */
class TrafficMovedError extends Error {
  constructor(
    readonly actual: StageTraffic,
    readonly problem: string,
  ) {
    super(problem);
  }
}

// --- the steps ---

async function readAndPlan(shift: Shift): Promise<Ending | undefined> {
  const { deps, request, state } = shift;
  // A rollback reads the history beside the stage: one round trip, not two.
  const [{ value: current, at, durationMs }, history] = await Promise.all([
    timed(deps.clock, () => deps.stage.read()),
    request.operation === "rollback" ? deps.trafficHistory?.() : undefined,
  ]);
  state.liveAfter = current;
  state.found = current;
  state.from = current.deployment;
  state.steps.push({ name: "read-stage", status: "ok", at, durationMs, detail: `live stage: ${describeTraffic(current)}`, readBack: current });

  if (request.operation === "rollback") {
    const target = previousColor(current, history);
    if ("refuse" in target) return end("refused", "failed", target.refuse, { kind: "error", summary: target.refuse });
    state.to = target.to;
    if (target.undoes) state.undoes = target.undoes;
    deps.progress(`rollback: ${target.why}`);
  } else {
    if (!request.to) throw new Error("a switch needs the color to switch to");
    state.to = request.to;
    if (current.canary) {
      const reason = `a canary is in progress on the live stage (${current.canary.percentTraffic}% to ${current.canary.deployment ?? "?"}): a previous switch did not finish; run noveli rollback to restore ${current.deployment ?? "the previous color"} first`;
      return end("refused", "failed", reason, { kind: "error", summary: reason });
    }
  }
  state.plan = planShift({ current, to: state.to, ...(request.canary ? { canary: request.canary } : {}) });
  if (state.plan.length === 0) return end("unchanged", "success", `${state.to} already serves all live traffic: nothing to do`);
  return undefined;
}

async function preflightAlarms({ deps, state }: Shift): Promise<Ending | undefined> {
  const { value: alarms, at, durationMs } = await timed(deps.clock, () => deps.readAlarms());
  const firing = alarmsAlreadyFiring(alarms);
  state.steps.push({ name: "preflight-alarms", status: firing.length === 0 ? "ok" : "failed", at, durationMs, detail: firing.length === 0 ? `${alarms.length} alarm(s), none in ALARM` : `${firing.length} alarm(s) already in ALARM`, alarms });
  if (firing.length === 0) return undefined;
  const summary = `alarm(s) already in ALARM before the switch, so the watch could not tell what the switch does: ${firing.map((a) => `${a.name} (${a.reason})`).join("; ")}`;
  return end("refused", "failed", summary, { kind: "alarms-before", alarms: firing, summary });
}

async function healthGate({ deps, state }: Shift): Promise<Ending | undefined> {
  const to = target(state);
  deps.progress(`health-checking ${to} before moving traffic`);
  const { value: report, at, durationMs } = await timed(deps.clock, () => deps.gateHealth(to));
  const health = summarizeHealth(report);
  const failed = health.failedChecks.map((c) => `${c.name}: ${c.detail}`).join("; ");
  state.steps.push({ name: "health-gate", status: report.healthy ? "ok" : "failed", at, durationMs, detail: report.healthy ? `${to} is healthy (p50 ${report.p50Ms}ms, p95 ${report.p95Ms}ms)` : `${to} is unhealthy: ${failed}`, health });
  if (report.healthy) return undefined;
  const summary = `${to} is unhealthy, live traffic stays on ${state.from ?? "the current color"}: ${failed}`;
  return end("refused", "failed", summary, { kind: "health-gate", health, summary });
}

/** Each planned stage update, read back; a canary step is watched, the landing of a switch or promotion checked. */
async function applyPlan(shift: Shift): Promise<Ending | undefined> {
  const { deps, state } = shift;
  const to = target(state);
  for (const step of state.plan) {
    deps.signal.throwIfAborted();
    const mismatch = await writeStep(shift, step);
    if (mismatch) return { kind: "roll-back", why: mismatch.summary, evidence: mismatch, ifRestored: REFUSED };
    if (step.kind === "switch" || step.kind === "promote") {
      const notLanded = await checkPropagation(shift, to);
      if (notLanded) return end("switched", "failed", `the live stage reads back ${to}, but ${notLanded.summary}; not rolled back: the stage is as written`, notLanded);
    }
    if (step.kind === "canary") {
      const watch = await watchTarget(shift, { kind: "canary", percent: step.percent }, shift.request.stepIntervalMs, `canary ${step.percent}%`);
      if (watch.kind === "tripped") return tripped(shift, watch.evidence.summary, watch.evidence);
    }
  }
  return undefined;
}

async function finalWatch(shift: Shift): Promise<Ending | undefined> {
  const watch = await watchTarget(shift, { kind: "final" }, shift.request.watchMs, `watch ${formatDuration(shift.request.watchMs)}`);
  return watch.kind === "tripped" ? tripped(shift, watch.evidence.summary, watch.evidence) : undefined;
}

// --- what the steps share ---

function target(state: ShiftState): Color {
  if (!state.to) throw new Error("the shift has no target color yet");
  return state.to;
}

/** The reason of a shift that went through. */
function switched({ request, state, deps }: Shift): string {
  const moved = `live traffic moved from ${state.from} to ${state.to}${through(request)}${state.landed}`;
  if (request.watchMs === 0) return moved;
  return `${moved}; watched ${formatDuration(request.watchMs)}: no alarm, ${state.to} healthy${deps.analysis ? `, ${describeAnalysis(state.steps)}` : ""}`;
}

const through = (request: ShiftRequest): string => (request.canary ? ` through ${request.canary.filter((p) => p < 100).map((p) => `${p}%`).join(", ")}` : "");

/** A watch that tripped or cannot see: the rollback, or with --no-rollback a report of where traffic stays. */
function tripped({ request, state }: Shift, why: string, evidence: ShiftEvidence): Ending {
  if (request.autoRollback) return { kind: "roll-back", why, evidence, ifRestored: ROLLED_BACK };
  if (state.watching?.kind === "canary") {
    return end("refused", "failed", `${why}; not rolled back (--no-rollback): the canary stays at ${state.watching.percent}% to ${state.to}; noveli rollback restores ${state.from}`, evidence);
  }
  return end("switched", "failed", `live traffic moved from ${state.from} to ${state.to}${through(request)}, then ${why}; not rolled back (--no-rollback)`, evidence);
}

/** How an error thrown by a step ends the shift. */
function endingOfError(shift: Shift, error: unknown): Ending {
  const { deps, state } = shift;
  if (error instanceof TrafficMovedError && !deps.signal.aborted) {
    const expected = state.written ?? { deployment: undefined };
    state.steps.push({ name: "watch", status: "failed", at: new Date(deps.clock.now()).toISOString(), durationMs: 0, detail: error.problem, readBack: error.actual });
    return end("superseded", "failed", `${error.problem}; not rolled back over their change`, { kind: "moved-by-other", expected, actual: error.actual, summary: error.problem });
  }
  if (deps.signal.aborted) {
    const why = errorMessage(deps.signal.reason ?? error);
    if (!state.changed) return end("unchanged", "interrupted", `${why}: nothing had changed`, { kind: "interrupted", summary: why });
    // A rollback that did not finish is a failure, whatever interrupted the shift.
    return { kind: "roll-back", why, evidence: { kind: "interrupted", summary: why }, ifRestored: { result: "rolled-back", exit: "interrupted" } };
  }
  const summary = errorMessage(error);
  if (!state.changed) return end("refused", "failed", summary, { kind: "error", summary });
  if (state.watching) {
    // The shift took, but it can no longer be observed: as unsafe as a tripped watch.
    const cannotWatch = `the watch could not read alarms or health: ${summary}`;
    return tripped(shift, cannotWatch, { kind: "error", summary: cannotWatch });
  }
  return { kind: "roll-back", why: summary, evidence: { kind: "error", summary }, ifRestored: REFUSED };
}

/** One stage update and its read-back; the read-back evidence when the stage does not read as written. */
async function writeStep({ deps, state }: Shift, step: PlannedStep): Promise<Extract<ShiftEvidence, { kind: "read-back" }> | undefined> {
  deps.progress(`${step.title}: ${step.patchOperations.map(renderPatch).join(", ")}`);
  const { value: back, at, durationMs } = await timed(deps.clock, async () => {
    state.changed = true; // set before the call: a failed call may still have applied
    return deps.stage.update(step.patchOperations);
  });
  state.liveAfter = back;
  const verdict = verifyReadBack(step.expect, back);
  if (verdict.ok) state.written = step.expect;
  const name: StepName = step.kind === "restore" ? "restore" : step.kind;
  state.steps.push({
    name,
    status: verdict.ok ? "ok" : "failed",
    at,
    durationMs,
    detail: verdict.ok ? `${step.title} (read back: ${describeTraffic(back)})` : verdict.problem,
    percent: step.percent,
    patchOperations: step.patchOperations,
    readBack: back,
  });
  return verdict.ok ? undefined : { kind: "read-back", step: step.title, expected: step.expect, actual: back, summary: verdict.problem };
}

/** Where the traffic lands after a switch or promotion; a timeout stops the shift (exit 1), traffic stays switched. */
async function checkPropagation({ deps, state }: Shift, to: Color): Promise<ShiftEvidence | undefined> {
  const verify = deps.verifyPropagation;
  if (!verify) return undefined;
  deps.progress(`checking that live traffic lands on ${to} (GET /health on the live stage)`);
  const { value: result, at, durationMs } = await timed(deps.clock, () => verify(to));
  state.steps.push({ name: "propagation", status: result.kind === "verified" ? "ok" : result.kind === "unavailable" ? "skipped" : "failed", at, durationMs, detail: result.summary, propagation: result });
  if (result.kind === "verified") state.landed = `; traffic landed in ${formatDuration(result.propagationMs)}`;
  return result.kind === "timeout" ? { kind: "propagation", result, summary: result.summary } : undefined;
}

/**
 * Watches the target for `durationMs`: alarms, health and (with another color to compare) the
 * canary analysis at every poll, each poll reading the stage first. `state.watching` stays set when
 * the watch trips or throws, so the ending knows it was a watch.
 */
async function watchTarget(shift: Shift, watching: NonNullable<ShiftState["watching"]>, durationMs: number, label: string): Promise<WatchResult> {
  const { deps, request, state } = shift;
  const { clock, signal } = deps;
  const to = target(state);
  const from = isColor(state.from) ? state.from : undefined;
  state.watching = watching;
  const at = new Date(clock.now()).toISOString();
  const started = clock.now();
  // After an all-at-once move, the color traffic has left says nothing about the shift through its own alarms.
  const idle = watching.kind === "final" ? from : undefined;
  const window = {
    durationMs,
    pollMs: request.pollMs,
    clock,
    signal,
    poll: () => pollTarget(shift, to, idle),
    onPoll: (n: number, verdict: PollVerdict, remaining: number) =>
      deps.progress(`${label}: poll ${n} ${verdict.kind === "ok" ? "no alarm, healthy" : verdict.evidence.summary}${verdict.kind === "ok" && remaining > 0 ? ` (${formatDuration(remaining)} left)` : ""}`),
  };
  const analysis = deps.analysis && from !== undefined && from !== to ? deps.analysis : undefined;
  const { value: ran, durationMs: took } = await timed(clock, async () =>
    analysis && from !== undefined ? analysis.watch({ ...window, newColor: to, oldColor: from, label }) : { watch: await watchWindow(window), analysis: undefined },
  ).catch((error: unknown) => {
    if (!signal.aborted && !(error instanceof TrafficMovedError)) state.steps.push({ name: "watch", status: "failed", at, durationMs: clock.now() - started, detail: `${label}: could not watch: ${errorMessage(error)}` });
    throw error;
  });
  const result = ran.watch;
  state.steps.push({
    name: "watch",
    status: result.kind === "clean" ? "ok" : "failed",
    at,
    durationMs: took,
    detail: result.kind === "clean" ? `${label}: ${result.polls} poll(s), no alarm in ALARM, ${to} healthy${ran.analysis ? `; analysis ${ran.analysis.result}` : ""}` : `${label}: ${result.evidence.summary}`,
    polls: result.polls,
    ...(result.kind === "tripped" ? { evidence: result.evidence } : {}),
    ...(ran.analysis ? { analysis: ran.analysis } : {}),
  });
  if (result.kind === "clean") state.watching = undefined;
  return result;
}

/** `idle`: the color traffic has left, whose own alarms no longer say anything about the shift. */
async function pollTarget(shift: Shift, to: Color, idle: Color | undefined): Promise<PollVerdict> {
  const { deps } = shift;
  await checkNotMoved(shift);
  const alarms = (await deps.readAlarms()).filter((a) => idle === undefined || a.color !== idle);
  const health = await deps.pollHealth(to);
  return judgePoll({ alarms, health, at: new Date(deps.clock.now()).toISOString() });
}

/** Each poll reads the stage first: traffic someone else moved is theirs, never rolled back over. */
async function checkNotMoved({ deps, state }: Shift): Promise<void> {
  const { written } = state;
  if (!written) return;
  const now = await deps.stage.read(deps.signal);
  state.liveAfter = now;
  const verdict = verifyReadBack(written, now);
  if (!verdict.ok) throw new TrafficMovedError(now, `live traffic was moved by someone else during the watch: the stage now reads ${describeTraffic(now)}, not ${describeTraffic(written)} as this switch left it`);
}

/** The canary analysis of the last watched step, for the outcome's reason. */
function describeAnalysis(steps: StepRecord[]): string {
  const last = [...steps].reverse().find((s) => s.analysis)?.analysis;
  if (!last) return "no canary analysis";
  const verdict = last.analyses.at(-1)?.verdict;
  const figures = verdict?.summary.replace(/^canary analysis (passed|inconclusive): /, "") ?? "no figures";
  return last.result === "passed" ? `canary analysis passed (${figures})` : `canary analysis not judged (${figures})`;
}
