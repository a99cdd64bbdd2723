import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import type { Environment, Target } from "../aws/target.js";
import { targetKey } from "../terraform/workspace.js";

/**
 * Every deploy, switch, rollback and drill of an environment is appended to its history
 * (<stateDir>/history/<target key>/<env>.jsonl); `noveli status` shows it. Append-only: nothing is
 * ever rewritten or dropped.
 */
export interface HistoryRecord {
  type: "deploy" | "switch" | "rollback" | "drill" | "teardown";
  at: string;
  user: string;
  env: Environment;
  outcome: string;
  [key: string]: unknown;
}

export function historyFile(stateDir: string, target: Target, env: Environment): string {
  return path.join(stateDir, "history", targetKey(target), `${env}.jsonl`);
}

export function currentUser(): string {
  try {
    return process.env.NOVELI_ACTOR || userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

export function appendHistory(stateDir: string, target: Target, env: Environment, record: { type: HistoryRecord["type"]; outcome: string } & Record<string, unknown>): HistoryRecord {
  const full = { at: new Date().toISOString(), user: currentUser(), env, ...record } as HistoryRecord;
  const file = historyFile(stateDir, target, env);
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(full)}\n`);
  return full;
}

/** The newest `limit` records (oldest first), optionally of some types; a torn last line is skipped. */
export function readHistory(stateDir: string, target: Target, env: Environment, options: { limit?: number; types?: HistoryRecord["type"][] } = {}): HistoryRecord[] {
  let text: string;
  try {
    text = readFileSync(historyFile(stateDir, target, env), "utf8");
  } catch {
    return [];
  }
  const records: HistoryRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const record = JSON.parse(line) as HistoryRecord | null;
      // A line that is not a record (`null`, a number, a stray string) is skipped like a torn one.
      if (typeof record !== "object" || record === null || Array.isArray(record) || typeof record.type !== "string" || typeof record.at !== "string") continue;
      if (!options.types || options.types.includes(record.type)) records.push(record);
    } catch {
      /* a line torn by a crash mid-write */
    }
  }
  return options.limit === undefined ? records : records.slice(-options.limit);
}
