import { GetItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { newRecord } from "../../src/state/history.js";
import { OpsStore } from "../../src/state/ops-store.js";

/**
 * A history write whose first attempt timed out on a slow endpoint but was applied: the SDK's
 * retry then fails the put's condition. The record is there; appending must not report a failure.
 * The client below answers like DynamoDB would to that retry and to the read that follows.
 */
function retriedClient(stored: () => Record<string, { S: string }> | undefined): DynamoDBClient {
  const send = async (command: unknown) => {
    if (command instanceof PutItemCommand) throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
    if (command instanceof GetItemCommand) return { Item: stored() };
    throw new Error("unexpected call");
  };
  return { send } as unknown as DynamoDBClient;
}

describe("OpsStore.appendHistory after a retried write", () => {
  const record = newRecord("dev", { type: "gc", outcome: "done", deleted: [], failed: [], sentinelsDeleted: 0 });

  it("succeeds when the record read back is the one it wrote", async () => {
    const store = new OpsStore(retriedClient(() => ({ record: { S: JSON.stringify(record) } })), "noveli-ops");
    await expect(store.appendHistory("dev", record, "id-1")).resolves.toBeUndefined();
  });

  it("still fails when the item under that key is not its record", async () => {
    const other = new OpsStore(retriedClient(() => ({ record: { S: "{}" } })), "noveli-ops");
    await expect(other.appendHistory("dev", record, "id-1")).rejects.toThrow("The conditional request failed");
    const none = new OpsStore(retriedClient(() => undefined), "noveli-ops");
    await expect(none.appendHistory("dev", record, "id-1")).rejects.toThrow("The conditional request failed");
  });
});
