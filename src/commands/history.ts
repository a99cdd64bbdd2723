import type { CommandContext } from "../context.js";
import { parseCount } from "../ops/health/duration.js";
import { listHistory } from "../ops/lease/history.js";
import { HISTORY_KINDS, type HistoryKind, type HistoryRecord } from "../state/history.js";
import { UsageError } from "../errors.js";

/** Flags of `noveli history`. */
export interface HistoryOptions {
  /** At most this many records, 1 to 1000. Default 20. */
  limit?: string;
  /** Only records of this kind. Default: all. */
  kind?: string;
}

const DEFAULT_LIMIT = 20;

export async function history(options: HistoryOptions, ctx: CommandContext): Promise<void> {
  const limit = options.limit !== undefined ? parseCount(options.limit, "--limit", 1, 1_000) : DEFAULT_LIMIT;
  if (options.kind !== undefined && !(HISTORY_KINDS as readonly string[]).includes(options.kind)) {
    throw new UsageError(`--kind must be one of ${HISTORY_KINDS.join(", ")}`);
  }
  const { env, records } = await listHistory(ctx, { limit, ...(options.kind ? { kind: options.kind as HistoryKind } : {}) });
  ctx.reporter.result({ command: "history", env, records }, (lines, s) => {
    if (records.length === 0) lines.push(s.dim(`no history recorded for ${env}${options.kind ? ` of kind ${options.kind}` : ""}`));
    for (const record of records) lines.push(historyLine(record));
  });
}

/** Pure: one line per record: when, what, who and where. */
export function historyLine(record: HistoryRecord): string {
  const who = `${record.user}@${record.host ?? "?"}${record.ciRunUrl ? ` ${record.ciRunUrl}` : ""}`;
  return `${record.at}  ${describe(record).padEnd(40)}  ${who}`;
}

function describe(r: HistoryRecord): string {
  const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? "?" : JSON.stringify(v));
  switch (r.type) {
    case "deploy":
      return `deploy ${str(r.color)}${typeof r.version === "string" ? ` ${r.version}` : ""}: ${r.outcome}${typeof r.lambdaVersion === "string" ? ` (Lambda ${r.lambdaVersion})` : ""}`;
    case "switch":
    case "rollback":
      return `${r.type} ${str(r.from)} → ${str(r.to)}: ${r.outcome}`;
    case "drill":
      return `drill: ${r.outcome}${typeof r.rtoSeconds === "number" ? `, RTO ${r.rtoSeconds.toFixed(1)}s` : ""}${typeof r.rpoSeconds === "number" ? `, RPO ${r.rpoSeconds.toFixed(1)}s` : ""}`;
    case "lease": {
      const previous = r.previousHolder as { command?: string; user?: string; host?: string } | undefined;
      const whose = previous ? ` of ${previous.command ?? "?"} by ${previous.user ?? "?"}@${previous.host ?? "?"}` : "";
      return `lease ${r.outcome}${whose}${typeof r.reason === "string" ? `: ${r.reason}` : ""}`;
    }
    default:
      return `${r.type}: ${r.outcome}`;
  }
}
