import type { ModelCheckReport } from "../ops/models/check.js";
import type { ModelsResult } from "../ops/models/models.js";
import type { ModelRow } from "../ops/models/rows.js";
import type { Style } from "../output/style.js";
import type { View } from "./view.js";

/** How `noveli models` shows the catalog (and, with --check, what each provider said). */
export const modelsView: View<ModelsResult> = {
  json: (result) => modelsDocument(result.rows, result.catalogChecked, result.report),
  human: (result, style) => {
    const lines: string[] = [];
    renderTable(result.rows, result.report, result.catalogChecked, lines, style);
    return lines;
  },
};

/** The --json document: every row with its price source and date, and the check when asked. */
export function modelsDocument(rows: ModelRow[], catalogChecked: string, report: ModelCheckReport | undefined): Record<string, unknown> {
  return {
    command: "models",
    catalogChecked,
    models: rows.map((row) => ({
      provider: row.provider,
      id: row.id,
      label: row.label,
      default: row.catalogDefault,
      selected: row.selected,
      inCatalog: row.inCatalog,
      status: row.status,
      structured: row.structured,
      sampling: row.sampling,
      thinking: row.thinking,
      price: row.price,
      ...(report ? { check: report.models.find((m) => m.provider === row.provider && m.id === row.id)?.availability ?? null } : {}),
    })),
    ...(report ? { providers: report.providers, unusable: report.unusable } : {}),
  };
}

function money(value: number | undefined): string {
  return value === undefined ? "-" : String(Number(value.toPrecision(6)));
}

/** The catalog table, the price sources, and with a check each provider's verdict. */
export function renderTable(rows: ModelRow[], report: ModelCheckReport | undefined, catalogChecked: string, lines: string[], style: Style): void {
  const sources = [...new Set(rows.flatMap((r) => (r.price ? [r.price.source] : [])))];
  const header = ["PROVIDER", "MODEL", "IN", "OUT", "CACHE R", "CACHE W", "PRICE", "THINKING", "OUTPUT", "STATUS", ...(report ? ["CHECK"] : [])];
  const table = rows.map((row) => {
    const check = report?.models.find((m) => m.provider === row.provider && m.id === row.id)?.availability;
    const unconfirmed = row.price?.unconfirmed?.length ? "*" : "";
    return [
      row.provider,
      `${row.id}${row.selected ? " (selected)" : row.catalogDefault ? " (default)" : ""}`,
      money(row.price?.input),
      money(row.price?.output),
      `${money(row.price?.cacheRead)}${unconfirmed}`,
      money(row.price?.cacheWrite),
      row.price ? `[${sources.indexOf(row.price.source) + 1}] ${row.price.checked}` : "unpriced",
      row.thinking,
      row.structured === "tool" ? "forced tool" : "json schema",
      row.status,
      ...(report ? [check ? check.state : "not checked"] : []),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  lines.push(style.dim(`Prices in USD per million tokens, list price, short context; catalog checked ${catalogChecked}.`), "");
  lines.push(style.bold(line(header)));
  for (const cells of table) lines.push(line(cells));
  lines.push("");
  sources.forEach((source, i) => lines.push(style.dim(`[${i + 1}] ${source}`)));
  for (const row of rows) {
    for (const open of row.price?.unconfirmed ?? []) {
      lines.push(style.dim(`* ${row.provider} ${row.id} ${open.rate} unconfirmed (${open.candidates.join(" or ")}; ${money(row.price?.[open.rate])} charged): ${open.note}`));
    }
  }
  if (!report) return;
  lines.push("");
  for (const provider of report.providers) {
    if (!provider.checked) lines.push(`${provider.provider}: not checked: ${provider.reason}`);
  }
  for (const model of report.models) {
    if (model.availability.state === "available") continue;
    const mark = model.availability.state === "deprecated" ? style.yellow("!") : style.red("✗");
    lines.push(`${mark} ${model.provider} ${model.id}${model.configured ? " (selected)" : ""}: ${model.availability.state}${model.availability.note ? `: ${model.availability.note}` : ""}`);
  }
  const checked = report.providers.filter((p) => p.checked).map((p) => p.provider);
  if (report.unusable.length === 0) lines.push(style.green(`✓ every selected model is usable${checked.length > 0 ? ` (${checked.join(", ")} checked)` : ""}`));
}
