import type { Style } from "../output/style.js";
import { renderPatch } from "../ops/traffic/planner.js";
import type { TrafficChangeResult } from "../ops/traffic/run.js";
import { percent, type CheckResult } from "../ops/traffic/verdict.js";
import type { View } from "./view.js";

/**
 * How a traffic change (switch-traffic, rollback) is shown: the --json document (from, to, the
 * steps or the dry run's planned calls, result, reason, the analysis mode) and the human lines
 * (headline, one line per step with the last canary analysis as a table).
 */
export function trafficView(verb: "switch" | "rollback"): View<TrafficChangeResult> {
  return {
    json: (result) => ({
      env: result.env,
      from: result.outcome.from,
      to: result.outcome.to,
      steps: result.dryRun ?? result.outcome.steps,
      result: result.outcome.result,
      reason: result.outcome.reason,
      ...(result.analysis ? { analysis: result.analysis } : {}),
    }),
    human: (result, s) => (result.dryRun ? dryRunLines(result, verb) : changeLines(result, s)),
  };
}

export const switchTrafficView = trafficView("switch");
export const rollbackView = trafficView("rollback");

function dryRunLines(result: TrafficChangeResult, verb: "switch" | "rollback"): string[] {
  const { outcome, dryRun = [] } = result;
  const lines = [`Dry run (${result.env}): live is ${outcome.from ?? "unknown"}; ${verb} to ${outcome.to}`];
  if (dryRun.length === 0) lines.push("  nothing would change");
  dryRun.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${step.title}`);
    lines.push(`     UpdateStage ${step.patchOperations.map(renderPatch).join(", ")}`);
  });
  return lines;
}

function changeLines(result: TrafficChangeResult, s: Style): string[] {
  const lines = [headline(s, result)];
  for (const step of result.outcome.steps) {
    lines.push(`  ${step.status === "ok" ? s.green("✓") : step.status === "skipped" ? s.dim("-") : s.red("✗")} ${step.name.padEnd(16)} ${step.detail}`);
    const last = step.analysis?.analyses.at(-1);
    if (last) lines.push(...verdictTable(s, last.verdict.checks, `${last.verdict.newColor} (new)`, `${last.verdict.oldColor} (old)`).map((line) => `      ${line}`));
  }
  if (result.analysis?.mode === "skipped") lines.push(s.yellow("  ! canary analysis skipped (--skip-analysis)"));
  return lines;
}

function headline(s: Style, result: TrafficChangeResult): string {
  const { outcome, env } = result;
  switch (outcome.result) {
    case "switched":
      return outcome.exit === "success" ? s.green(`✓ ${env}: ${outcome.reason}`) : s.yellow(`! ${env}: ${outcome.reason}`);
    case "unchanged":
      return `${env}: ${outcome.reason}`;
    case "rolled-back":
      return s.yellow(`↩ ${env} rolled back: ${outcome.reason}`);
    case "refused":
    case "superseded":
      return s.red(`✗ ${env}: ${outcome.reason}`);
  }
}

const figure = (check: CheckResult, value: number | null): string => {
  if (value === null) return "-";
  if (check.metric === "requests") return String(value);
  if (check.metric === "p95-duration") return `${Math.round(value)}ms`;
  return percent(value);
};

/** The verdict table of one analysis: metric, new, old, threshold, verdict. */
export function verdictTable(s: Style, checks: readonly CheckResult[], newLabel: string, oldLabel: string): string[] {
  const rows = [["metric", newLabel, oldLabel, "threshold", "verdict"], ...checks.map((c) => [c.metric, figure(c, c.new), figure(c, c.old), c.threshold, c.verdict])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((row, r) => {
    const text = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
    if (r === 0) return s.dim(text);
    const verdict = row[4];
    return verdict === "fail" ? s.red(text) : verdict === "inconclusive" ? s.yellow(text) : text;
  });
}
