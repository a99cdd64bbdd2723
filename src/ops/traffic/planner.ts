import type { StageTraffic } from "../../aws/apigateway.js";
import type { Environment } from "../../core/environment.js";
import { UsageError } from "../../errors.js";
import { COLORS, type Color } from "../../core/color.js";

/**
 * Pure decisions of a traffic shift on the live stage: which steps, the exact UpdateStage patch
 * operations of each, what the stage must read back as afterwards, and how to restore the
 * previous color. The live stage's `deployment` variable names the live color; a canary is API
 * Gateway's `canarySettings` with `stageVariableOverrides.deployment` = the new color.
 */

/** One UpdateStage patch operation (the SDK's PatchOperation, without the SDK). */
export interface StagePatch {
  op: "replace" | "remove";
  path: string;
  value?: string;
}

export type StepKind = "switch" | "canary" | "promote" | "restore";

export interface PlannedStep {
  kind: StepKind;
  /** Share of live traffic on the target color once the step has taken. */
  percent: number;
  title: string;
  patchOperations: StagePatch[];
  /** What the stage must read back as after this step. */
  expect: StageTraffic;
}


/** `--canary 10,50,100`: strictly increasing percentages from 1 to 100, the last one 100. */
export function parseCanarySteps(raw: string): number[] {
  const parts = raw.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) throw new UsageError(`--canary ${JSON.stringify(raw)}: give comma-separated percentages, like 10,50,100`);
  const steps = parts.map((part) => {
    const value = Number(part);
    if (!/^\d+(\.\d+)?$/.test(part) || !Number.isFinite(value) || value < 1 || value > 100) {
      throw new UsageError(`--canary step ${JSON.stringify(part)} is not a percentage from 1 to 100`);
    }
    return value;
  });
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i] as number) <= (steps[i - 1] as number)) throw new UsageError(`--canary steps must increase: ${steps[i - 1]} is followed by ${steps[i]}`);
  }
  if (steps[steps.length - 1] !== 100) throw new UsageError(`--canary must end with 100 (the promotion), got ${raw}`);
  if (steps.length < 2) throw new UsageError("--canary needs at least one step below 100; to switch all at once, leave --canary out");
  return steps;
}

export interface ShiftInput {
  /** The stage as read before the shift. */
  current: StageTraffic;
  to: Color;
  /** Canary percentages (validated by parseCanarySteps); all at once when absent. */
  canary?: number[];
}

/** The steps of a shift. Empty when the target already serves all live traffic. */
export function planShift(input: ShiftInput): PlannedStep[] {
  const { current, to } = input;
  const leftoverCanary = current.canary !== undefined;
  if (current.deployment === to && !leftoverCanary) return [];
  const promote: StagePatch[] = [
    ...(current.deployment !== to ? [{ op: "replace" as const, path: "/variables/deployment", value: to }] : []),
    ...(leftoverCanary || input.canary ? [{ op: "remove" as const, path: "/canarySettings" }] : []),
  ];
  if (!input.canary || current.deployment === to) {
    return [{ kind: "switch", percent: 100, title: current.deployment === to ? `remove the canary, all traffic on ${to}` : `all traffic to ${to}`, patchOperations: promote, expect: { deployment: to } }];
  }
  const steps: PlannedStep[] = input.canary
    .filter((percent) => percent < 100)
    .map((percent) => ({
      kind: "canary" as const,
      percent,
      title: `canary: ${percent}% of live traffic to ${to}`,
      patchOperations: [
        { op: "replace" as const, path: "/canarySettings/percentTraffic", value: String(percent) },
        { op: "replace" as const, path: "/canarySettings/stageVariableOverrides/deployment", value: to },
      ],
      expect: { deployment: current.deployment, canary: { percentTraffic: percent, deployment: to } },
    }));
  steps.push({ kind: "promote", percent: 100, title: `promote: all traffic to ${to}, canary removed`, patchOperations: promote, expect: { deployment: to } });
  return steps;
}

/**
 * Back to the color that was live before: remove any canary and set the variable back. Empty when
 * the stage already reads that way (the change never took).
 */
export function planRestore(previous: string, current: StageTraffic): PlannedStep | undefined {
  const ops: StagePatch[] = [
    ...(current.deployment !== previous ? [{ op: "replace" as const, path: "/variables/deployment", value: previous }] : []),
    ...(current.canary !== undefined ? [{ op: "remove" as const, path: "/canarySettings" }] : []),
  ];
  if (ops.length === 0) return undefined;
  return { kind: "restore", percent: 0, title: `restore: all traffic back to ${previous}`, patchOperations: ops, expect: { deployment: previous } };
}

export type ReadBackVerdict = { ok: true } | { ok: false; problem: string };

const samePercent = (a: number, b: number) => Math.abs(a - b) < 0.01;

/** Whether the stage read back after a step is what the step wrote. */
export function verifyReadBack(expect: StageTraffic, actual: StageTraffic): ReadBackVerdict {
  if (actual.deployment !== expect.deployment) {
    return { ok: false, problem: `the live stage's deployment variable reads back as ${JSON.stringify(actual.deployment ?? null)}, not ${JSON.stringify(expect.deployment ?? null)}` };
  }
  if (expect.canary) {
    if (!actual.canary) {
      return {
        ok: false,
        problem: `the live stage reads back without canary settings after ${expect.canary.percentTraffic}% to ${expect.canary.deployment} was written: this endpoint ignores API Gateway canary settings (no canary releases here; switch without --canary)`,
      };
    }
    if (!samePercent(actual.canary.percentTraffic, expect.canary.percentTraffic)) {
      return { ok: false, problem: `the canary reads back at ${actual.canary.percentTraffic}%, not ${expect.canary.percentTraffic}%` };
    }
    if (actual.canary.deployment !== expect.canary.deployment) {
      return { ok: false, problem: `the canary's deployment override reads back as ${JSON.stringify(actual.canary.deployment ?? null)}, not ${JSON.stringify(expect.canary.deployment)}` };
    }
    return { ok: true };
  }
  if (actual.canary) {
    return { ok: false, problem: `the live stage still has canary settings (${actual.canary.percentTraffic}% to ${actual.canary.deployment ?? "?"}) after they were removed` };
  }
  return { ok: true };
}

export type TrafficConfirmation = { kind: "proceed" } | { kind: "refuse"; reason: string; hint: string } | { kind: "confirm"; prompt: string };

/** Production needs confirmation as deploy does: typing its name at a terminal, or --yes outside one. */
export function decideTrafficConfirmation(input: { env: Environment; yes: boolean; interactive: boolean; action: string }): TrafficConfirmation {
  if (!needsTrafficConfirmation(input.env, input.yes)) return { kind: "proceed" };
  if (!input.interactive) return { kind: "refuse", reason: `${input.action} in production needs confirmation`, hint: "run in a terminal, or pass --yes" };
  return { kind: "confirm", prompt: `Type the environment name (production) to ${input.action}:` };
}

/** Only production asks, and --yes answers for it. */
export function needsTrafficConfirmation(env: Environment, yes: boolean): boolean {
  return env === "production" && !yes;
}

export function confirmationAnswered(answer: string, env: Environment): boolean {
  return answer.trim() === env;
}

/** Human form of patch operations: `replace /variables/deployment=green`. */
export function renderPatch(op: StagePatch): string {
  return op.value === undefined ? `${op.op} ${op.path}` : `${op.op} ${op.path}=${op.value}`;
}
