import { mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/**
 * The drills of an environment that may have left something behind. The CLI keeps them in the
 * account's operations table (ops-store.ts), so `dr-drill gc` on any machine finds what a killed
 * drill on another left; `localDrillRecords` keeps them in `<stateDir>/drills/<env>.json` for
 * library use without an account. An entry is written before the restore call (with the scratch
 * table's name, computed once) and before any sentinel is written, and removed once cleanup has
 * deleted both. A process killed mid-drill therefore leaves an entry that `noveli dr-drill gc` acts on.
 */

import type { DrillRecordEntry, DrillRecords } from "../../state/drill-records.js";
import { writeFileAtomically } from "../../system/files.js";

export type { DrillRecordEntry, DrillRecords, RecordedKey } from "../../state/drill-records.js";

interface DrillRecordFile {
  env: string;
  drills: DrillRecordEntry[];
}

export function drillsDir(stateDir: string): string {
  return path.join(stateDir, "drills");
}

export function drillRecordPath(stateDir: string, env: string): string {
  return path.join(drillsDir(stateDir), `${env}.json`);
}

/** The lock that keeps one drill (or gc) per environment at a time on this machine. */
export function drillLockPath(stateDir: string, env: string): string {
  return path.join(drillsDir(stateDir), `${env}.lock`);
}

export function readDrillRecords(stateDir: string, env: string): DrillRecordEntry[] {
  try {
    const file = JSON.parse(readFileSync(drillRecordPath(stateDir, env), "utf8")) as DrillRecordFile;
    return Array.isArray(file.drills) ? file.drills : [];
  } catch {
    return [];
  }
}

function writeRecords(stateDir: string, env: string, drills: DrillRecordEntry[]): void {
  const file = drillRecordPath(stateDir, env);
  mkdirSync(path.dirname(file), { recursive: true });
  // A reader never sees half a record.
  writeFileAtomically(file, `${JSON.stringify({ env, drills } satisfies DrillRecordFile, null, 2)}\n`);
}

/** Adds or replaces the entry of one drill. */
export function saveDrillEntry(stateDir: string, env: string, entry: DrillRecordEntry): void {
  const others = readDrillRecords(stateDir, env).filter((d) => d.drillId !== entry.drillId);
  writeRecords(stateDir, env, [...others, entry]);
}

export function removeDrillEntry(stateDir: string, env: string, drillId: string): void {
  const drills = readDrillRecords(stateDir, env);
  const remaining = drills.filter((d) => d.drillId !== drillId);
  if (remaining.length !== drills.length) writeRecords(stateDir, env, remaining);
}

export function newDrillEntry(fields: Omit<DrillRecordEntry, "pid" | "host" | "state" | "sentinelKeys">): DrillRecordEntry {
  return { ...fields, pid: process.pid, host: hostname(), state: "recorded", sentinelKeys: [] };
}

export function localDrillRecords(stateDir: string, env: string, targetKey: string): DrillRecords {
  return {
    local: true,
    save: async (entry) => saveDrillEntry(stateDir, env, entry),
    remove: async (drillId) => removeDrillEntry(stateDir, env, drillId),
    list: async () => readDrillRecords(stateDir, env).filter((r) => r.target === targetKey),
  };
}
