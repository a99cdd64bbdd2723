import type { AttributeValue, BatchWriteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { loadStoryItems } from "../helpers/story-table.js";

/**
 * The tests' and the drill bench's loader of story tables. moto (5.2.1) creates a new partition with
 * a check-then-set that is not atomic across its request threads: two requests in flight at once
 * that both write the first items of one session_id can lose one request's items (the bench once
 * found 49995 of 50000 items). So no two requests in flight may write the same partition.
 */

type Item = Record<string, AttributeValue>;

function beat(session: string, step: number): Item {
  return { session_id: { S: session }, timestamp: { N: String(1_000 + step) }, step: { N: String(step) } };
}

const key = (item: Item) => `${item.session_id?.S}|${item.timestamp?.N}`;

/** A DynamoDB stand-in that answers a tick later, keeps what was put and watches the partitions in flight. */
function fakeDynamo(options: { unprocessedOnce?: number } = {}) {
  const stored = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const shared: string[] = [];
  const requestSizes: number[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  let unprocessed = options.unprocessedOnce ?? 0;
  const client = {
    async send(command: BatchWriteItemCommand) {
      const [[table, requests]] = Object.entries(command.input.RequestItems ?? {}) as [[string, { PutRequest: { Item: Item } }[]]];
      requestSizes.push(requests.length);
      const partitions = new Set(requests.map((r) => r.PutRequest.Item.session_id?.S as string));
      for (const p of partitions) {
        if (inFlight.has(p)) shared.push(p);
        inFlight.set(p, (inFlight.get(p) ?? 0) + 1);
      }
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await new Promise((resolve) => setTimeout(resolve, 1));
      concurrent--;
      for (const p of partitions) {
        const left = (inFlight.get(p) as number) - 1;
        if (left === 0) inFlight.delete(p);
        else inFlight.set(p, left);
      }
      const kept = unprocessed > 0 ? requests.slice(0, -unprocessed) : requests;
      const back = requests.slice(kept.length);
      unprocessed = 0;
      for (const r of kept) stored.set(key(r.PutRequest.Item), (stored.get(key(r.PutRequest.Item)) ?? 0) + 1);
      return { UnprocessedItems: back.length > 0 ? { [table]: back } : {} };
    },
  };
  return { client: client as unknown as DynamoDBClient, stored, shared, requestSizes, maxConcurrent: () => maxConcurrent };
}

describe("loadStoryItems", () => {
  it("writes every item once, 8 requests in flight, none of them sharing a session with another in flight", async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => beat(`session-${Math.floor(i / 8)}`, i % 8));
    const fake = fakeDynamo({ unprocessedOnce: 3 });
    await loadStoryItems(fake.client, "story", items);
    expect(fake.stored.size).toBe(items.length);
    expect([...fake.stored.values()].every((writes) => writes === 1)).toBe(true);
    expect(fake.shared).toEqual([]);
    expect(fake.maxConcurrent()).toBe(8);
    expect(Math.max(...fake.requestSizes)).toBeLessThanOrEqual(25);
  });

  it("sends a session larger than one request as consecutive requests, never two at once", async () => {
    const items = [
      ...Array.from({ length: 60 }, (_, i) => beat("long", i)),
      ...Array.from({ length: 200 }, (_, i) => beat(`session-${Math.floor(i / 10)}`, i % 10)),
    ];
    const fake = fakeDynamo();
    await loadStoryItems(fake.client, "story", items);
    expect(fake.stored.size).toBe(items.length);
    expect(fake.shared).toEqual([]);
    expect(Math.max(...fake.requestSizes)).toBeLessThanOrEqual(25);
  });
});
