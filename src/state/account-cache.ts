import type { Target } from "../core/target.js";
import { keyedCache } from "./keyed-cache.js";

/**
 * What STS said about a target, kept on this machine so a command need not ask again: a cache
 * (`<state dir>/cache/accounts.json`) that is safe to lose or to find stale-proof. Only identities
 * that cannot change are kept:
 * - the embedded emulator: one launch (its instance id) always answers with the same account;
 * - real AWS: an access key id belongs to one account for as long as it exists.
 * An endpoint given by URL is never cached: what answers there may be restarted with another account.
 * Reading or writing the cache never fails a command: a broken file is a miss.
 */

export interface CachedIdentity {
  accountId: string;
  partition: string;
  region: string;
}

const VERSION = 1;
/** Entries kept; the oldest go first (access keys rotate, emulators restart). */
const MAX_ENTRIES = 32;

/**
 * Pure: the cache key of a target's identity, or undefined when it must not be cached.
 * `emulatorInstanceId`: the running embedded emulator's launch id (local targets);
 * `accessKeyId`: the resolved credentials' key (real AWS).
 */
export function identityCacheKey(target: Target, facts: { region: string; emulatorInstanceId?: string; accessKeyId?: string }): string | undefined {
  switch (target.kind) {
    case "local":
      return facts.emulatorInstanceId ? `local|${facts.emulatorInstanceId}|${target.endpointUrl}|${facts.region}` : undefined;
    case "aws":
      return facts.accessKeyId ? `aws|${facts.accessKeyId}|${facts.region}` : undefined;
    case "endpoint":
      return undefined;
  }
}

const cache = keyedCache("accounts.json", VERSION, MAX_ENTRIES);

function isIdentity(value: unknown): value is CachedIdentity {
  const v = value as Partial<CachedIdentity> | null;
  return !!v && typeof v.accountId === "string" && /^\d{12}$/.test(v.accountId) && typeof v.partition === "string" && typeof v.region === "string";
}

export function readCachedIdentity(stateDir: string, key: string): CachedIdentity | undefined {
  const entry = cache.read(stateDir, key);
  return isIdentity(entry) ? { accountId: entry.accountId, partition: entry.partition, region: entry.region } : undefined;
}

export function writeCachedIdentity(stateDir: string, key: string, identity: CachedIdentity, now: Date = new Date()): void {
  cache.write(stateDir, key, identity, now);
}
