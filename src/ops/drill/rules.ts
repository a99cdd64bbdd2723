import type { ItemLike } from "./canonical.js";
import { SENTINEL_PREFIX } from "./names.js";

/**
 * Which items take part in the comparison. The source table keeps receiving writes while the
 * drill runs, and TTL keeps deleting expired items from it, so a plain "both tables hold the same
 * items" would fail on every busy table. The rule, applied the same way to both tables:
 *
 * - items written after the restore point are left out: an item's write time is the first of the
 *   `writeTimeAttributes` it has (the story table's `written_at`, then `timestamp`; epoch
 *   milliseconds, or seconds when the value is below 1e11). On the story table `timestamp` is the
 *   session's start plus the beat's step, not the beat's write time, so `written_at` comes first.
 *   Anything written within `guardMs` before the restore point is left out too, because the
 *   application stamps the item a little before DynamoDB commits it;
 * - items whose TTL attribute has passed (or passes within `ttlMarginMs` after verification
 *   starts) are left out: DynamoDB may delete them from the source at any moment, so their
 *   presence is not deterministic;
 * - the drill's own sentinel items (hash key starting `noveli-drill-sentinel#`) are left out: they
 *   are checked one by one for the RPO.
 *
 * An item updated in place after the restore point still shows as `changed`: the story table is
 * append-only (each beat is a new `timestamp`), so on this schema that means real divergence.
 */
export interface ComparisonRules {
  /** Primary key attributes, hash first. */
  keyAttributes: readonly string[];
  /** The restore point (epoch ms): a PITR restore's RestoreDateTime or the backup's creation time. */
  restorePointMs: number;
  /** Attributes holding the item's write time, first present wins; empty when the schema has none. */
  writeTimeAttributes: readonly string[];
  /** Items stamped within this long before the restore point are left out too. */
  guardMs: number;
  /** The table's TTL attribute (epoch seconds), when TTL is enabled; null otherwise. */
  ttlAttribute: string | null;
  /** Items whose TTL is at or before this instant (epoch ms) are left out. */
  expiryCutoffMs: number;
}

export type Disposition = "compare" | "after-restore-point" | "expiring" | "sentinel";

export interface ExclusionCounts {
  afterRestorePoint: number;
  expiring: number;
  sentinels: number;
}

export function emptyExclusions(): ExclusionCounts {
  return { afterRestorePoint: 0, expiring: 0, sentinels: 0 };
}

/** Epoch values below this are seconds, above it milliseconds (1e11 ms is 1973, 1e11 s is year 5138). */
const MILLISECONDS_FROM = 1e11;

/** Pure: an epoch number in milliseconds, whichever unit it was written in; NaN when not a number. */
export function epochMs(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const value = Number(text);
  if (!Number.isFinite(value)) return Number.NaN;
  return value >= MILLISECONDS_FROM ? value : value * 1000;
}

/** Pure: whether an item is compared, and if not, why. */
export function disposition(item: ItemLike, rules: ComparisonRules): Disposition {
  const hashName = rules.keyAttributes[0];
  const hash = hashName === undefined ? undefined : item[hashName]?.S;
  if (hash !== undefined && hash.startsWith(SENTINEL_PREFIX)) return "sentinel";
  for (const name of rules.writeTimeAttributes) {
    const value = item[name]?.N;
    if (value === undefined) continue;
    if (epochMs(value) > rules.restorePointMs - rules.guardMs) return "after-restore-point";
    break;
  }
  if (rules.ttlAttribute !== null) {
    const expires = item[rules.ttlAttribute]?.N;
    // DynamoDB TTL is always epoch seconds; a value that is not a number never expires.
    if (expires !== undefined && Number.isFinite(Number(expires)) && Number(expires) * 1000 <= rules.expiryCutoffMs) return "expiring";
  }
  return "compare";
}

export function countExclusion(counts: ExclusionCounts, reason: Exclude<Disposition, "compare">): void {
  if (reason === "after-restore-point") counts.afterRestorePoint += 1;
  else if (reason === "expiring") counts.expiring += 1;
  else counts.sentinels += 1;
}

/** Pure: the rule in words, for the report. */
export function describeRules(rules: ComparisonRules): string[] {
  const lines = [
    "Every item of both tables is read once per table and compared by a canonical digest (attribute order, set order and number spelling do not matter).",
  ];
  if (rules.writeTimeAttributes.length > 0) {
    const names = rules.writeTimeAttributes.map((n) => `\`${n}\``).join(", else ");
    lines.push(
      `Items whose write time (${names}) is later than ${new Date(rules.restorePointMs - rules.guardMs).toISOString()} (the restore point minus ${rules.guardMs / 1000}s of guard for the gap between the application's stamp and DynamoDB's commit) are left out on both sides: they were written after the restore point.`,
    );
  } else {
    lines.push("The table has no write-time attribute: items written after the restore point cannot be told apart and show as missing.");
  }
  if (rules.ttlAttribute !== null) {
    lines.push(
      `Items whose TTL \`${rules.ttlAttribute}\` is at or before ${new Date(rules.expiryCutoffMs).toISOString()} are left out on both sides: TTL may delete them from the source at any moment.`,
    );
  }
  lines.push("The drill's own sentinel items are left out of the digests and checked one by one for the RPO.");
  lines.push("An item changed in place after the restore point counts as changed: the story table is append-only.");
  return lines;
}
