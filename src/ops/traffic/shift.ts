import type { StageTraffic } from "../../aws/apigateway.js";
import type { AlarmState } from "../../aws/cloudwatch.js";
import { errorMessage } from "../../errors.js";
import type { Color } from "../../core/color.js";
import { otherColor } from "../../core/color.js";
import type { HealthReport } from "../health/judge.js";
import type { Clock } from "../../core/clock.js";
import { isColor } from "../../core/color.js";
import { planRestore, planShift, renderPatch, verifyReadBack, type PlannedStep, type StagePatch } from "./planner.js";
import { alarmsAlreadyFiring, judgePoll, watchWindow, type PollVerdict, type WatchEvidence } from "./watch.js";
import { formatDuration } from "../health/duration.js";
import type { CanaryAnalysis, StepAnalysis } from "./analysis.js";
import type { PropagationResult } from "./propagation.js";

/**
 * Runs a traffic shift on the live stage as a list of steps (preflight, health gate, each stage
 * update read back, watch), with one restore path that runs at most once: on a read-back
 * mismatch, an error, a tripped watch, or SIGINT/SIGTERM. Everything external is behind `ShiftDeps`,
 * so unit tests drive it with in-memory fakes and an instant clock.
 */

/** The live stage: read its traffic, apply patch operations; `signal` bounds one call (the restore's deadline). */
export interface LiveStage {
  read(signal?: AbortSignal): Promise<StageTraffic>;
  update(patchOperations: StagePatch[], signal?: AbortSignal): Promise<void>;
}

/**
 * How long the restore may take in all (read, update, read back). Past it noveli stops trying and
 * says which state it left: an operator must act, and a silent hang would hold the lock.
 */
export const RESTORE_DEADLINE_MS = 60_000;

/** The live stage no longer reads as this shift last wrote it: someone else moved traffic. */
class TrafficMovedError extends Error {
  constructor(readonly actual: StageTraffic, readonly problem: string) {
    super(problem);
  }
}

export interface ShiftDeps {
  stage: LiveStage;
  /** The full health check of a color, before any traffic moves to it. */
  gateHealth(color: Color): Promise<HealthReport>;
  /** One quick health poll of the target while watching. */
  pollHealth(color: Color): Promise<HealthReport>;
  /** The environment's alarms (from the Terraform outputs); `color` marks a per-color alarm. */
  readAlarms(): Promise<(AlarmState & { color?: Color })[]>;
  /** The canary analysis at every poll of each step and of the watch; absent = alarms and health only. */
  analysis?: CanaryAnalysis;
  /** After an all-at-once switch or a promotion: probe the live stage until it answers from the new color. */
  verifyPropagation?(color: Color): Promise<PropagationResult>;
  clock: Clock;
  /** Aborted on SIGINT/SIGTERM: the shift stops and restores the previous color. */
  signal: AbortSignal;
  progress(message: string): void;
  /** The restore's deadline in ms. Default RESTORE_DEADLINE_MS. */
  restoreDeadlineMs?: number;
}

