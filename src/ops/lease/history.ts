import type { CommandContext } from "../../context.js";
import type { Environment } from "../../core/environment.js";
import type { HistoryKind, HistoryRecord } from "../../state/history.js";
import { openOpsStore } from "../../state/ops-store.js";

export type { HistoryKind, HistoryRecord };

export interface HistoryQuery {
  limit: number;
  kind?: HistoryKind;
}

export interface HistoryListing {
  env: Environment;
  /** The kind asked for; left out: every kind. */
  kind?: HistoryKind;
  /** Newest first, at most the query's limit. */
  records: HistoryRecord[];
}

/** The environment's shared history from the operations table, newest first. */
export async function listHistory(ctx: CommandContext, query: HistoryQuery): Promise<HistoryListing> {
  const env = ctx.environment();
  const store = await openOpsStore({ target: await ctx.target(), env, reporter: ctx.reporter, signal: ctx.signal });
  try {
    const records = await store.readHistory(env, { limit: query.limit, ...(query.kind ? { types: [query.kind] } : {}) });
    return { env, ...(query.kind ? { kind: query.kind } : {}), records };
  } finally {
    store.close();
  }
}
