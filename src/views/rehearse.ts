import type { RehearsalResult, RehearsalStepResult } from "../ops/rehearse/rehearse.js";
import type { Style } from "../output/style.js";
import { costReportView } from "./cost-report.js";
import { deployView } from "./deploy.js";
import { drDrillView } from "./dr-drill.js";
import { healthCheckView } from "./health-check.js";
import { switchTrafficView } from "./traffic.js";
import type { View } from "./view.js";

/** How `noveli rehearse` shows the runbook: one line per step, what did not run, the verdict. */
export const rehearseView: View<RehearsalResult> = {
  json: (result) => ({
    command: "rehearse",
    env: result.env,
    target: result.target,
    steps: result.steps.map(({ name, ok, seconds, detail }) => ({ name, ok, seconds: Math.round(seconds * 10) / 10, detail })),
    notRun: result.notRun,
    passed: result.passed,
  }),
  human: (result, s) => {
    const lines = [s.bold(`Rehearsal of ${result.env} on ${result.target}`)];
    const width = Math.max(...result.steps.map((step) => step.name.length), 8);
    for (const step of result.steps) {
      lines.push(`  ${step.ok ? s.green("✓") : s.red("✗")} ${step.name.padEnd(width)} ${`${step.seconds.toFixed(1)}s`.padStart(7)}  ${step.detail}`);
    }
    for (const name of result.notRun) lines.push(`  ${s.dim("·")} ${name.padEnd(width)} ${"".padStart(7)}  ${s.dim("not run")}`);
    lines.push(result.passed ? s.green("rehearsal passed") : s.red("rehearsal failed"));
    return lines;
  },
};

/**
 * Pure: a passed step's result as its own command shows it (the same views), for the rehearsal's
 * progress; `targetFlags` go into the follow-up commands the deploy suggests.
 */
export function rehearsalStepLines(step: RehearsalStepResult, style: Style, targetFlags: string): string[] {
  switch (step.name) {
    case "deploy":
      return deployView(targetFlags).human(step.result, style);
    case "seed sample stories":
      return step.result ? [`wrote ${step.result.written} sample beats to ${step.result.tableName}`] : [];
    case "health-check idle":
    case "health-check live":
      return healthCheckView.human(step.result, style);
    case "switch-traffic":
      return switchTrafficView.human(step.result, style);
    case "dr-drill":
      return drDrillView.human(step.result, style);
    case "cost-report":
      return costReportView("table").human(step.result, style);
    case "teardown":
      return [];
  }
}
