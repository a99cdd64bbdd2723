/**
 * Names the drill gives things. The scratch table's name is computed once, recorded, and only
 * then used in the restore call: cleanup and `dr-drill gc` find the table by that record, never by
 * recomputing a name.
 */

/** Every scratch table starts with this; `dr-drill gc` looks for nothing else. */
export const SCRATCH_PREFIX = "noveli-drill-";
/** Hash-key prefix of the drill's sentinel items in the source table. */
export const SENTINEL_PREFIX = "noveli-drill-sentinel#";

/** DynamoDB table names: 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`. */
export const TABLE_NAME_MAX = 255;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export function isValidTableName(name: string): boolean {
  return TABLE_NAME.test(name);
}

/** Compact UTC stamp, e.g. 20261125T140509Z: sorts by time and is valid in a table name. */
export function utcStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

export interface DrillIdentity {
  /** Unique per run: `<utc stamp>-<random>`. */
  drillId: string;
  /** `noveli-drill-<source table>-<utc stamp>-<random>`, at most 255 characters. */
  scratchTable: string;
}

const RANDOM = /^[0-9a-f]{8}$/;

/**
 * Pure: the drill's id and scratch-table name. `random` is 8 lowercase hex characters from the
 * caller's CSPRNG, so two drills started in the same second never collide.
 */
export function drillIdentity(sourceTable: string, epochMs: number, random: string): DrillIdentity {
  if (!RANDOM.test(random)) throw new Error(`random suffix must be 8 lowercase hex characters, got ${JSON.stringify(random)}`);
  const drillId = `${utcStamp(epochMs)}-${random}`;
  const tail = `-${drillId}`;
  const room = TABLE_NAME_MAX - SCRATCH_PREFIX.length - tail.length;
  const table = sourceTable.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, room);
  const scratchTable = `${SCRATCH_PREFIX}${table}${tail}`;
  return { drillId, scratchTable };
}

/** Pure: the scratch-name prefix of one source table's drills (as `drillIdentity` truncates it). */
export function scratchPrefixFor(sourceTable: string): string {
  const room = TABLE_NAME_MAX - SCRATCH_PREFIX.length - `-${utcStamp(0)}-${"0".repeat(8)}`.length;
  return `${SCRATCH_PREFIX}${sourceTable.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, room)}-`;
}

export function isScratchTable(name: string): boolean {
  return name.startsWith(SCRATCH_PREFIX) && !name.startsWith(SENTINEL_PREFIX);
}

export type SentinelRole = "before" | "after";

/** Pure: the hash-key value of one of a drill's sentinel items. */
export function sentinelHashKey(drillId: string, role: SentinelRole): string {
  return `${SENTINEL_PREFIX}${drillId}#${role}`;
}
