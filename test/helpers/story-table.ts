import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
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
