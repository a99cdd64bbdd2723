import { settingsPassed, type SettingParity } from "./settings.js";
import type { PhaseTiming, SentinelCheck } from "./timing.js";
import type { VerifyResult } from "./verify.js";

/**
 * The drill's result and the Markdown of `--report` (the file the drill writes); the `--json`
 * document and the human summary are its view (src/views/dr-drill.ts). Building and rendering are pure.
 */

export type DrillMethod = "pitr" | "backup";

/** The verification's counts, and its speed. */
export interface ItemsReport extends VerifyResult {
  /** Items read per second over the verification (both tables). */
  itemsPerSecond: number | null;
}

export interface CrossRegionReport {
  table: string;
  region: string;
  status: string | null;
  /** Whether a read (Scan, Limit 1) succeeded. */
  answered: boolean;
  pitr: boolean | null;
  latencyMs: number | null;
  error: string | null;
  ok: boolean;
}

export interface CleanupReport {
  /** deleted · kept (--keep) · absent (never created) · failed · not-needed (no restore call was made). */
  scratchTable: "deleted" | "kept" | "absent" | "failed" | "not-needed";
  sentinelsDeleted: number;
  sentinelsLeft: number;
  /** The hash-key values of the sentinels left in the source table (`noveli-drill-sentinel#…`). */
  sentinelKeysLeft: string[];
  /** Whether the drill's record was cleared; when not, `dr-drill gc` finishes the job. */
  recordCleared: boolean;
  errors: string[];
}

export interface DrillReport {
  env: string;
  method: DrillMethod;
  target: string;
  sourceTable: string;
  scratchTable: string | null;
  drillId: string | null;
  backupArn: string | null;
  /** ISO instant the restore reflects. */
  restorePoint: string | null;
  /** Where the restore point comes from. */
  restorePointBasis: string | null;
  rtoSeconds: number | null;
  rpoSeconds: number | null;
  phases: PhaseTiming[];
  /** null when verification did not run. */
  items: ItemsReport | null;
  comparisonRule: string[];
  sentinels: SentinelCheck[];
  settings: SettingParity[];
  /** null when the environment has no cross-region backup table. */
  crossRegion: CrossRegionReport | null;
  pitr: { enabled: boolean; earliestRestorable: string | null; latestRestorable: string | null } | null;
  backups: { available: number; newest: string | null };
  cleanup: CleanupReport;
  /** The scratch table is gone (or kept on purpose with --keep) and no sentinel is left in the source. */
  cleanedUp: boolean;
  interrupted: boolean;
  passed: boolean;
  /** Why the drill did not pass; empty when it passed. */
  problems: string[];
  /** Facts worth knowing that are not failures (emulator behaviour, skipped steps). */
  notes: string[];
  /** What a passing drill did not prove, e.g. a table with nothing in it but the drill's sentinels. */
  warnings: string[];
  startedAt: string;
  finishedAt: string;
}

export interface Verdict {
  passed: boolean;
  problems: string[];
}

/** Pure: whether the drill passed, and every reason it did not. */
export function judge(report: Omit<DrillReport, "passed" | "problems" | "warnings">, failure: string | null): Verdict {
  const problems: string[] = [];
  if (report.interrupted) problems.push("the drill was interrupted");
  if (failure !== null) problems.push(failure);
  const items = report.items;
  if (items === null) {
    if (failure === null && !report.interrupted) problems.push("the restored data was not verified");
  } else {
    if (items.missing > 0) problems.push(`${items.missing} item(s) missing from the restore`);
    if (items.extra > 0) problems.push(`${items.extra} extra item(s) in the restore`);
    if (items.changed > 0) problems.push(`${items.changed} item(s) changed in the restore`);
  }
  for (const s of report.sentinels) {
    if (s.found !== null && !s.ok) problems.push(`the "${s.role}" sentinel is ${s.found} in the restore, expected ${s.expected}`);
  }
  if (items !== null && report.sentinels.some((s) => s.found === null)) problems.push("the RPO sentinels were not checked");
  for (const s of report.settings) if (s.status === "differs") problems.push(`${s.setting} differs: source ${s.source}, restored ${s.restored}`);
  if (report.crossRegion && !report.crossRegion.ok) {
    problems.push(`cross-region backup table ${report.crossRegion.table} (${report.crossRegion.region}) ${report.crossRegion.error ?? "is not usable"}`);
  }
  if (!report.cleanedUp) {
    const left = leftBehind(report);
    problems.push(`cleanup did not finish${left.length > 0 ? `: left ${left.join(" and ")}` : ""}: run noveli dr-drill gc`);
  }
  return { passed: problems.length === 0 && settingsPassed(report.settings), problems };
}

/** Pure: what a drill whose cleanup did not finish left behind, in words (empty when nothing is known). */
export function leftBehind(report: Pick<DrillReport, "scratchTable" | "sourceTable" | "cleanup">): string[] {
  const left: string[] = [];
  if (report.cleanup.scratchTable === "failed" && report.scratchTable !== null) left.push(`the scratch table ${report.scratchTable}`);
  const keys = report.cleanup.sentinelKeysLeft;
  if (report.cleanup.sentinelsLeft > 0) {
    left.push(`${report.cleanup.sentinelsLeft} sentinel(s) in ${report.sourceTable}${keys.length > 0 ? ` (${keys.join(", ")})` : ""}`);
  }
  return left;
}

// ------------------------------------------------------------------------------- rendering

