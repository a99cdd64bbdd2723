import type { StageTraffic } from "../../aws/apigateway.js";
import { isColor, otherColor, type Color } from "../../core/color.js";
import type { HistoryKind, HistoryRecord } from "../../state/history.js";

/**
 * Where `noveli rollback` sends live traffic: "the previous color", decided from the live stage and
 * the environment's shared history (the operations table), so a rollback on one machine undoes the
 * switch another machine made. Pure; the rule, in order:
 *
 * 1. A canary on the live stage (an unfinished canary switch): the stable color, canary removed.
 *    The stage alone makes that unambiguous, whatever the history says.
 * 2. A `deployment` variable that is not blue or green: refused, there is no color to go back to.
 * 3. The last completed switch in the history: the newest switch or rollback record (since the
 *    last teardown) after which the live stage read one color where it had read the other. If it
 *    left traffic on the color the stage reads now, the previous color is the one live before it.
 *    If not, traffic moved since without a noveli switch recording it (outside noveli, or a run
 *    that died before it wrote its record): refused (exit 1), naming both, rather than guessing.
 * 4. No such switch in the history (nothing switched yet, or the history could not be consulted):
 *    the other color, as the stage alone says.
 */

/** The kinds of records the rule reads, newest first. */
export const TRAFFIC_HISTORY_KINDS: readonly HistoryKind[] = ["switch", "rollback", "teardown"];
/** How many of them: the last completed switch is nearly always among the newest few. */
export const TRAFFIC_HISTORY_LIMIT = 25;

/**
 * Pure: whether these records (newest first) settle the rule's history part, so older ones need
 * not be read: they hold a teardown, or a switch that moved live traffic.
 */
export function settlesPreviousColor(records: readonly HistoryRecord[]): boolean {
  return records.some((record) => record.type === "teardown") || lastColorMove(records) !== undefined;
}

/** A switch or rollback that moved all live traffic from one color to the other. */
export interface ColorMove {
  type: "switch" | "rollback";
  at: string;
  user: string;
  host: string;
  ciRunUrl?: string;
  from: Color;
  to: Color;
}

export type PreviousColor = { to: Color; why: string; undoes?: ColorMove } | { refuse: string };

/** `history`: switch, rollback and teardown records, newest first; undefined when it was not read. */
export function previousColor(current: StageTraffic, history?: readonly HistoryRecord[]): PreviousColor {
  if (current.canary && isColor(current.deployment)) {
    return { to: current.deployment, why: `a canary sends ${current.canary.percentTraffic}% to ${current.canary.deployment ?? "?"}: removing it puts all traffic back on ${current.deployment}` };
  }
  if (!isColor(current.deployment)) {
    return { refuse: `the live stage's deployment variable is ${JSON.stringify(current.deployment ?? null)}, not blue or green: there is no previous color to go back to` };
  }
  const live = current.deployment;
  if (!history) return { to: otherColor(live), why: `live is ${live}; the previous color is ${otherColor(live)}` };
  const move = lastColorMove(history);
  if (!move) return { to: otherColor(live), why: `live is ${live}; the shared history records no switch of live traffic, so the previous color is the other one, ${otherColor(live)}` };
  if (move.to === live) return { to: move.from, why: `live is ${live} since the ${describeMove(move)}; the previous color is ${move.from}`, undoes: move };
  return {
    refuse: `the shared history's last switch (${describeMove(move)}) left live traffic on ${move.to}, but the live stage reads ${live}: it moved since without a recorded noveli switch, so which color was live before is not known; choose with noveli switch-traffic <blue|green> (noveli history shows what happened)`,
  };
}

/** Pure: the newest record that moved live traffic from one color to the other, up to the last teardown. */
export function lastColorMove(history: readonly HistoryRecord[]): ColorMove | undefined {
  for (const record of history) {
    if (record.type === "teardown") return undefined;
    if (record.type !== "switch" && record.type !== "rollback") continue;
    const after = colorAfter(record);
    if (!isColor(record.from) || after === undefined || after === record.from) continue;
    return { type: record.type, at: record.at, user: record.user, host: record.host, ...(record.ciRunUrl ? { ciRunUrl: record.ciRunUrl } : {}), from: record.from, to: after };
  }
  return undefined;
}

/** The color a traffic record left all live traffic on: its reading of the stage afterwards, or the target of a switch that went through. */
function colorAfter(record: HistoryRecord): Color | undefined {
  const live = record.live;
  if (live !== null && typeof live === "object") {
    const { deployment, canary } = live as Partial<StageTraffic>;
    return canary === undefined || canary === null ? (isColor(deployment) ? deployment : undefined) : undefined;
  }
  return record.outcome === "switched" && isColor(record.to) ? record.to : undefined;
}

/** `switch blue → green by alice@laptop-a at 2026-12-01T23:40:12.000Z`. */
function describeMove(move: ColorMove): string {
  return `${move.type} ${move.from} → ${move.to} by ${move.user}@${move.host}${move.ciRunUrl ? ` (${move.ciRunUrl})` : ""} at ${move.at}`;
}
