import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../system/files.js";

/**
 * A small JSON file of entries by key in the state dir's `cache/`, for what a command may keep on
 * this machine to skip a request next time. A cache: the newest entries are kept, a file or an
 * entry that cannot be read is a miss (the caller checks an entry's shape), and a file that cannot
 * be written only means a miss next time; it never fails a command.
 */
export interface KeyedCache {
  /** The entry stored under `key` as it was read: unchecked, or undefined. */
  read(stateDir: string, key: string): unknown;
  write(stateDir: string, key: string, entry: object, now?: Date): void;
}

type Entries = Record<string, { savedAt?: unknown }>;

export function keyedCache(fileName: string, version: number, maxEntries: number): KeyedCache {
  const fileIn = (stateDir: string) => path.join(stateDir, "cache", fileName);
  const entries = (stateDir: string): Entries => {
    try {
      const doc = JSON.parse(readFileSync(fileIn(stateDir), "utf8")) as { version?: number; entries?: Entries };
      return doc.version === version && doc.entries && typeof doc.entries === "object" ? doc.entries : {};
    } catch {
      return {};
    }
  };
  return {
    read: (stateDir, key) => entries(stateDir)[key],
    write(stateDir, key, entry, now = new Date()) {
      try {
        const all = { ...entries(stateDir), [key]: { ...entry, savedAt: now.toISOString() } };
        const kept = Object.entries(all)
          .sort((a, b) => String(b[1]?.savedAt).localeCompare(String(a[1]?.savedAt)))
          .slice(0, maxEntries);
        const file = fileIn(stateDir);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomically(file, `${JSON.stringify({ version, entries: Object.fromEntries(kept) }, null, 2)}\n`);
      } catch {
        /* only a cache */
      }
    },
  };
}
