import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";

export { DynamoDBClient };
export type { AttributeValue };

/**
 * The DynamoDB calls on noveli's operations table (one per account and region: every
 * environment's lease and history), one small named function each. Items are keyed by
 * `pk` (`env#<env>`) and `sk` (`lease`, `history#<time>#<id>`). No decisions here.
 */

export type OpsItem = Record<string, AttributeValue>;

const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

export function isConditionFailed(error: unknown): boolean {
  return errorName(error) === "ConditionalCheckFailedException";
}

function isNotFound(error: unknown): boolean {
  return errorName(error) === "ResourceNotFoundException";
}

/** DescribeTable; null when the table does not exist. */
export async function describeOpsTable(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<TableDescription | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }), opts(signal));
    return out.Table ?? null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** On demand, encrypted with the AWS managed KMS key, keyed by pk/sk; deletion protection where asked. */
export async function createOpsTable(client: DynamoDBClient, tableName: string, options: { deletionProtection: boolean }, signal?: AbortSignal): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { Enabled: true, SSEType: "KMS" },
      DeletionProtectionEnabled: options.deletionProtection,
      Tags: [
        { Key: "Project", Value: "noveli" },
        { Key: "ManagedBy", Value: "noveli-bootstrap" },
      ],
    }),
    opts(signal),
  );
}

/** "ENABLED" or "DISABLED": the table's point-in-time recovery. */
export async function getPointInTimeRecoveryStatus(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<string> {
  const out = await client.send(new DescribeContinuousBackupsCommand({ TableName: tableName }), opts(signal));
  return out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ?? "DISABLED";
}

export async function enablePointInTimeRecovery(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<void> {
  await client.send(new UpdateContinuousBackupsCommand({ TableName: tableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }), opts(signal));
}

export async function enableDeletionProtection(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<void> {
  await client.send(new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: true }), opts(signal));
}

export async function enableTableEncryption(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<void> {
  await client.send(new UpdateTableCommand({ TableName: tableName, SSESpecification: { Enabled: true, SSEType: "KMS" } }), opts(signal));
}

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

const conditionParams = (condition: Condition) => ({
  ConditionExpression: condition.expression,
  ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
  ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
});

/**
 * PutItem under a condition. Written: the item it replaced, if any. Refused: the item that made
 * the condition fail, as DynamoDB returned it (ReturnValuesOnConditionCheckFailure).
 */
export async function putItemIf(
  client: DynamoDBClient,
  tableName: string,
  item: OpsItem,
  condition: Condition,
  signal?: AbortSignal,
): Promise<{ written: true; replaced: OpsItem | undefined } | { written: false; current: OpsItem | undefined }> {
  try {
    const out = await client.send(
      new PutItemCommand({ TableName: tableName, Item: item, ReturnValues: "ALL_OLD", ReturnValuesOnConditionCheckFailure: "ALL_OLD", ...conditionParams(condition) }),
      opts(signal),
    );
    return { written: true, replaced: out.Attributes && Object.keys(out.Attributes).length > 0 ? out.Attributes : undefined };
  } catch (error) {
    if (isConditionFailed(error)) return { written: false, current: (error as { Item?: OpsItem }).Item };
    throw error;
  }
}

/** PutItem, replacing any item of that key. */
export async function putItem(client: DynamoDBClient, tableName: string, item: OpsItem, signal?: AbortSignal): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }), opts(signal));
}

/** DeleteItem; deleting an absent item is no error. */
export async function deleteItem(client: DynamoDBClient, tableName: string, key: OpsItem, signal?: AbortSignal): Promise<void> {
  await client.send(new DeleteItemCommand({ TableName: tableName, Key: key }), opts(signal));
}

/** PutItem that never replaces: for history items, whose keys are unique. */
export async function putNewItem(client: DynamoDBClient, tableName: string, item: OpsItem, signal?: AbortSignal): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }), opts(signal));
}

/** UpdateItem `SET ...` under a condition; false when the condition failed. */
export async function updateItemIf(
  client: DynamoDBClient,
  tableName: string,
  key: OpsItem,
  update: { expression: string; values: Record<string, AttributeValue>; names?: Record<string, string> },
  condition: Condition,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: update.expression,
        ConditionExpression: condition.expression,
        ExpressionAttributeValues: { ...update.values, ...condition.values },
        ...(update.names || condition.names ? { ExpressionAttributeNames: { ...update.names, ...condition.names } } : {}),
      }),
      opts(signal),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** DeleteItem under a condition; false when the condition failed. */
export async function deleteItemIf(client: DynamoDBClient, tableName: string, key: OpsItem, condition: Condition, signal?: AbortSignal): Promise<boolean> {
  try {
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: key, ...conditionParams(condition) }), opts(signal));
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/**
 * One TransactWriteItems: a new item (its key must not exist) and the delete of another under a
 * condition, both or neither. False when the delete's condition failed (nothing was written); a
 * failed condition on the new item, or any other refusal, throws. The client request token makes
 * the SDK's retries of the same call idempotent.
 */
export async function putNewItemAndDeleteIf(
  client: DynamoDBClient,
  tableName: string,
  item: OpsItem,
  deleteKey: OpsItem,
  condition: Condition,
  clientRequestToken: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(
      new TransactWriteItemsCommand({
        ClientRequestToken: clientRequestToken,
        TransactItems: [
          { Put: { TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
          { Delete: { TableName: tableName, Key: deleteKey, ...conditionParams(condition) } },
        ],
      }),
      opts(signal),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed" && error.CancellationReasons[0]?.Code !== "ConditionalCheckFailed") return false;
    throw error;
  }
}

/** A strongly consistent GetItem; undefined when absent. */
export async function getItemConsistent(client: DynamoDBClient, tableName: string, key: OpsItem, signal?: AbortSignal): Promise<OpsItem | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }), opts(signal));
  return out.Item;
}

/**
 * One page of the items of a partition whose sort key starts with a prefix, newest (highest) first.
 * `limit` counts the items the page reads; with `only`, those of them whose string attribute holds
 * one of the values come back (DynamoDB filters after the limit, so a page may bring fewer, or none,
 * and still have a next key).
 */
export async function queryPrefixNewestFirst(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  skPrefix: string,
  page: {
    limit: number;
    startKey?: OpsItem;
    only?: { attribute: string; values: readonly string[] };
    /** Bring back only these attributes of each item (a ProjectionExpression); every attribute without it. */
    attributes?: readonly string[];
  },
  signal?: AbortSignal,
): Promise<{ items: OpsItem[]; nextKey: OpsItem | undefined }> {
  const { only, attributes } = page;
  const names = {
    ...(only ? { "#only": only.attribute } : {}),
    ...Object.fromEntries((attributes ?? []).map((name, i) => [`#a${i}`, name])),
  };
  const out = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: {
        ":pk": { S: pk },
        ":prefix": { S: skPrefix },
        ...Object.fromEntries((only?.values ?? []).map((value, i) => [`:only${i}`, { S: value }])),
      },
      ...(only ? { FilterExpression: `#only IN (${only.values.map((_, i) => `:only${i}`).join(", ")})` } : {}),
      ...(attributes ? { ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(", ") } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: page.limit,
      ...(page.startKey ? { ExclusiveStartKey: page.startKey } : {}),
    }),
    opts(signal),
  );
  return { items: out.Items ?? [], nextKey: out.LastEvaluatedKey };
}
