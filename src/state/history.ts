import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { Environment } from "../core/environment.js";

/**
 * Every deploy, switch, rollback, drill, gc, teardown, lease takeover and unlock of an environment
 * is a history record in the account's operations table (see ops-store.ts), so `status`,
 * `health-check`, `dr-drill gc` and `history` on any machine see what every other machine did.
 * Records are only ever added, never rewritten or dropped.
 */
export const HISTORY_KINDS = ["deploy", "switch", "rollback", "drill", "gc", "teardown", "lease"] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryRecord {
  type: HistoryKind;
  at: string;
  user: string;
  host: string;
  env: Environment;
  outcome: string;
  /** The CI run that did it (GitHub Actions), when there was one. */
  ciRunUrl?: string;
  [key: string]: unknown;
}

export type NewHistoryRecord = { type: HistoryKind; outcome: string } & Record<string, unknown>;

/** Which records a read wants, newest first. */
export interface HistoryQuery {
  /** At most this many records. */
  limit: number;
  /** Only these kinds, when set. */
  types?: readonly HistoryKind[];
  /** Among the newest `scan` records of every kind (default: the whole history). */
  scan?: number;
  /**
   * Stop once the records read so far (newest first) settle what the reader wants to know: older
   * ones could not change it. The read then also starts with a small page.
   */
  enough?: (records: readonly HistoryRecord[]) => boolean;
}

/** Where history records go and come from: the operations table, or an in-memory fake in tests. */
export interface HistoryStore {
  appendHistory(env: Environment, record: HistoryRecord, id: string): Promise<void>;
  /** Newest first, as the query asks (see HistoryQuery). */
  readHistory(env: Environment, query: HistoryQuery): Promise<HistoryRecord[]>;
}

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return env.NOVELI_ACTOR || userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}

/** The GitHub Actions run URL, from the variables every runner sets; undefined elsewhere. */
export function ciRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: run } = env;
  return server && repository && run ? `${server}/${repository}/actions/runs/${run}` : undefined;
}

/** Pure: who and where, for a record made now. */
export function newRecord(env: Environment, record: NewHistoryRecord, at: Date = new Date(), processEnv: NodeJS.ProcessEnv = process.env): HistoryRecord {
  const url = ciRunUrl(processEnv);
  return { at: at.toISOString(), user: currentUser(processEnv), host: hostname(), env, ...(url ? { ciRunUrl: url } : {}), ...record } as HistoryRecord;
}

/** A sort key that orders records by time and never collides. */
export function historyId(at: string): string {
  return `${at}#${randomBytes(4).toString("hex")}`;
}

export async function appendHistory(store: HistoryStore, env: Environment, record: NewHistoryRecord): Promise<HistoryRecord> {
  const full = newRecord(env, record);
  await store.appendHistory(env, full, historyId(full.at));
  return full;
}

/** The newest records, oldest first (for the readers that walk forward in time). */
export async function readHistoryOldestFirst(store: HistoryStore, env: Environment, query: HistoryQuery): Promise<HistoryRecord[]> {
  return (await store.readHistory(env, query)).reverse();
}
