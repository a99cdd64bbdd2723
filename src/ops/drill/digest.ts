import { hash } from "node:crypto";
import { encodeItem, encodeKey, fnv1a32, type ItemLike } from "./canonical.js";

/**
 * Order-independent table digests with flat memory. Every item is encoded canonically and hashed
 * (SHA-256); the digest is folded into one of a fixed number of buckets chosen by a hash of the
 * primary key, with three accumulators per bucket: the item count, the XOR and the lane-wise sum
 * (mod 2^32) of the digests. Two tables hold the same items exactly when every bucket agrees, in
 * whatever order the items were read. Memory is `buckets × 17 × 4` bytes per table, whatever
 * the table's size. Only mismatching buckets are looked at item by item, in a second pass.
 */

/** Words of a SHA-256 digest. */
const LANES = 8;
export const DEFAULT_BUCKETS = 4096;

/** One item's place in the comparison. */
export interface ItemFingerprint {
  /** Canonical primary key: identity across the two tables. */
  key: string;
  bucket: number;
  /** SHA-256 of the canonical item. */
  digest: Buffer;
}

/** An item's canonical key and bucket: cheap, no hashing of the item itself. */
export function keyPlace(item: ItemLike, keyAttributes: readonly string[], buckets: number): { key: string; bucket: number } {
  const key = encodeKey(item, keyAttributes);
  return { key, bucket: fnv1a32(key) % buckets };
}

/** SHA-256 of an item's canonical encoding (one-shot `crypto.hash`: Node >= 20.12). */
export function itemDigest(item: ItemLike): Buffer {
  return hash("sha256", encodeItem(item), "buffer");
}

export function fingerprint(item: ItemLike, keyAttributes: readonly string[], buckets: number): ItemFingerprint {
  const key = encodeKey(item, keyAttributes);
  return { key, bucket: fnv1a32(key) % buckets, digest: itemDigest(item) };
}

export class TableDigest {
  readonly buckets: number;
  readonly counts: Uint32Array;
  readonly xor: Uint32Array;
  readonly sum: Uint32Array;
  /** Items folded in. */
  total = 0;

  constructor(buckets: number = DEFAULT_BUCKETS) {
    if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`bucket count must be a positive integer, got ${buckets}`);
    this.buckets = buckets;
    this.counts = new Uint32Array(buckets);
    this.xor = new Uint32Array(buckets * LANES);
    this.sum = new Uint32Array(buckets * LANES);
  }

  add(bucket: number, digest: Uint8Array): void {
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    const base = bucket * LANES;
    const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
    for (let lane = 0; lane < LANES; lane++) {
      const word = view.getUint32(lane * 4, true);
      const at = base + lane;
      this.xor[at] = (this.xor[at] as number) ^ word;
      this.sum[at] = ((this.sum[at] as number) + word) >>> 0;
    }
    this.total += 1;
  }

  count(bucket: number): number {
    return this.counts[bucket] as number;
  }

  /** Whether this bucket holds the same multiset of item digests as the other table's. */
  sameBucket(other: TableDigest, bucket: number): boolean {
    if (this.counts[bucket] !== other.counts[bucket]) return false;
    const base = bucket * LANES;
    for (let lane = 0; lane < LANES; lane++) {
      if (this.xor[base + lane] !== other.xor[base + lane] || this.sum[base + lane] !== other.sum[base + lane]) return false;
    }
    return true;
  }
}

/** How the buckets of two digests relate: what the second pass must look at. */
export interface BucketPlan {
  /** Buckets with identical content: every item in them matched. */
  matchedItems: number;
  /** Buckets with items on both sides that differ: joined item by item in the second pass. */
  mixed: number[];
  /** Buckets holding source items only: all of them missing from the restore. */
  sourceOnly: number[];
  /** Buckets holding restored items only: all of them extra. */
  restoredOnly: number[];
  missingFromSourceOnly: number;
  extraFromRestoredOnly: number;
}

export function planBuckets(source: TableDigest, restored: TableDigest): BucketPlan {
  if (source.buckets !== restored.buckets) throw new Error("digests use different bucket counts");
  const plan: BucketPlan = { matchedItems: 0, mixed: [], sourceOnly: [], restoredOnly: [], missingFromSourceOnly: 0, extraFromRestoredOnly: 0 };
  for (let bucket = 0; bucket < source.buckets; bucket++) {
    if (source.sameBucket(restored, bucket)) {
      plan.matchedItems += source.count(bucket);
    } else if (restored.count(bucket) === 0) {
      plan.sourceOnly.push(bucket);
      plan.missingFromSourceOnly += source.count(bucket);
    } else if (source.count(bucket) === 0) {
      plan.restoredOnly.push(bucket);
      plan.extraFromRestoredOnly += restored.count(bucket);
    } else {
      plan.mixed.push(bucket);
    }
  }
  return plan;
}

