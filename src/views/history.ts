import type { HistoryListing, HistoryRecord } from "../ops/lease/history.js";
import type { View } from "./view.js";

/** How `noveli history` shows the environment's records: one line each. */
export const historyView: View<HistoryListing> = {
  json: (listing) => ({ command: "history", env: listing.env, records: listing.records }),
  human: (listing, s) => {
    if (listing.records.length === 0) return [s.dim(`no history recorded for ${listing.env}${listing.kind ? ` of kind ${listing.kind}` : ""}`)];
    return listing.records.map(historyLine);
  },
};

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
