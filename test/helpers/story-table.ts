import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeValue,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { STORY_TABLE_KEYS, storyTableSchema } from "@noveli/providers/story-item";
import { dynamoClient } from "../../lambda/story-generator/testing/harness.js";

/**
 * The story table (story_sessions) as terraform/modules/noveli creates it, for tests: its key
 * schema, index and TTL come from the shared package (@noveli/providers/story-item), the schema
 * the Lambda and the CLI's rehearsal seeding write items for, so no test spells it out again.
 */

export interface StoryTableOptions {
  /** Encrypt with this customer-managed KMS key, as Terraform does. Default: DynamoDB's own key. */
  kmsKeyId?: string;
  /** Turn point-in-time recovery on, as Terraform does (the DR drill restores from it). Default off. */
  pointInTimeRecovery?: boolean;
}

/** A client, or the environment of an emulator (AWS_ENDPOINT_URL...) to build one from. */
type Dynamo = DynamoDBClient | Record<string, string>;

async function withClient<T>(target: Dynamo, work: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  if (target instanceof DynamoDBClient) return work(target);
  const client = dynamoClient(target);
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/** Creates the table, waits until it exists, turns TTL on; returns its ARN. */
export async function createStoryTable(target: Dynamo, tableName: string, options: StoryTableOptions = {}): Promise<string> {
  return withClient(target, async (client) => {
    const created = await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        ...storyTableSchema(),
        ...(options.kmsKeyId ? { SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: options.kmsKeyId } } : {}),
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
    if (options.pointInTimeRecovery) {
      await client.send(new UpdateContinuousBackupsCommand({ TableName: tableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    }
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: STORY_TABLE_KEYS.ttl, Enabled: true } }));
    return created.TableDescription?.TableArn as string;
  });
}

/** What DescribeTable says about the story table (keys, index), for pure tests; `overrides` adds the rest. */
export function storyTableDescription(overrides: TableDescription = {}): TableDescription {
  return { TableName: "noveli-dev-story-sessions", ...storyTableSchema(), ...overrides };
}

type Item = Record<string, AttributeValue>;

/** The most items one BatchWriteItem request takes. */
const BATCH_ITEMS = 25;

/**
 * The items as lanes of requests (at most 25 items each) in which every session (partition) lies in
 * one lane: a lane of whole sessions in one request, or one session too large for a request as
 * consecutive requests. Lanes run side by side, a lane's requests one after another.
 */
function partitionLanes(items: readonly Item[]): Item[][][] {
  const sessions = new Map<string, Item[]>();
  for (const item of items) {
    const id = item[STORY_TABLE_KEYS.hash]?.S ?? "";
    const beats = sessions.get(id);
    if (beats) beats.push(item);
    else sessions.set(id, [item]);
  }
  const lanes: Item[][][] = [];
  let shared: Item[] = [];
  for (const beats of sessions.values()) {
    if (beats.length > BATCH_ITEMS) {
      const lane: Item[][] = [];
      for (let i = 0; i < beats.length; i += BATCH_ITEMS) lane.push(beats.slice(i, i + BATCH_ITEMS));
      lanes.push(lane);
      continue;
    }
    if (shared.length + beats.length > BATCH_ITEMS) {
      lanes.push([shared]);
      shared = [];
    }
    shared.push(...beats);
  }
  if (shared.length > 0) lanes.push([shared]);
  return lanes;
}

/**
 * Writes items with BatchWriteItem, `inFlight` requests at once, each request's unprocessed items
 * sent again. No two requests in flight write the same session: moto (5.2.1) creates a new
 * partition with a check-then-set that is not atomic across its request threads, so two concurrent
 * requests that both begin one session can lose one's items (a 50000-item load kept 49995).
 */
export async function loadStoryItems(client: DynamoDBClient, tableName: string, items: readonly Item[], inFlight = 8): Promise<void> {
  const lanes = partitionLanes(items);
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let lane = lanes.shift(); lane; lane = lanes.shift()) {
        for (const request of lane) {
          let pending = request.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length > 0) {
            const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
            pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
          }
        }
      }
    }),
  );
}