/**
 * Splits the mixed buckets into rounds whose joined items stay under `maxItemsPerRound`, so the
 * second pass keeps memory bounded even when most of the table differs. Each round is one more
 * scan of both tables; a bucket larger than the limit gets a round of its own.
 */
export function joinRounds(mixed: readonly number[], source: TableDigest, restored: TableDigest, maxItemsPerRound: number): number[][] {
  const rounds: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const bucket of mixed) {
    const items = source.count(bucket) + restored.count(bucket);
    if (current.length > 0 && size + items > maxItemsPerRound) {
      rounds.push(current);
      current = [];
      size = 0;
    }
    current.push(bucket);
    size += items;
  }
  if (current.length > 0) rounds.push(current);
  return rounds;
}

/** Up to this many example keys per kind of difference. */
export const EXAMPLE_KEYS = 5;

export interface DifferenceCounts {
  matched: number;
  missing: number;
  extra: number;
  changed: number;
  examples: { missing: string[]; extra: string[]; changed: string[] };
}

export function emptyDifferences(): DifferenceCounts {
  return { matched: 0, missing: 0, extra: 0, changed: 0, examples: { missing: [], extra: [], changed: [] } };
}

function addExample(list: string[], key: string): void {
  if (list.length < EXAMPLE_KEYS) list.push(key);
}

/**
 * The item-by-item join of one round of mixed buckets. Feed it the items of those buckets from
 * both tables (in any order), then `finish()` classifies: same key and digest → matched, key only
 * in the source → missing, key only in the restore → extra, same key with a different digest →
 * changed.
 */
export class BucketJoin {
  private readonly source = new Map<string, { digest: string; shown: string }>();
  private readonly restored = new Map<string, { digest: string; shown: string }>();

  constructor(readonly buckets: ReadonlySet<number>) {}

  accepts(bucket: number): boolean {
    return this.buckets.has(bucket);
  }

  addSource(print: ItemFingerprint, shown: string): void {
    this.source.set(print.key, { digest: print.digest.toString("base64"), shown });
  }

  addRestored(print: ItemFingerprint, shown: string): void {
    this.restored.set(print.key, { digest: print.digest.toString("base64"), shown });
  }

  finish(into: DifferenceCounts = emptyDifferences()): DifferenceCounts {
    for (const [key, entry] of this.source) {
      const other = this.restored.get(key);
      if (other === undefined) {
        into.missing += 1;
        addExample(into.examples.missing, entry.shown);
      } else if (other.digest === entry.digest) {
        into.matched += 1;
      } else {
        into.changed += 1;
        addExample(into.examples.changed, entry.shown);
      }
    }
    for (const [key, entry] of this.restored) {
      if (!this.source.has(key)) {
        into.extra += 1;
        addExample(into.examples.extra, entry.shown);
      }
    }
    return into;
  }
}

/** Example keys of items in one-sided buckets, gathered during the second pass. */
export class OneSidedExamples {
  readonly missing: string[] = [];
  readonly extra: string[] = [];
  private readonly sourceOnly: ReadonlySet<number>;
  private readonly restoredOnly: ReadonlySet<number>;

  constructor(plan: Pick<BucketPlan, "sourceOnly" | "restoredOnly">) {
    this.sourceOnly = new Set(plan.sourceOnly);
    this.restoredOnly = new Set(plan.restoredOnly);
  }

  wantsSource(bucket: number): boolean {
    return this.missing.length < EXAMPLE_KEYS && this.sourceOnly.has(bucket);
  }

  wantsRestored(bucket: number): boolean {
    return this.extra.length < EXAMPLE_KEYS && this.restoredOnly.has(bucket);
  }
}

/** Pure: the final counts from the bucket plan, the joins and the one-sided examples. */
export function combineDifferences(plan: BucketPlan, joined: DifferenceCounts, oneSided: { missing: string[]; extra: string[] }): DifferenceCounts {
  const examples = {
    missing: [...oneSided.missing, ...joined.examples.missing].slice(0, EXAMPLE_KEYS),
    extra: [...oneSided.extra, ...joined.examples.extra].slice(0, EXAMPLE_KEYS),
    changed: joined.examples.changed.slice(0, EXAMPLE_KEYS),
  };
  return {
    matched: plan.matchedItems + joined.matched,
    missing: plan.missingFromSourceOnly + joined.missing,
    extra: plan.extraFromRestoredOnly + joined.extra,
    changed: joined.changed,
    examples,
  };
}