export interface ShiftRequest {
  operation: "switch" | "rollback";
  /** switch: the target color. rollback: left out (the other color, or the stable one under a canary). */
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

export interface ShiftOutcome {
  from: string | null;
  to: string | null;
  result: ShiftResult;
  /** How the command exits: 0, 1, 3 or 130. */
  exit: "success" | "failed" | "rolled-back" | "interrupted";
  reason: string;
  steps: StepRecord[];
  evidence?: ShiftEvidence;
  /** The live stage as last read (after any restore). */
  liveAfter: StageTraffic | null;
  /** A restore ran and could not put traffic back (failed, timed out, or skipped over someone else's change). */
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

const describeTraffic = (t: StageTraffic): string =>
  `${t.deployment ?? "(no deployment variable)"}${t.canary ? ` + canary ${t.canary.percentTraffic}% to ${t.canary.deployment ?? "?"}` : ""}`;

/** Pure: the target of a rollback: the stable color under a canary, else the other color. */
export function rollbackTarget(current: StageTraffic): { to: Color; why: string } | { refuse: string } {
  if (current.canary && isColor(current.deployment)) {
    return { to: current.deployment, why: `a canary sends ${current.canary.percentTraffic}% to ${current.canary.deployment ?? "?"}: removing it puts all traffic back on ${current.deployment}` };
  }
  if (!isColor(current.deployment)) {
    return { refuse: `the live stage's deployment variable is ${JSON.stringify(current.deployment ?? null)}, not blue or green: there is no previous color to go back to` };
  }
  const to = otherColor(current.deployment);
  return { to, why: `live is ${current.deployment}; the previous color is ${to}` };
}

export async function executeShift(deps: ShiftDeps, request: ShiftRequest): Promise<ShiftOutcome> {
  const { stage, clock, signal } = deps;
  const steps: StepRecord[] = [];
  let from: string | undefined;
  let to: Color | undefined;
  let changed = false;
  let restoreResult: { ok: boolean; detail: string } | undefined;
  let liveAfter: StageTraffic | null = null;
  /** What the stage must read as while this shift watches: the last step it wrote and read back. */
  let written: StageTraffic | undefined;
  /** The stage as this shift first read it. */
  let found: StageTraffic | undefined;
  /** Set while a watch runs: an error then means the shift cannot be observed (not that it failed to apply). */
  let watching: { kind: "canary"; percent: number } | { kind: "final" } | undefined;

  const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; at: string; durationMs: number }> => {
    const at = new Date(clock.now()).toISOString();
    const started = clock.now();
    const value = await run();
    return { value, at, durationMs: clock.now() - started };
  };
  const outcome = (result: ShiftResult, exit: ShiftOutcome["exit"], reason: string, evidence?: ShiftEvidence): ShiftOutcome => ({
    from: from ?? null,
    to: to ?? null,
    result,
    exit,
    reason,
    steps,
    ...(evidence ? { evidence } : {}),
    liveAfter,
    ...(restoreResult && !restoreResult.ok ? { restoreFailed: true as const } : {}),
  });

  /** The one restore path: back to the color that was live before, canary removed, read back. Runs once. */
  const restore = async (why: string): Promise<{ ok: boolean; detail: string }> => {
    if (restoreResult) return restoreResult;
    const at = new Date(clock.now()).toISOString();
    const started = clock.now();
    deps.progress(`restoring live traffic to ${from ?? "the previous color"} (${why})`);
    const deadlineMs = deps.restoreDeadlineMs ?? RESTORE_DEADLINE_MS;
    const deadline = AbortSignal.timeout(deadlineMs);
    try {
      const current = await stage.read(deadline);
      liveAfter = current;
      const previous = from ?? current.deployment ?? "";
      if (written && found && !verifyReadBack(written, current).ok && !verifyReadBack(found, current).ok) {
        // Neither what this shift wrote nor what it found: someone else moved traffic; theirs stands.
        restoreResult = { ok: false, detail: `RESTORE SKIPPED: someone else moved live traffic meanwhile (it reads ${describeTraffic(current)}); noveli did not write over it` };
        steps.push({ name: "restore", status: "failed", at, durationMs: clock.now() - started, detail: restoreResult.detail, readBack: current });
        return restoreResult;
      }
      const plan = planRestore(previous, from === undefined ? { ...current, deployment: previous } : current);
      if (!plan) {
        liveAfter = current;
        restoreResult = { ok: true, detail: `live traffic is on ${previous}: the change had not taken` };
      } else {
        await stage.update(plan.patchOperations, deadline);
        const back = await stage.read(deadline);
        liveAfter = back;
        const verdict = verifyReadBack(plan.expect, back);
        restoreResult = verdict.ok
          ? { ok: true, detail: `live traffic is back on ${previous} (read back: ${describeTraffic(back)})` }
          : { ok: false, detail: `RESTORE FAILED: ${verdict.problem}; ${leftState(back)}` };
        steps.push({ name: "restore", status: verdict.ok ? "ok" : "failed", at, durationMs: clock.now() - started, detail: restoreResult.detail, patchOperations: plan.patchOperations, readBack: back });
        return restoreResult;
      }
    } catch (error) {
      const cause = deadline.aborted ? `no answer within ${formatDuration(deadlineMs)}` : errorMessage(error);
      restoreResult = { ok: false, detail: `RESTORE FAILED: ${cause}; ${leftState(liveAfter)}, and may still send traffic to ${to ?? "the new color"}` };
    }
    steps.push({ name: "restore", status: restoreResult.ok ? "ok" : "failed", at, durationMs: clock.now() - started, detail: restoreResult.detail });
    return restoreResult;
  };

