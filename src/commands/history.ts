import type { CommandContext } from "../context.js";
import { parseCount } from "../ops/health/duration.js";
import { listHistory, type HistoryKind, type HistoryListing } from "../ops/lease/history.js";
import { HISTORY_KINDS } from "../state/history.js";
import { UsageError } from "../errors.js";
import { historyView } from "../views/history.js";
import { render } from "../views/view.js";

/** Flags of `noveli history`. */
export interface HistoryOptions {
  /** At most this many records, 1 to 1000. Default 20. */
  limit?: string;
  /** Only records of this kind. Default: all. */
  kind?: string;
}

const DEFAULT_LIMIT = 20;

export async function history(options: HistoryOptions, ctx: CommandContext): Promise<HistoryListing> {
  const limit = options.limit !== undefined ? parseCount(options.limit, "--limit", 1, 1_000) : DEFAULT_LIMIT;
  if (options.kind !== undefined && !(HISTORY_KINDS as readonly string[]).includes(options.kind)) {
    throw new UsageError(`--kind must be one of ${HISTORY_KINDS.join(", ")}`);
  }
  const listing = await listHistory(ctx, { limit, ...(options.kind ? { kind: options.kind as HistoryKind } : {}) });
  render(ctx.reporter, historyView, listing);
  return listing;
}