const fmtSeconds = (s: number | null) => (s === null ? "n/a" : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Pure: the report as Markdown (`--report <file.md>`). */
export function renderMarkdown(report: DrillReport): string {
  const out: string[] = [];
  out.push(`# DR drill: ${report.env} (${report.method}): ${report.passed ? "PASSED" : "FAILED"}`, "");
  out.push(`Started ${report.startedAt}, finished ${report.finishedAt}, against ${report.target}.`, "");
  out.push("| | |", "|---|---|");
  out.push(`| Source table | \`${report.sourceTable}\` |`);
  out.push(`| Scratch table | ${report.scratchTable ? `\`${report.scratchTable}\`` : "none"} |`);
  if (report.backupArn) out.push(`| Backup | \`${report.backupArn}\` |`);
  out.push(`| Restore point | ${report.restorePoint ?? "n/a"}${report.restorePointBasis ? ` (${cell(report.restorePointBasis)})` : ""} |`);
  out.push(`| RPO | ${fmtSeconds(report.rpoSeconds)} |`);
  out.push(`| RTO | ${fmtSeconds(report.rtoSeconds)} |`);
  out.push(`| Cleaned up | ${report.cleanedUp ? "yes" : "no"} (scratch table ${report.cleanup.scratchTable}, ${report.cleanup.sentinelsDeleted} sentinel(s) deleted) |`);
  out.push("");
  if (report.problems.length > 0) {
    out.push("## Problems", "");
    for (const p of report.problems) out.push(`- ${p}`);
    out.push("");
  }

  out.push("## Phases", "", "| Phase | Seconds | In RTO | Status |", "|---|---:|:---:|---|");
  for (const p of report.phases) out.push(`| ${p.name} | ${p.seconds.toFixed(3)} | ${p.inRto ? "yes" : ""} | ${p.status}${p.reason ? `: ${cell(p.reason)}` : ""} |`);
  out.push("", "RTO is the wall time from the restore call to the verified table (restore, wait, verify), without the drill's own extras in between.", "");

  out.push("## Items", "");
  const items = report.items;
  if (items === null) {
    out.push("Not verified.", "");
  } else {
    out.push("| Source | Restored | Matched | Missing | Extra | Changed |", "|---:|---:|---:|---:|---:|---:|");
    out.push(`| ${items.source} | ${items.restored} | ${items.matched} | ${items.missing} | ${items.extra} | ${items.changed} |`, "");
    out.push(
      `Read ${items.reads.source} source and ${items.reads.restored} restored items in ${items.reads.passes} pass(es), ${items.segments} scan segments per table, ${items.buckets} digest buckets${items.itemsPerSecond !== null ? `, ${Math.round(items.itemsPerSecond)} items/s` : ""}.`,
      "",
    );
    const ex = items.excluded;
    out.push(
      `Left out: source ${ex.source.afterRestorePoint} written after the restore point, ${ex.source.expiring} expiring, ${ex.source.sentinels} sentinel(s); restored ${ex.restored.afterRestorePoint}, ${ex.restored.expiring}, ${ex.restored.sentinels}.`,
      "",
    );
    for (const kind of ["missing", "extra", "changed"] as const) {
      if (items.examples[kind].length > 0) out.push(`Example ${kind} keys: ${items.examples[kind].map((k) => `\`${k}\``).join(", ")}`, "");
    }
  }
  if (report.comparisonRule.length > 0) {
    out.push("### What is compared", "");
    for (const line of report.comparisonRule) out.push(`- ${line}`);
    out.push("");
  }

  out.push("## RPO sentinels", "");
  if (report.sentinels.length === 0) out.push("None written.", "");
  else {
    out.push("| Sentinel | Written | Expected | Found |", "|---|---|---|---|");
    for (const s of report.sentinels) out.push(`| ${s.role} (\`${s.key}\`) | ${s.writtenAt ?? "n/a"} | ${s.expected} | ${s.found ?? "not checked"}${s.ok ? "" : " ✗"} |`);
    out.push("");
  }

  out.push("## Settings parity", "");
  if (report.settings.length === 0) out.push("Not compared.", "");
  else {
    out.push("| Setting | Source | Restored | Status | Action |", "|---|---|---|---|---|");
    for (const s of report.settings) out.push(`| ${s.setting} | ${cell(s.source)} | ${cell(s.restored)} | ${s.status} | ${cell(s.action ?? "")} |`);
    out.push("");
  }

  out.push("## Cross-region backup table", "");
  const cr = report.crossRegion;
  if (cr === null) out.push("The environment has none.", "");
  else {
    out.push(
      `\`${cr.table}\` in ${cr.region}: ${cr.ok ? "OK" : "NOT OK"}, status ${cr.status ?? "absent"}, ${cr.answered ? `answered a read in ${cr.latencyMs} ms` : "did not answer"}, PITR ${cr.pitr === null ? "unknown" : cr.pitr ? "on" : "off"}${cr.error ? ` (${cr.error})` : ""}.`,
      "",
    );
  }

  if (report.cleanup.errors.length > 0) {
    out.push("## Cleanup errors", "");
    for (const e of report.cleanup.errors) out.push(`- ${e}`);
    out.push("");
  }
  if (report.warnings.length > 0) {
    out.push("## Warnings", "");
    for (const w of report.warnings) out.push(`- ${w}`);
    out.push("");
  }
  if (report.notes.length > 0) {
    out.push("## Notes", "");
    for (const n of report.notes) out.push(`- ${n}`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** Pure: what a drill that passed did not prove. */
export function drillWarnings(input: { sourceTable: string; items: { source: number } | null; passed: boolean }): string[] {
  const warnings: string[] = [];
  if (input.items && input.items.source === 0) {
    warnings.push(`nothing to verify: ${input.sourceTable} held no items but the drill's own sentinels, so the drill proved the restore and the sentinels, not your data`);
  }
  return warnings;
}