  /** `idle`: the color traffic has left, whose own alarms no longer say anything about the shift. */
  const pollTarget = async (target: Color, idle?: Color): Promise<PollVerdict> => {
    await checkNotMoved();
    const alarms = (await deps.readAlarms()).filter((a) => idle === undefined || a.color !== idle);
    const health = await deps.pollHealth(target);
    return judgePoll({ alarms, health, at: new Date(clock.now()).toISOString() });
  };

  /** Each poll reads the stage first: traffic someone else moved is theirs, never rolled back over. */
  const checkNotMoved = async (): Promise<void> => {
    if (!written) return;
    const now = await stage.read(signal);
    liveAfter = now;
    const verdict = verifyReadBack(written, now);
    if (!verdict.ok) throw new TrafficMovedError(now, `live traffic was moved by someone else during the watch: the stage now reads ${describeTraffic(now)}, not ${describeTraffic(written)} as this switch left it`);
  };

  const watch = async (target: Color, durationMs: number, label: string, allTraffic = false) => {
    const at = new Date(clock.now()).toISOString();
    const started = clock.now();
    const idle = allTraffic && isColor(from) ? from : undefined;
    const window = {
      durationMs,
      pollMs: request.pollMs,
      clock,
      signal,
      poll: () => pollTarget(target, idle),
      onPoll: (n: number, verdict: PollVerdict, remaining: number) =>
        deps.progress(`${label}: poll ${n} ${verdict.kind === "ok" ? "no alarm, healthy" : verdict.evidence.summary}${verdict.kind === "ok" && remaining > 0 ? ` (${formatDuration(remaining)} left)` : ""}`),
    };
    const analysed = deps.analysis && isColor(from) && from !== target ? deps.analysis : undefined;
    const { value: ran, durationMs: took } = await timed(async () =>
      analysed ? analysed.watch({ ...window, newColor: target, oldColor: from as Color, label }) : { watch: await watchWindow(window), analysis: undefined },
    ).catch((error: unknown) => {
      if (!signal.aborted && !(error instanceof TrafficMovedError)) steps.push({ name: "watch", status: "failed", at, durationMs: clock.now() - started, detail: `${label}: could not watch: ${errorMessage(error)}` });
      throw error;
    });
    const value = ran.watch;
    steps.push({
      name: "watch",
      status: value.kind === "clean" ? "ok" : "failed",
      at,
      durationMs: took,
      detail: value.kind === "clean" ? `${label}: ${value.polls} poll(s), no alarm in ALARM, ${target} healthy${ran.analysis ? `; analysis ${ran.analysis.result}` : ""}` : `${label}: ${value.evidence.summary}`,
      polls: value.polls,
      ...(value.kind === "tripped" ? { evidence: value.evidence } : {}),
      ...(ran.analysis ? { analysis: ran.analysis } : {}),
    });
    return value;
  };

  const applyStep = async (step: PlannedStep): Promise<{ ok: true } | { ok: false; evidence: ShiftEvidence }> => {
    deps.progress(`${step.title}: ${step.patchOperations.map(renderPatch).join(", ")}`);
    const { value: back, at, durationMs } = await timed(async () => {
      changed = true; // set before the call: a failed call may still have applied
      await stage.update(step.patchOperations);
      return stage.read();
    });
    liveAfter = back;
    const verdict = verifyReadBack(step.expect, back);
    if (verdict.ok) written = step.expect;
    const name: StepName = step.kind === "restore" ? "restore" : step.kind;
    steps.push({
      name,
      status: verdict.ok ? "ok" : "failed",
      at,
      durationMs,
      detail: verdict.ok ? `${step.title} (read back: ${describeTraffic(back)})` : verdict.problem,
      percent: step.percent,
      patchOperations: step.patchOperations,
      readBack: back,
    });
    if (verdict.ok) return { ok: true };
    return { ok: false, evidence: { kind: "read-back", step: step.title, expected: step.expect, actual: back, summary: verdict.problem } };
  };

  /** Where the traffic lands after a switch or promotion; a timeout stops the shift (exit 1), traffic stays switched. */
  let landed = "";
  const checkPropagation = async (target: Color): Promise<ShiftEvidence | undefined> => {
    if (!deps.verifyPropagation) return undefined;
    deps.progress(`checking that live traffic lands on ${target} (GET /health on the live stage)`);
    const { value: result, at, durationMs } = await timed(() => (deps.verifyPropagation as (c: Color) => Promise<PropagationResult>)(target));
    steps.push({ name: "propagation", status: result.kind === "verified" ? "ok" : result.kind === "unavailable" ? "skipped" : "failed", at, durationMs, detail: result.summary, propagation: result });
    if (result.kind === "verified") landed = `; traffic landed in ${formatDuration(result.propagationMs)}`;
    return result.kind === "timeout" ? { kind: "propagation", result, summary: result.summary } : undefined;
  };

