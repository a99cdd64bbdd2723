import { otherColor } from "../../core/color.js";
import type { Environment } from "../../core/environment.js";
import type { Color } from "../../core/color.js";
import type { PlanSummary } from "./plan-summary.js";

/**
 * Pure decisions of a deploy: which color gets the new code, what Terraform is told, and whether
 * the plan may be applied.
 */


export interface LiveState {
  /** The color the live stage serves; undefined before the first deploy. */
  liveColor?: Color;
  /** The Lambda version each alias points at now. */
  aliasVersions?: Partial<Record<Color, string>>;
}

export interface ColorChoice {
  color: Color;
  firstDeploy: boolean;
  reason: string;
}

/** New code always goes to the idle color; the first deploy sets up both colors with live on blue. */
export function chooseTargetColor(live: LiveState, requested?: Color): ColorChoice {
  const firstDeploy = live.liveColor === undefined;
  if (requested) {
    const reason =
      !firstDeploy && requested === live.liveColor
        ? `--color ${requested}: the LIVE color (its new code serves traffic immediately)`
        : `--color ${requested}`;
    return { color: requested, firstDeploy, reason };
  }
  if (firstDeploy) return { color: "blue", firstDeploy, reason: "first deploy: both colors get this code, live starts on blue" };
  const idle = otherColor(live.liveColor as Color);
  return { color: idle, firstDeploy, reason: `${idle} is idle (live is ${live.liveColor})` };
}

export interface DeployVariables {
  lambda_package_path: string;
  target_color: Color;
  alias_versions: Partial<Record<Color, string>>;
  app_version: string;
  emulator: boolean;
  region: string;
}

export function deployVariables(input: {
  packagePath: string;
  color: Color;
  live: LiveState;
  appVersion: string;
  emulator: boolean;
  region: string;
}): DeployVariables {
  // Only the colors that are not being deployed keep their pinned version.
  const pinned: Partial<Record<Color, string>> = {};
  for (const [color, version] of Object.entries(input.live.aliasVersions ?? {}) as [Color, string][]) {
    if (color !== input.color && version) pinned[color] = version;
  }
  return {
    lambda_package_path: input.packagePath,
    target_color: input.color,
    alias_versions: pinned,
    app_version: input.appVersion,
    emulator: input.emulator,
    region: input.region,
  };
}

export type ApplyDecision =
  | { kind: "apply" }
  | { kind: "refuse"; reason: string; hint: string }
  | { kind: "confirm"; prompt: string; expect: "yes" | "env-name" };

export interface GuardInput {
  env: Environment;
  summary: PlanSummary;
  allowDestroy: boolean;
  yes: boolean;
  /** stdin and stderr are terminals: a person can answer. */
  interactive: boolean;
  emulator: boolean;
  /**
   * This deploy completes a FIRST deploy that stopped mid-apply: nothing was ever live, so a
   * protected resource terraform tainted (its creation never finished) holds no data yet and may
   * be replaced. Default false.
   */
  completingFirstDeploy?: boolean;
}

/**
 * Destroying the story table or the KMS key is refused without --allow-destroy, on every target.
 * An emulator target applies without a prompt: it holds nothing at stake. On real AWS production
 * needs typing its name at a terminal, or --yes outside one; other environments a yes at a
 * terminal, or --yes outside one.
 */
export function decideApply(input: GuardInput): ApplyDecision {
  const destructive = input.completingFirstDeploy ? input.summary.destructive.filter((c) => !c.tainted) : input.summary.destructive;
  if (destructive.length > 0 && !input.allowDestroy) {
    const what = destructive.map((c) => `${c.action} ${c.address}`).join(", ");
    return {
      kind: "refuse",
      reason: `the plan would ${what}: stored data or its key would be lost`,
      hint: "review the plan; if this is really intended, run again with --allow-destroy",
    };
  }
  if (input.yes || input.emulator) return { kind: "apply" };
  if (input.env === "production") {
    if (!input.interactive) return { kind: "refuse", reason: "production needs confirmation", hint: "run in a terminal, or pass --yes" };
    return { kind: "confirm", prompt: "Type the environment name (production) to apply this plan:", expect: "env-name" };
  }
  if (input.interactive) return { kind: "confirm", prompt: `Apply this plan to ${input.env}? [y/N]`, expect: "yes" };
  return { kind: "refuse", reason: `applying to ${input.env} on AWS needs confirmation`, hint: "run in a terminal, or pass --yes" };
}

/** Whether a typed answer confirms the decision. */
export function answerConfirms(decision: Extract<ApplyDecision, { kind: "confirm" }>, answer: string, env: Environment): boolean {
  const text = answer.trim();
  return decision.expect === "env-name" ? text === env : /^(y|yes)$/i.test(text);
}
