import { SCHEMA_VERSION } from "../output/reporter.js";
import type { Style } from "../output/style.js";
import { STORY_DEFINITION } from "../ops/cost/ai.js";
import { describeRootCause } from "../ops/cost/anomalies.js";
import { BUDGET_THRESHOLDS, type ThresholdStatus } from "../ops/cost/budgets.js";
import type { CostReport } from "../ops/cost/report.js";
import { CE_REQUEST_PRICE_USD } from "../ops/cost/requests.js";
import type { View } from "./view.js";

/**
 * Pure renderers of a cost report: the terminal table (a proportional bar per group and a day
 * chart), CSV (one tidy table, one figure per row) and Markdown (for PR comments and CI job
 * summaries). A missing figure shows as "n/a" (an empty cell in CSV), never as 0.
 */

export type ReportFormat = "table" | "json" | "csv" | "markdown";
export const REPORT_FORMATS: readonly ReportFormat[] = ["table", "json", "csv", "markdown"];

export const NOT_AVAILABLE = "n/a";
const BAR_WIDTH = 28;
const PARTIAL_BLOCKS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** "$1,234.56" for USD, "1,234.56 EUR" otherwise; amounts under a cent keep four decimals. */
export function formatMoney(amount: number | null, currency = "USD"): string {
  if (amount === null) return NOT_AVAILABLE;
  const abs = Math.abs(amount);
  const digits = abs > 0 && abs < 0.005 ? 4 : 2;
  const text = abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const sign = amount < 0 ? "-" : "";
  return currency === "USD" ? `${sign}$${text}` : `${sign}${text} ${currency}`;
}

export function formatPercent(percent: number | null): string {
  return percent === null ? NOT_AVAILABLE : `${percent.toFixed(1)}%`;
}

function formatCount(value: number | null): string {
  return value === null ? NOT_AVAILABLE : value.toLocaleString("en-US");
}

