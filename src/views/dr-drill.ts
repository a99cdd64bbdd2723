import type { Style } from "../output/style.js";
import type { DrDrillGcResult, DrDrillResult } from "../ops/drill/run.js";
import type { DrillReport } from "../ops/drill/report.js";
import type { View } from "./view.js";

const fmtSeconds = (s: number | null) => (s === null ? "n/a" : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

/** Pure: the human summary on stdout. */
export function renderHuman(report: DrillReport, lines: string[], s: Style): void {
  const head = report.passed ? (report.warnings.length > 0 ? s.yellow("✓ DR drill passed, with warnings") : s.green("✓ DR drill passed")) : s.red("✗ DR drill failed");
  lines.push(`${head}: ${report.env}, ${report.method}, ${report.sourceTable} → ${report.scratchTable ?? "no scratch table"}`);
  lines.push(`  restore point ${report.restorePoint ?? "n/a"} · RPO ${fmtSeconds(report.rpoSeconds)} · RTO ${fmtSeconds(report.rtoSeconds)}`);
  const timed = report.phases.filter((p) => p.inRto).map((p) => `${p.name} ${p.seconds.toFixed(1)}s`);
  if (timed.length > 0) lines.push(`  RTO phases: ${timed.join(", ")}`);
  const items = report.items;
  if (items) {
    lines.push(
      `  items: ${items.source} source, ${items.restored} restored, ${items.matched} matched, ${items.missing} missing, ${items.extra} extra, ${items.changed} changed`,
    );
    for (const kind of ["missing", "extra", "changed"] as const) {
      if (items.examples[kind].length > 0) lines.push(`    ${kind}: ${items.examples[kind].join(", ")}`);
    }
  }
  for (const sentinel of report.sentinels) {
    lines.push(`  sentinel ${sentinel.role}: ${sentinel.found ?? "not checked"} (expected ${sentinel.expected})${sentinel.ok ? "" : ` ${s.red("✗")}`}`);
  }
  const differs = report.settings.filter((p) => p.status === "differs" || p.status === "emulator-gap");
  for (const p of differs) lines.push(`  ${p.status === "differs" ? s.red("settings") : s.yellow("settings")}: ${p.setting} ${p.status}: source ${p.source}, restored ${p.restored}`);
  const reapply = report.settings.filter((p) => p.status === "reapply").map((p) => p.setting);
  if (reapply.length > 0) lines.push(`  a real recovery must apply again: ${reapply.join(", ")}`);
  if (report.crossRegion) lines.push(`  cross-region ${report.crossRegion.table} (${report.crossRegion.region}): ${report.crossRegion.ok ? "ok" : s.red(report.crossRegion.error ?? "not ok")}`);
  lines.push(`  cleanup: scratch table ${report.cleanup.scratchTable}, ${report.cleanup.sentinelsDeleted} sentinel(s) deleted${report.cleanedUp ? "" : s.red(" (incomplete: run noveli dr-drill gc)")}`);
  for (const p of report.problems) lines.push(`  ${s.red("problem")}: ${p}`);
  for (const w of report.warnings) lines.push(`  ${s.yellow("warning")}: ${w}`);
}

/** The --json document: the issue's fields first, the evidence after. */
function jsonDocument(report: DrillReport): object {
  const { env, method, sourceTable, scratchTable, restorePoint, rtoSeconds, rpoSeconds, phases, items, settings, crossRegion, cleanedUp, passed, ...rest } = report;
  return { command: "dr-drill", env, method, sourceTable, scratchTable, restorePoint, rtoSeconds, rpoSeconds, phases, items, settings, crossRegion, cleanedUp, passed, ...rest };
}

export const drDrillView: View<DrDrillResult> = {
  json: jsonDocument,
  human(report, style) {
    const lines: string[] = [];
    renderHuman(report, lines, style);
    return lines;
  },
};

export const drDrillGcView: View<DrDrillGcResult> = {
  json: (result) => ({ command: "dr-drill gc", ...result }),
  human(result, s) {
    const lines: string[] = [];
    if (result.deleted.length === 0) lines.push("no drill tables to delete");
    for (const d of result.deleted) lines.push(`${s.green("deleted")} ${d.table}: ${d.reason}${d.result === "absent" ? " (already gone)" : ""}`);
    for (const d of result.skipped) lines.push(`${s.dim("left")} ${d.table}: ${d.reason}`);
    for (const f of result.failed) lines.push(`${s.red("failed")} ${f.table}: ${f.error}`);
    if (result.sentinelsDeleted > 0) lines.push(`deleted ${result.sentinelsDeleted} sentinel item(s) from the source table`);
    return lines;
  },
};