  try {
    const { value: current, at, durationMs } = await timed(() => stage.read());
    liveAfter = current;
    found = current;
    from = current.deployment;
    steps.push({ name: "read-stage", status: "ok", at, durationMs, detail: `live stage: ${describeTraffic(current)}`, readBack: current });

    if (request.operation === "rollback") {
      const target = rollbackTarget(current);
      if ("refuse" in target) return outcome("refused", "failed", target.refuse, { kind: "error", summary: target.refuse });
      to = target.to;
      deps.progress(`rollback: ${target.why}`);
    } else {
      to = request.to as Color;
      if (current.canary) {
        const reason = `a canary is in progress on the live stage (${current.canary.percentTraffic}% to ${current.canary.deployment ?? "?"}): a previous switch did not finish; run noveli rollback to restore ${current.deployment ?? "the previous color"} first`;
        return outcome("refused", "failed", reason, { kind: "error", summary: reason });
      }
    }

    const plan = planShift({ current, to, ...(request.canary ? { canary: request.canary } : {}) });
    if (plan.length === 0) return outcome("unchanged", "success", `${to} already serves all live traffic: nothing to do`);

    if (request.watchMs > 0 || request.canary) {
      const { value: alarms, at: alarmsAt, durationMs: alarmsTook } = await timed(() => deps.readAlarms());
      const firing = alarmsAlreadyFiring(alarms);
      steps.push({ name: "preflight-alarms", status: firing.length === 0 ? "ok" : "failed", at: alarmsAt, durationMs: alarmsTook, detail: firing.length === 0 ? `${alarms.length} alarm(s), none in ALARM` : `${firing.length} alarm(s) already in ALARM`, alarms });
      if (firing.length > 0) {
        const summary = `alarm(s) already in ALARM before the switch, so the watch could not tell what the switch does: ${firing.map((a) => `${a.name} (${a.reason})`).join("; ")}`;
        return outcome("refused", "failed", summary, { kind: "alarms-before", alarms: firing, summary });
      }
    }

    if (request.healthGate) {
      deps.progress(`health-checking ${to} before moving traffic`);
      const { value: report, at: gateAt, durationMs: gateTook } = await timed(() => deps.gateHealth(to as Color));
      const health = summarizeHealth(report);
      steps.push({
        name: "health-gate",
        status: report.healthy ? "ok" : "failed",
        at: gateAt,
        durationMs: gateTook,
        detail: report.healthy ? `${to} is healthy (p50 ${report.p50Ms}ms, p95 ${report.p95Ms}ms)` : `${to} is unhealthy: ${health.failedChecks.map((c) => `${c.name}: ${c.detail}`).join("; ")}`,
        health,
      });
      if (!report.healthy) {
        const summary = `${to} is unhealthy, live traffic stays on ${from ?? "the current color"}: ${health.failedChecks.map((c) => `${c.name}: ${c.detail}`).join("; ")}`;
        return outcome("refused", "failed", summary, { kind: "health-gate", health, summary });
      }
    }

    for (const step of plan) {
      signal.throwIfAborted();
      const applied = await applyStep(step);
      if (!applied.ok) {
        const restored = await restore("the stage did not read back as written");
        return outcome("refused", "failed", `${applied.evidence.summary}; ${restored.detail}`, applied.evidence);
      }
      if (step.kind === "switch" || step.kind === "promote") {
        const notLanded = await checkPropagation(to);
        if (notLanded) return outcome("switched", "failed", `the live stage reads back ${to}, but ${notLanded.summary}; not rolled back: the stage is as written`, notLanded);
      }
      if (step.kind === "canary") {
        watching = { kind: "canary", percent: step.percent };
        const analysis = await watch(to, request.stepIntervalMs, `canary ${step.percent}%`);
        watching = undefined;
        if (analysis.kind === "tripped") {
          if (!request.autoRollback) {
            const reason = `${analysis.evidence.summary}; not rolled back (--no-rollback): the canary stays at ${step.percent}% to ${to}; noveli rollback restores ${from}`;
            return outcome("refused", "failed", reason, analysis.evidence);
          }
          const restored = await restore(analysis.evidence.summary);
          return outcome(restored.ok ? "rolled-back" : "refused", restored.ok ? "rolled-back" : "failed", `${analysis.evidence.summary}; ${restored.detail}`, analysis.evidence);
        }
      }
    }

    const through = request.canary ? ` through ${request.canary.filter((p) => p < 100).map((p) => `${p}%`).join(", ")}` : "";
    if (request.watchMs > 0) {
      watching = { kind: "final" };
      const watched = await watch(to, request.watchMs, `watch ${formatDuration(request.watchMs)}`, true);
      watching = undefined;
      if (watched.kind === "tripped") {
        if (!request.autoRollback) {
          return outcome("switched", "failed", `live traffic moved from ${from} to ${to}${through}, then ${watched.evidence.summary}; not rolled back (--no-rollback)`, watched.evidence);
        }
        const restored = await restore(watched.evidence.summary);
        return outcome(restored.ok ? "rolled-back" : "refused", restored.ok ? "rolled-back" : "failed", `${watched.evidence.summary}; ${restored.detail}`, watched.evidence);
      }
      return outcome("switched", "success", `live traffic moved from ${from} to ${to}${through}${landed}; watched ${formatDuration(request.watchMs)}: no alarm, ${to} healthy${deps.analysis ? `, ${describeAnalysis(steps)}` : ""}`);
    }
    return outcome("switched", "success", `live traffic moved from ${from} to ${to}${through}${landed}`);
  } catch (error) {
    if (error instanceof TrafficMovedError && !signal.aborted) {
      const expected = written ?? { deployment: undefined };
      steps.push({ name: "watch", status: "failed", at: new Date(clock.now()).toISOString(), durationMs: 0, detail: error.problem, readBack: error.actual });
      return outcome("superseded", "failed", `${error.problem}; not rolled back over their change`, { kind: "moved-by-other", expected, actual: error.actual, summary: error.problem });
    }
    if (signal.aborted) {
      const why = errorMessage(signal.reason ?? error);
      if (!changed) return outcome("unchanged", "interrupted", `${why}: nothing had changed`, { kind: "interrupted", summary: why });
      const restored = await restore(why);
      // A restore that did not finish is a failure, whatever interrupted the shift.
      return outcome(restored.ok ? "rolled-back" : "refused", restored.ok ? "interrupted" : "failed", `${why}; ${restored.detail}`, { kind: "interrupted", summary: why });
    }
    const summary = errorMessage(error);
    if (!changed) return outcome("refused", "failed", summary, { kind: "error", summary });
    if (watching) {
      // The shift took, but it can no longer be observed: as unsafe as a tripped watch.
      const cannotWatch = `the watch could not read alarms or health: ${summary}`;
      if (!request.autoRollback) {
        return watching.kind === "final"
          ? outcome("switched", "failed", `live traffic moved from ${from} to ${to}, then ${cannotWatch}; not rolled back (--no-rollback)`, { kind: "error", summary: cannotWatch })
          : outcome("refused", "failed", `${cannotWatch}; not rolled back (--no-rollback): the canary stays at ${watching.percent}% to ${to}`, { kind: "error", summary: cannotWatch });
      }
      const restored = await restore(cannotWatch);
      return outcome(restored.ok ? "rolled-back" : "refused", restored.ok ? "rolled-back" : "failed", `${cannotWatch}; ${restored.detail}`, { kind: "error", summary: cannotWatch });
    }
    const restored = await restore(summary);
    return outcome("refused", "failed", `${summary}; ${restored.detail}`, { kind: "error", summary });
  }
}

/** The canary analysis of the last watched step, for the outcome's reason. */
function describeAnalysis(steps: StepRecord[]): string {
  const last = [...steps].reverse().find((s) => s.analysis)?.analysis;
  if (!last) return "no canary analysis";
  const verdict = last.analyses.at(-1)?.verdict;
  const figures = verdict?.summary.replace(/^canary analysis (passed|inconclusive): /, "") ?? "no figures";
  return last.result === "passed" ? `canary analysis passed (${figures})` : `canary analysis not judged (${figures})`;
}

/** Pure: the state a failed restore leaves, as last read. */
function leftState(last: StageTraffic | null): string {
  return last ? `the live stage last read ${describeTraffic(last)}` : "the live stage could not be read";
}

/** Pure: the dry run of a shift: the steps and their exact patch operations. */
export function describePlan(current: StageTraffic, to: Color, canary?: number[]): PlannedStep[] {
  return planShift({ current, to, ...(canary ? { canary } : {}) });
}