/** A bar proportional to value/max, in eighths of a block; nothing for zero or negative values. */
export function bar(value: number, max: number, width = BAR_WIDTH): string {
  if (!(value > 0) || !(max > 0)) return "";
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return "█".repeat(Math.floor(eighths / 8)) + PARTIAL_BLOCKS[eighths % 8];
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function statusText(status: ThresholdStatus | null, s: Style): string {
  if (status === "over") return s.red("over budget");
  if (status === "warning") return s.yellow(`over ${BUDGET_THRESHOLDS.warning}%`);
  if (status === "ok") return s.green("ok");
  return NOT_AVAILABLE;
}

function filterText(report: CostReport): string {
  return Object.entries(report.filter.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

function groupRows(report: CostReport): { label: string; amount: number; estimated: boolean }[] {
  if (report.byService) return report.byService.map((g) => ({ label: g.service, amount: g.amount, estimated: g.estimated }));
  return (report.byEnvironment ?? []).map((g) => ({ label: g.label, amount: g.amount, estimated: g.estimated }));
}

/** Fill characters of a stacked bar, biggest group first; the last stands for every other group. */
const STACK_FILLS = ["█", "▓", "▒", "░"];

/**
 * Pure: each day's bar stacked by group (the report's biggest groups first, the rest together),
 * every segment its share of the bar scaled to the biggest day (a share under half a character
 * does not show); undefined when no day has more than one group.
 */
export function stackedChart(report: Pick<CostReport, "daily" | "dailyByGroup" | "byService" | "byEnvironment">, width = BAR_WIDTH): { legend: string; bars: string[] } | undefined {
  if (!report.dailyByGroup.some((d) => d.groups.length > 1)) return undefined;
  const order = (report.byService ?? []).map((g) => g.service).concat((report.byEnvironment ?? []).map((g) => g.label));
  const named = order.slice(0, STACK_FILLS.length - (order.length > STACK_FILLS.length ? 1 : 0));
  const fillOf = (label: string) => STACK_FILLS[named.indexOf(label)] ?? (STACK_FILLS[STACK_FILLS.length - 1] as string);
  const max = Math.max(...report.daily.map((d) => d.amount));
  const bars = report.dailyByGroup.map((day) => {
    if (!(max > 0)) return "";
    const sorted = [...day.groups].filter((g) => g.amount > 0).sort((a, b) => {
      const ia = named.indexOf(a.label);
      const ib = named.indexOf(b.label);
      return (ia < 0 ? named.length : ia) - (ib < 0 ? named.length : ib);
    });
    // Cumulative rounding: the segments add up to the day's own bar length.
    let cumulative = 0;
    let drawn = 0;
    return sorted
      .map((g) => {
        cumulative += g.amount;
        const end = Math.round((cumulative / max) * width);
        const segment = fillOf(g.label).repeat(Math.max(0, end - drawn));
        drawn = Math.max(drawn, end);
        return segment;
      })
      .join("");
  });
  const others = order.length > named.length ? `  ${STACK_FILLS[STACK_FILLS.length - 1]} other` : "";
  return { legend: named.map((label) => `${fillOf(label)} ${label}`).join("  ") + others, bars };
}

/** The label of a report over seeded sample data. */
function sampleDataText(sample: { seededBy: string; seededAt: string }): string {
  return `SAMPLE DATA: figures seeded into this emulator by ${sample.seededBy} (${sample.seededAt}), not real spend`;
}

/** "3 (about $0.03 at $0.01 each)" on AWS; on an emulator the requests are free. */
function requestsText(report: CostReport): string {
  const { costExplorer, estimatedCostUsd, billed } = report.requests;
  return billed === false ? `${costExplorer} (free on the emulator)` : `${costExplorer} (about ${formatMoney(estimatedCostUsd)} at ${formatMoney(CE_REQUEST_PRICE_USD)} each)`;
}

/** "n/a: <reason>", or the neutral wording for what the emulator does not implement. */
function unavailableText(gone: { reason: string; emulatorGap?: boolean } | undefined, s: Style): string {
  if (gone?.emulatorGap) return s.dim(gone.reason);
  return `${NOT_AVAILABLE}${gone ? `: ${gone.reason}` : ""}`;
}

/** The terminal table. */
export function renderTable(report: CostReport, s: Style): string[] {
  const lines: string[] = [];
  const money = (v: number | null) => formatMoney(v, report.currency);
  const spendUnavailable = report.unavailable.find((u) => u.section === "spend");

  lines.push(s.bold(`noveli cost report · ${report.period.from} → ${report.period.to}`) + s.dim(` (UTC, both days included, ${report.granularity})`));
  lines.push(s.dim(`${report.metric} in ${report.currency} · tags ${filterText(report)}`));
  if (report.sampleData) lines.push(s.yellow(sampleDataText(report.sampleData)));
  lines.push("");

  // Spend per group, with a proportional bar.
  const rows = groupRows(report);
  const heading = report.groupBy === "service" ? "Spend by service" : "Spend by environment";
  lines.push(s.bold(heading));
  if (spendUnavailable) {
    lines.push(`  ${unavailableText(spendUnavailable, s)}`);
  } else if (rows.length === 0) {
    lines.push(`  no spend recorded for ${filterText(report)} in this period`);
    lines.push(s.dim("  (the tags must be activated as cost allocation tags in the Billing console for Cost Explorer to filter on them)"));
  } else {
    const labelWidth = Math.min(36, Math.max(5, ...rows.map((r) => r.label.length)));
    const amounts = rows.map((r) => money(r.amount));
    const amountWidth = Math.max(...amounts.map((a) => a.length), money(report.total).length);
    const max = Math.max(...rows.map((r) => r.amount));
    const total = report.total ?? 0;
    rows.forEach((r, i) => {
      const share = total > 0 ? `${((r.amount / total) * 100).toFixed(1)}%`.padStart(6) : "".padStart(6);
      lines.push(`  ${truncate(r.label, labelWidth).padEnd(labelWidth)}  ${amounts[i]!.padStart(amountWidth)}  ${share}  ${s.cyan(bar(r.amount, max))}${r.estimated ? s.dim(" ~") : ""}`);
    });
    lines.push(`  ${"Total".padEnd(labelWidth)}  ${s.bold(money(report.total).padStart(amountWidth))}${report.estimated ? s.dim("  ~ estimated: includes an open billing period") : ""}`);
  }
  lines.push("");

  // The day (or month) chart: one bar per day, stacked by group when there are several.
  if (report.daily.length > 0) {
    const stack = stackedChart(report);
    lines.push(s.bold(report.granularity === "daily" ? "Daily" : "Monthly") + (stack ? s.dim(`  ${stack.legend}`) : ""));
    const max = Math.max(...report.daily.map((d) => d.amount));
    const amounts = report.daily.map((d) => money(d.amount));
    const amountWidth = Math.max(...amounts.map((a) => a.length));
    report.daily.forEach((d, i) => {
      const drawn = stack ? (stack.bars[i] ?? "") : bar(d.amount, max);
      lines.push(`  ${d.date}  ${amounts[i]!.padStart(amountWidth)}  ${s.cyan(drawn)}${d.estimated ? s.dim(" ~") : ""}`);
    });
    if (report.daily.some((d) => d.estimated)) lines.push(s.dim("  ~ estimated (open billing period, may still change)"));
    lines.push("");
  }

  // Forecast.
  lines.push(s.bold("Forecast to the end of the month"));
  const f = report.forecast;
  const forecastGone = report.unavailable.find((u) => u.section === "forecast");
  if (f) {
    const interval = f.lowerBound !== null && f.upperBound !== null ? ` (${f.predictionIntervalLevel}% interval ${money(f.lowerBound)} to ${money(f.upperBound)})` : "";
    lines.push(`  ${f.from} → ${f.to}: ${money(f.remaining)} more${interval}`);
    lines.push(`  month end: ${s.bold(money(f.monthEnd))}${f.monthEnd !== null ? ` (${money(f.monthToDate)} spent before today + forecast)` : f.monthEndNote ? s.dim(` (${f.monthEndNote})`) : ""}`);
  } else {
    lines.push(`  ${unavailableText(forecastGone, s)}`);
  }
  lines.push("");

  // Budgets.
  lines.push(s.bold(`Budgets`) + s.dim(` (warning over ${BUDGET_THRESHOLDS.warning}%, over budget over ${BUDGET_THRESHOLDS.over}%)`));
  const budgetsGone = report.unavailable.find((u) => u.section === "budgets");
  if (budgetsGone) lines.push(`  ${unavailableText(budgetsGone, s)}`);
  else if (report.budgets.length === 0) lines.push("  no noveli budgets in this account");
  else {
    const nameWidth = Math.min(40, Math.max(...report.budgets.map((b) => b.name.length)));
    for (const b of report.budgets) {
      const unit = b.unit ?? report.currency;
      lines.push(
        `  ${truncate(b.name, nameWidth).padEnd(nameWidth)}  limit ${formatMoney(b.limit, unit)}${b.timeUnit ? `/${b.timeUnit.toLowerCase()}` : ""}` +
          `  actual ${formatMoney(b.actual, unit)} (${formatPercent(b.percent)}, ${statusText(b.status, s)})` +
          `  forecast ${formatMoney(b.forecast, unit)} (${formatPercent(b.forecastPercent)}, ${statusText(b.forecastStatus, s)})`,
      );
    }
  }
  lines.push("");

  // Anomalies.
  lines.push(s.bold("Anomalies in the period") + s.dim(" (account-wide: Cost Explorer cannot filter anomalies by tag)"));
  const anomaliesGone = report.unavailable.find((u) => u.section === "anomalies");
  if (anomaliesGone) lines.push(`  ${unavailableText(anomaliesGone, s)}`);
  else if (report.anomalies.length === 0) lines.push("  none");
  else {
    for (const a of report.anomalies) {
      const when = a.start === a.end || a.end === null ? (a.start ?? "?") : `${a.start} → ${a.end}`;
      const pct = a.impactPercent !== null ? ` (+${a.impactPercent.toFixed(1)}%)` : "";
      lines.push(`  ${when}  ${a.dimension ?? "?"}  impact ${money(a.totalImpact ?? a.maxImpact)}${pct}`);
      for (const cause of a.rootCauses) lines.push(s.dim(`      root cause: ${describeRootCause(cause)}`));
    }
  }
  lines.push("");

  // AI providers.
  lines.push(s.bold("AI providers") + s.dim(" (CloudWatch LiminalTransit/AIProviders)"));
  const aiGone = report.unavailable.find((u) => u.section === "ai");
  if (aiGone || !report.ai) lines.push(`  ${unavailableText(aiGone, s)}`);
  else {
    const ai = report.ai;
    if (ai.byProvider.length > 0) {
      const width = Math.max(8, ...ai.byProvider.map((p) => p.provider.length));
      const costs = ai.byProvider.map((p) => formatMoney(p.costUsd));
      const costWidth = Math.max(...costs.map((c) => c.length), formatMoney(ai.totalCostUsd).length);
      ai.byProvider.forEach((p, i) => lines.push(`  ${p.provider.padEnd(width)}  ${costs[i]!.padStart(costWidth)}  ${formatCount(p.tokens)} tokens`));
      lines.push(`  ${"total".padEnd(width)}  ${s.bold(formatMoney(ai.totalCostUsd).padStart(costWidth))}  ${formatCount(ai.totalTokens)} tokens`);
    }
    lines.push(`  stories: ${formatCount(ai.stories.count)} · cost per story: ${formatMoney(ai.stories.costPerStoryUsd)}`);
    lines.push(`  beats: ${formatCount(ai.beats.count)} · cost per beat: ${formatMoney(ai.beats.costPerBeatUsd)}`);
    lines.push(s.dim(`  ${STORY_DEFINITION}; ${ai.beats.definition}`));
    for (const note of ai.notes) lines.push(s.dim(`  note: ${note}`));
  }
  lines.push("");

  // The gate.
  const gate = report.budgetGate;
  if (gate) {
    const mark = gate.verdict === "within" ? s.green("✓") : s.red("✗");
    lines.push(`${mark} ${s.bold("Budget gate")} ${money(gate.limit)} (${gate.source}): ${gate.reason}`);
    if (gate.forecastSource) lines.push(s.dim(`  forecast from ${gate.forecastSource}`));
    lines.push("");
  }

  const other = report.unavailable.filter((u) => !["spend", "forecast", "budgets", "anomalies", "ai"].includes(u.section));
  for (const u of other) lines.push(s.yellow(`${u.section}: ${u.reason}`));

  lines.push(s.dim(`Cost Explorer requests: ${requestsText(report)}`));
  return lines;
}

/** One CSV field (RFC 4180). */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = ["section", "name", "date", "amount", "currency", "estimated", "note"] as const;

/**
 * CSV: a tidy table, one figure per row, for spreadsheets and BI tools. `section` says what
 * the row is (service, environment, day, total, forecast-*, budget-*, anomaly, ai-*, gate,
 * unavailable, requests); an unknown amount is an empty cell.
 */
export function renderCsv(report: CostReport): string {
  const rows: (string | number | boolean | null)[][] = [];
  const cur = report.currency;
  const add = (section: string, name: string | null, date: string | null, amount: number | null, currency: string | null, estimated: boolean | null, note: string | null) =>
    rows.push([section, name, date, amount, amount === null ? null : currency, estimated, note]);

  add("period", "from", report.period.from, null, null, null, `${report.granularity}; tags ${filterText(report)}; ${report.metric}`);
  add("period", "to", report.period.to, null, null, null, "inclusive");
  if (report.sampleData) add("note", "sample-data", null, null, null, null, sampleDataText(report.sampleData));
  const spendGone = report.unavailable.find((u) => u.section === "spend");
  if (report.byService) for (const g of report.byService) add("service", g.service, null, g.amount, cur, g.estimated, null);
  if (report.byEnvironment) for (const g of report.byEnvironment) add("environment", g.label, null, g.amount, cur, g.estimated, g.untagged ? "no Environment tag" : null);
  for (const d of report.daily) add(report.granularity === "daily" ? "day" : "month", null, d.date, d.amount, cur, d.estimated, null);
  add("total", null, null, report.total, cur, report.total === null ? null : report.estimated, spendGone?.reason ?? null);

  const f = report.forecast;
  if (f) {
    add("forecast-remaining", null, f.to, f.remaining, cur, true, `from ${f.from}`);
    add("forecast-lower-bound", null, f.to, f.lowerBound, cur, true, `${f.predictionIntervalLevel}% interval`);
    add("forecast-upper-bound", null, f.to, f.upperBound, cur, true, `${f.predictionIntervalLevel}% interval`);
    add("forecast-month-end", null, f.to, f.monthEnd, cur, true, f.monthEndNote);
  }
  for (const b of report.budgets) {
    const unit = b.unit ?? cur;
    add("budget-limit", b.name, null, b.limit, unit, null, b.timeUnit);
    add("budget-actual", b.name, null, b.actual, unit, null, b.percent === null ? null : `${b.percent}% ${b.status}`);
    add("budget-forecast", b.name, null, b.forecast, unit, null, b.forecastPercent === null ? null : `${b.forecastPercent}% ${b.forecastStatus}`);
  }
  for (const a of report.anomalies) {
    add("anomaly", a.id, a.start, a.totalImpact, cur, null, [a.dimension, ...a.rootCauses.map(describeRootCause)].filter(Boolean).join("; "));
  }
  if (report.ai) {
    for (const p of report.ai.byProvider) {
      add("ai-cost", p.provider, null, p.costUsd, "USD", null, null);
      add("ai-tokens", p.provider, null, p.tokens, null, null, null);
    }
    add("ai-total", null, null, report.ai.totalCostUsd, "USD", null, report.ai.notes.join("; ") || null);
    add("ai-stories", null, null, report.ai.stories.count, null, null, report.ai.stories.definition);
    add("ai-cost-per-story", null, null, report.ai.stories.costPerStoryUsd, "USD", null, null);
    add("ai-beats", null, null, report.ai.beats.count, null, null, report.ai.beats.definition);
    add("ai-cost-per-beat", null, null, report.ai.beats.costPerBeatUsd, "USD", null, null);
  }
  if (report.budgetGate) add("gate", report.budgetGate.verdict, null, report.budgetGate.limit, "USD", null, `${report.budgetGate.source}: ${report.budgetGate.reason}`);
  for (const u of report.unavailable) add("unavailable", u.section, null, null, null, null, u.reason);
  add("requests", "cost-explorer", null, report.requests.costExplorer, null, null, report.requests.billed === false ? "free on the emulator" : `about $${report.requests.estimatedCostUsd.toFixed(2)}`);

  return [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvField).join(","))].join("\n");
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function mdTable(header: string[], rows: string[][], align: ("l" | "r")[]): string[] {
  return [
    `| ${header.map(mdCell).join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? " ---: " : " --- ")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
  ];
}

/** Markdown: for pull-request comments and CI job summaries. */
export function renderMarkdown(report: CostReport): string {
  const money = (v: number | null) => formatMoney(v, report.currency);
  const out: string[] = [];
  const gone = (section: string) => report.unavailable.find((u) => u.section === section);
  out.push(`## noveli cost report: ${report.period.from} to ${report.period.to}`);
  out.push("");
  out.push(`${report.metric} in ${report.currency}, tags ${filterText(report)}, ${report.granularity}; both days included (UTC).`);
  out.push("");
  if (report.sampleData) out.push(`> **${sampleDataText(report.sampleData)}**`, "");
  out.push(`**Total: ${money(report.total)}**${report.estimated ? " (estimated: includes an open billing period)" : ""}`);
  out.push("");

  const rows = groupRows(report);
  out.push(report.groupBy === "service" ? "### Spend by service" : "### Spend by environment");
  out.push("");
  const spendGone = gone("spend");
  if (spendGone) out.push(`${NOT_AVAILABLE}: ${spendGone.reason}`);
  else if (rows.length === 0) out.push(`No spend recorded for ${filterText(report)} in this period.`);
  else {
    const total = report.total ?? 0;
    out.push(
      ...mdTable(
        [report.groupBy === "service" ? "Service" : "Environment", "Amount", "Share"],
        rows.map((r) => [r.label, `${money(r.amount)}${r.estimated ? " ~" : ""}`, total > 0 ? `${((r.amount / total) * 100).toFixed(1)}%` : ""]),
        ["l", "r", "r"],
      ),
    );
  }
  out.push("");

  if (report.daily.length > 0) {
    out.push(report.granularity === "daily" ? "### Daily" : "### Monthly");
    out.push("");
    out.push(...mdTable(["Date", "Amount", "Estimated"], report.daily.map((d) => [d.date, money(d.amount), d.estimated ? "yes" : ""]), ["l", "r", "l"]));
    out.push("");
  }

  out.push("### Forecast to the end of the month");
  out.push("");
  const f = report.forecast;
  if (f) {
    out.push(`- ${f.from} to ${f.to}: ${money(f.remaining)} more` + (f.lowerBound !== null && f.upperBound !== null ? ` (${f.predictionIntervalLevel}% interval ${money(f.lowerBound)} to ${money(f.upperBound)})` : ""));
    out.push(`- month end: **${money(f.monthEnd)}**${f.monthEnd === null && f.monthEndNote ? ` (${f.monthEndNote})` : ""}`);
  } else out.push(`${NOT_AVAILABLE}${gone("forecast") ? `: ${gone("forecast")!.reason}` : ""}`);
  out.push("");

  out.push("### Budgets");
  out.push("");
  if (gone("budgets")) out.push(`${NOT_AVAILABLE}: ${gone("budgets")!.reason}`);
  else if (report.budgets.length === 0) out.push("No noveli budgets in this account.");
  else {
    out.push(
      ...mdTable(
        ["Budget", "Limit", "Actual", "%", "Forecast", "Forecast %"],
        report.budgets.map((b) => {
          const unit = b.unit ?? report.currency;
          return [b.name, formatMoney(b.limit, unit), formatMoney(b.actual, unit), `${formatPercent(b.percent)} ${b.status ?? ""}`.trim(), formatMoney(b.forecast, unit), `${formatPercent(b.forecastPercent)} ${b.forecastStatus ?? ""}`.trim()];
        }),
        ["l", "r", "r", "r", "r", "r"],
      ),
    );
  }
  out.push("");

  out.push("### Anomalies (account-wide)");
  out.push("");
  if (gone("anomalies")) out.push(`${NOT_AVAILABLE}: ${gone("anomalies")!.reason}`);
  else if (report.anomalies.length === 0) out.push("None in the period.");
  else {
    out.push(
      ...mdTable(
        ["Start", "End", "Dimension", "Impact", "Root causes"],
        report.anomalies.map((a) => [a.start ?? "", a.end ?? "", a.dimension ?? "", money(a.totalImpact ?? a.maxImpact), a.rootCauses.map(describeRootCause).join("; ")]),
        ["l", "l", "l", "r", "l"],
      ),
    );
  }
  out.push("");

  out.push("### AI providers");
  out.push("");
  const ai = report.ai;
  if (!ai) out.push(`${NOT_AVAILABLE}${gone("ai") ? `: ${gone("ai")!.reason}` : ""}`);
  else {
    if (ai.byProvider.length > 0) {
      out.push(
        ...mdTable(
          ["Provider", "Cost", "Tokens"],
          [...ai.byProvider.map((p) => [p.provider, formatMoney(p.costUsd), formatCount(p.tokens)]), ["**total**", `**${formatMoney(ai.totalCostUsd)}**`, formatCount(ai.totalTokens)]],
          ["l", "r", "r"],
        ),
      );
      out.push("");
    }
    out.push(`- stories: ${formatCount(ai.stories.count)}, cost per story: ${formatMoney(ai.stories.costPerStoryUsd)} (${ai.stories.definition})`);
    out.push(`- beats: ${formatCount(ai.beats.count)}, cost per beat: ${formatMoney(ai.beats.costPerBeatUsd)} (${ai.beats.definition})`);
    for (const note of ai.notes) out.push(`- note: ${note}`);
  }
  out.push("");

  if (report.budgetGate) {
    const g = report.budgetGate;
    out.push(`### Budget gate: ${g.verdict === "within" ? "✅ within budget" : g.verdict === "over" ? "❌ over budget" : "❌ unknown"}`);
    out.push("");
    out.push(`Limit ${money(g.limit)} (${g.source}): ${g.reason}.`);
    out.push("");
  }

  if (report.unavailable.length > 0) {
    out.push("### Unavailable");
    out.push("");
    for (const u of report.unavailable) out.push(`- **${u.section}**: ${u.reason}`);
    out.push("");
  }
  out.push(`_Cost Explorer requests: ${requestsText(report)}._`);
  return out.join("\n");
}

/**
 * The cost report's view for one --format: with --json (or --format json) the document is the
 * report itself; otherwise the lines are the table, the CSV or the Markdown.
 */
export function costReportView(format: ReportFormat): View<CostReport> {
  return {
    json: (report) => report,
    human(report, style) {
      if (format === "json") return [JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...report }, null, 2)];
      if (format === "csv") return [renderCsv(report)];
      if (format === "markdown") return [renderMarkdown(report)];
      return renderTable(report, style);
    },
  };
}
