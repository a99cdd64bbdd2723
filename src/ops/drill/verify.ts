import { displayKey } from "./canonical.js";
import {
  BucketJoin,
  DEFAULT_BUCKETS,
  OneSidedExamples,
  TableDigest,
  combineDifferences,
  emptyDifferences,
  fingerprint,
  itemDigest,
  joinRounds,
  keyPlace,
  planBuckets,
  type DifferenceCounts,
} from "./digest.js";
import { scanSegment, type DynamoDBClient, type Item } from "../../aws/dynamodb.js";
import { countExclusion, disposition, emptyExclusions, type ComparisonRules, type ExclusionCounts } from "./rules.js";

/**
 * Verifies a restored table against its source, every item: both tables are scanned at the same
 * time with parallel scan segments and folded into bucket digests (memory does not grow with the
 * table); when every bucket agrees, that is the whole verification and each item was read once
 * per table. Only when buckets disagree do further passes read both tables again, keeping just
 * the items of the disagreeing buckets, to count and name the missing, extra and changed items.
 */

/**
 * Items per scan page. DynamoDB's own 1 MB pages make the verifier's peak memory creep up with the
 * table (each page's thousand items outlive a young-generation GC and pile up in the old one);
 * pages of 250 story beats (~280 KB) die young, so the peak stays flat from 5k to 50k items and
 * beyond. The read cost (RCUs) is the same; only the number of round trips grows.
 */
export const DEFAULT_PAGE_ITEMS = 250;

export interface ScanTableRequest {
  tableName: string;
  segments: number;
  consistentRead: boolean;
  /** Items per page; default DEFAULT_PAGE_ITEMS. */
  pageItems?: number;
  signal?: AbortSignal;
}

/**
 * Scans a whole table with parallel segments and hands every item to `onItem`, synchronously, as
 * each page arrives. Returns the number of items read. A failing segment stops the others.
 */
export async function scanTable(client: DynamoDBClient, request: ScanTableRequest, onItem: (item: Item) => void): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort(request.signal?.reason);
  if (request.signal?.aborted) throw request.signal.reason;
  request.signal?.addEventListener("abort", stop, { once: true });
  let read = 0;
  try {
    await Promise.all(
      Array.from({ length: request.segments }, async (_, segment) => {
        try {
          for await (const page of scanSegment(client, {
            tableName: request.tableName,
            segment,
            totalSegments: request.segments,
            consistentRead: request.consistentRead,
            pageItems: request.pageItems ?? DEFAULT_PAGE_ITEMS,
            signal: controller.signal,
          })) {
            for (const item of page) onItem(item);
            read += page.length;
          }
        } catch (error) {
          controller.abort(error);
          throw error;
        }
      }),
    );
  } catch (error) {
    // The caller's abort wins over the errors it caused in the segments.
    if (request.signal?.aborted) throw request.signal.reason;
    throw error;
  } finally {
    request.signal?.removeEventListener("abort", stop);
  }
  return read;
}

export interface VerifyRequest {
  sourceTable: string;
  restoredTable: string;
  rules: ComparisonRules;
  /** Parallel scan segments per table. */
  segments: number;
  /** Digest buckets (default 4096). */
  buckets?: number;
  /** Joined items per extra pass before another pass is started (bounds memory on big differences). */
  maxJoinItems?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface VerifyResult extends DifferenceCounts {
  /** Items compared on each side (after the exclusions). */
  source: number;
  restored: number;
  excluded: { source: ExclusionCounts; restored: ExclusionCounts };
  /** Items read from each table over all passes; equal to the table sizes when no extra pass ran. */
  reads: { passes: number; source: number; restored: number };
  segments: number;
  buckets: number;
}

interface SidePass {
  digest: TableDigest;
  excluded: ExclusionCounts;
  read: number;
}

/** Pass 1 for one table: every item into the bucket digest. */
async function digestTable(client: DynamoDBClient, tableName: string, consistentRead: boolean, request: VerifyRequest, buckets: number): Promise<SidePass> {
  const digest = new TableDigest(buckets);
  const excluded = emptyExclusions();
  const keys = request.rules.keyAttributes;
  const read = await scanTable(client, { tableName, segments: request.segments, consistentRead, signal: request.signal }, (item) => {
    const verdict = disposition(item, request.rules);
    if (verdict !== "compare") return countExclusion(excluded, verdict);
    const print = fingerprint(item, keys, buckets);
    digest.add(print.bucket, print.digest);
  });
  return { digest, excluded, read };
}

export async function verifyTables(client: DynamoDBClient, request: VerifyRequest): Promise<VerifyResult> {
  const buckets = request.buckets ?? DEFAULT_BUCKETS;
  const keys = request.rules.keyAttributes;
  // The source keeps changing: read it strongly consistent. The restore is ACTIVE and idle.
  const [source, restored] = await Promise.all([
    digestTable(client, request.sourceTable, true, request, buckets),
    digestTable(client, request.restoredTable, true, request, buckets),
  ]);
  const reads = { passes: 1, source: source.read, restored: restored.read };
  const plan = planBuckets(source.digest, restored.digest);
  const base = {
    source: source.digest.total,
    restored: restored.digest.total,
    excluded: { source: source.excluded, restored: restored.excluded },
    segments: request.segments,
    buckets,
  };
  if (plan.mixed.length === 0 && plan.sourceOnly.length === 0 && plan.restoredOnly.length === 0) {
    return { ...base, ...emptyDifferences(), matched: plan.matchedItems, reads };
  }

  const rounds = joinRounds(plan.mixed, source.digest, restored.digest, request.maxJoinItems ?? 250_000);
  if (rounds.length === 0) rounds.push([]); // one pass still names examples of one-sided buckets
  const joined = emptyDifferences();
  const oneSided = new OneSidedExamples(plan);
  request.onProgress?.(
    `${plan.mixed.length + plan.sourceOnly.length + plan.restoredOnly.length} of ${buckets} buckets differ: reading them again to name the differences (${rounds.length} pass${rounds.length === 1 ? "" : "es"})`,
  );
  for (const [index, round] of rounds.entries()) {
    const join = new BucketJoin(new Set(round));
    const collect = (side: "source" | "restored") => (item: Item) => {
      if (disposition(item, request.rules) !== "compare") return;
      const place = keyPlace(item, keys, buckets);
      if (join.accepts(place.bucket)) {
        const print = { ...place, digest: itemDigest(item) };
        if (side === "source") join.addSource(print, displayKey(item, keys));
        else join.addRestored(print, displayKey(item, keys));
      } else if (index === 0 && side === "source" && oneSided.wantsSource(place.bucket)) {
        oneSided.missing.push(displayKey(item, keys));
      } else if (index === 0 && side === "restored" && oneSided.wantsRestored(place.bucket)) {
        oneSided.extra.push(displayKey(item, keys));
      }
    };
    const [sourceRead, restoredRead] = await Promise.all([
      scanTable(client, { tableName: request.sourceTable, segments: request.segments, consistentRead: true, signal: request.signal }, collect("source")),
      scanTable(client, { tableName: request.restoredTable, segments: request.segments, consistentRead: true, signal: request.signal }, collect("restored")),
    ]);
    reads.passes += 1;
    reads.source += sourceRead;
    reads.restored += restoredRead;
    join.finish(joined);
  }
  return { ...base, ...combineDifferences(plan, joined, oneSided), reads };
}
