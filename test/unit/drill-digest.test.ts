import { describe, expect, it } from "vitest";
import type { ItemLike } from "../../src/ops/drill/canonical.js";
import { displayKey } from "../../src/ops/drill/canonical.js";
import {
  BucketJoin,
  EXAMPLE_KEYS,
  OneSidedExamples,
  TableDigest,
  combineDifferences,
  emptyDifferences,
  fingerprint,
  joinRounds,
  keyPlace,
  planBuckets,
  type DifferenceCounts,
} from "../../src/ops/drill/digest.js";

const KEYS = ["session_id", "timestamp"];

function beat(i: number, text = `beat ${i}`): ItemLike {
  return { session_id: { S: `s-${i % 37}` }, timestamp: { N: String(1_700_000_000_000 + i) }, text: { S: text }, step: { N: String(i % 7) } };
}

function digestOf(items: ItemLike[], buckets: number): TableDigest {
  const digest = new TableDigest(buckets);
  for (const item of items) {
    const print = fingerprint(item, KEYS, buckets);
    digest.add(print.bucket, print.digest);
  }
  return digest;
}

/** The verification algorithm of verify.ts over in-memory tables: pass 1, then join rounds. */
function compare(source: ItemLike[], restored: ItemLike[], buckets: number, maxJoinItems = 1_000_000): DifferenceCounts & { rounds: number } {
  const a = digestOf(source, buckets);
  const b = digestOf(restored, buckets);
  const plan = planBuckets(a, b);
  const rounds = joinRounds(plan.mixed, a, b, maxJoinItems);
  if (rounds.length === 0 && (plan.sourceOnly.length > 0 || plan.restoredOnly.length > 0)) rounds.push([]);
  const joined = emptyDifferences();
  const oneSided = new OneSidedExamples(plan);
  for (const [index, round] of rounds.entries()) {
    const join = new BucketJoin(new Set(round));
    for (const item of source) {
      const place = keyPlace(item, KEYS, buckets);
      if (join.accepts(place.bucket)) join.addSource(fingerprint(item, KEYS, buckets), displayKey(item, KEYS));
      else if (index === 0 && oneSided.wantsSource(place.bucket)) oneSided.missing.push(displayKey(item, KEYS));
    }
    for (const item of restored) {
      const place = keyPlace(item, KEYS, buckets);
      if (join.accepts(place.bucket)) join.addRestored(fingerprint(item, KEYS, buckets), displayKey(item, KEYS));
      else if (index === 0 && oneSided.wantsRestored(place.bucket)) oneSided.extra.push(displayKey(item, KEYS));
    }
    join.finish(joined);
  }
  return { ...combineDifferences(plan, joined, oneSided), rounds: rounds.length };
}

function shuffled<T>(list: T[], seed = 7): T[] {
  const out = [...list];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("TableDigest", () => {
  const items = Array.from({ length: 2000 }, (_, i) => beat(i));

  it("is independent of the order items are read in", () => {
    const a = digestOf(items, 64);
    const b = digestOf(shuffled(items), 64);
    expect(b.total).toBe(2000);
    for (let bucket = 0; bucket < 64; bucket++) expect(a.sameBucket(b, bucket)).toBe(true);
  });

  it("keeps a fixed size whatever the number of items", () => {
    const small = new TableDigest(4096);
    const big = digestOf(items, 4096);
    expect(big.counts.byteLength + big.xor.byteLength + big.sum.byteLength).toBe(small.counts.byteLength + small.xor.byteLength + small.sum.byteLength);
    expect(big.counts.byteLength + big.xor.byteLength + big.sum.byteLength).toBe(4096 * 17 * 4);
  });

  it("notices a change in exactly the bucket of the changed key", () => {
    const changed = items.map((item, i) => (i === 1234 ? beat(i, "tampered") : item));
    const a = digestOf(items, 64);
    const b = digestOf(changed, 64);
    const bucket = fingerprint(items[1234] as ItemLike, KEYS, 64).bucket;
    for (let i = 0; i < 64; i++) expect(a.sameBucket(b, i)).toBe(i !== bucket);
  });

  it("rejects a bucket count that is not a positive integer", () => {
    expect(() => new TableDigest(0)).toThrow();
    expect(() => new TableDigest(1.5)).toThrow();
  });
});

describe("planBuckets and the join", () => {
  const source = Array.from({ length: 3000 }, (_, i) => beat(i));

  it("counts everything as matched when the tables agree, with no second pass", () => {
    const result = compare(source, shuffled(source), 256);
    expect(result).toMatchObject({ matched: 3000, missing: 0, extra: 0, changed: 0, rounds: 0 });
  });

  it("classifies a missing, an extra and a changed item with their keys", () => {
    const restored = source.filter((_, i) => i !== 10).map((item, i) => (i === 500 ? beat(501, "changed text") : item));
    restored.push(beat(99_999));
    const result = compare(source, restored, 256);
    expect(result).toMatchObject({ matched: 2998, missing: 1, extra: 1, changed: 1 });
    expect(result.examples.missing).toEqual([displayKey(beat(10), KEYS)]);
    expect(result.examples.extra).toEqual([displayKey(beat(99_999), KEYS)]);
    expect(result.examples.changed).toEqual([displayKey(beat(501), KEYS)]);
  });

  it("counts one-sided buckets from the digests and still names examples", () => {
    // A single bucket: an empty restore makes every bucket source-only.
    const result = compare(source, [], 16);
    expect(result).toMatchObject({ matched: 0, missing: 3000, extra: 0, changed: 0, rounds: 1 });
    expect(result.examples.missing).toHaveLength(EXAMPLE_KEYS);
    const reverse = compare([], source.slice(0, 40), 16);
    expect(reverse).toMatchObject({ matched: 0, missing: 0, extra: 40 });
    expect(reverse.examples.extra).toHaveLength(EXAMPLE_KEYS);
  });

  it("gives the same counts when the join is split into rounds to bound memory", () => {
    const restored = source.map((item, i) => (i % 10 === 0 ? beat(i, "different") : item)).filter((_, i) => i % 25 !== 3);
    const single = compare(source, restored, 128);
    const split = compare(source, restored, 128, 200);
    expect(split.rounds).toBeGreaterThan(1);
    const counts = (r: DifferenceCounts) => ({ matched: r.matched, missing: r.missing, extra: r.extra, changed: r.changed });
    expect(counts(split)).toEqual(counts(single));
    expect(split.examples.changed).toHaveLength(EXAMPLE_KEYS);
    expect(split.examples.missing).toHaveLength(EXAMPLE_KEYS);
    expect(single.changed).toBe(300);
    expect(single.missing).toBe(120);
    expect(single.matched + single.missing + single.changed).toBe(3000);
    expect(single.matched + single.extra + single.changed).toBe(restored.length);
  });
});

describe("joinRounds", () => {
  it("packs buckets into rounds under the limit, an oversized bucket alone", () => {
    const a = new TableDigest(4);
    const b = new TableDigest(4);
    const sizes = [3, 3, 10, 2];
    sizes.forEach((n, bucket) => {
      for (let i = 0; i < n; i++) a.add(bucket, new Uint8Array(32).fill(i + 1));
    });
    expect(joinRounds([0, 1, 2, 3], a, b, 6)).toEqual([[0, 1], [2], [3]]);
    expect(joinRounds([], a, b, 6)).toEqual([]);
  });
});
