import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  ListBackupsCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  DynamoDBClient,
  type AttributeValue,
  type ScanCommandOutput,
  type BackupSummary,
  type ContinuousBackupsDescription,
  type TableDescription,
  type Tag,
  type TimeToLiveDescription,
} from "@aws-sdk/client-dynamodb";
import { OperationError } from "../errors.js";
import { sleep } from "../core/clock.js";

export { DynamoDBClient };
export type { AttributeValue, BackupSummary, ContinuousBackupsDescription, TableDescription, Tag, TimeToLiveDescription };

/**
 * DynamoDB calls on application tables (the story table, the drill's scratch tables), one small
 * named function each. No decisions here: callers decide what a missing table or an in-use error
 * means. noveli's own operations table has its calls in ops-table.ts.
 */

export type Item = Record<string, AttributeValue>;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === "ResourceNotFoundException" || name === "TableNotFoundException";
}

/** DescribeTable; null when the table does not exist. */
export async function describeTable(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<TableDescription | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal });
    return out.Table ?? null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export async function describeContinuousBackups(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<ContinuousBackupsDescription | undefined> {
  const out = await client.send(new DescribeContinuousBackupsCommand({ TableName: tableName }), { abortSignal: signal });
  return out.ContinuousBackupsDescription;
}

export async function describeTimeToLive(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<TimeToLiveDescription | undefined> {
  const out = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }), { abortSignal: signal });
  return out.TimeToLiveDescription;
}

export async function listTagsOfResource(client: DynamoDBClient, resourceArn: string, signal?: AbortSignal): Promise<Tag[]> {
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(new ListTagsOfResourceCommand({ ResourceArn: resourceArn, NextToken: nextToken }), { abortSignal: signal });
    tags.push(...(out.Tags ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return tags;
}

/** Every on-demand and AWS Backup backup of a table, all pages. */
export async function listBackups(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<BackupSummary[]> {
  const backups: BackupSummary[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListBackupsCommand({ TableName: tableName, BackupType: "ALL", ExclusiveStartBackupArn: start }), { abortSignal: signal });
    backups.push(...(out.BackupSummaries ?? []));
    start = out.LastEvaluatedBackupArn;
  } while (start);
  return backups;
}

export async function restoreTableToPointInTime(
  client: DynamoDBClient,
  request: { sourceTable: string; targetTable: string },
  signal?: AbortSignal,
): Promise<TableDescription | undefined> {
  const out = await client.send(
    new RestoreTableToPointInTimeCommand({ SourceTableName: request.sourceTable, TargetTableName: request.targetTable, UseLatestRestorableTime: true }),
    { abortSignal: signal },
  );
  return out.TableDescription;
}

export async function restoreTableFromBackup(
  client: DynamoDBClient,
  request: { backupArn: string; targetTable: string },
  signal?: AbortSignal,
): Promise<TableDescription | undefined> {
  const out = await client.send(new RestoreTableFromBackupCommand({ BackupArn: request.backupArn, TargetTableName: request.targetTable }), { abortSignal: signal });
  return out.TableDescription;
}

/** Whether a described table is ready to read: ACTIVE, every index ACTIVE, no restore in progress. */
export function tableReady(table: TableDescription): boolean {
  return (
    table.TableStatus === "ACTIVE" &&
    (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === undefined || i.IndexStatus === "ACTIVE") &&
    table.RestoreSummary?.RestoreInProgress !== true
  );
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** First poll interval; doubles up to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
  onPoll?: (table: TableDescription | null, elapsedMs: number) => void;
}

/** Polls DescribeTable until the table is ready to read. */
export async function waitForTableActive(client: DynamoDBClient, tableName: string, options: WaitOptions): Promise<TableDescription> {
  const started = Date.now();
  let interval = options.pollMs ?? 250;
  for (;;) {
    const table = await describeTable(client, tableName, options.signal);
    options.onPoll?.(table, Date.now() - started);
    if (table && tableReady(table)) return table;
    if (table && (table.TableStatus === "DELETING" || table.TableStatus === "INACCESSIBLE_ENCRYPTION_CREDENTIALS")) {
      throw new OperationError("drill-restore", `restored table ${tableName} went ${table.TableStatus} instead of ACTIVE`);
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new OperationError("drill-timeout", `restored table ${tableName} was not ACTIVE after ${Math.round(options.timeoutMs / 60_000)} minutes (status ${table?.TableStatus ?? "absent"})`);
    }
    await sleep(interval, options.signal);
    interval = Math.min(interval * 2, options.maxPollMs ?? 10_000);
  }
}

export type DeleteTableResult = "deleting" | "absent" | "in-use";

/** DeleteTable. "in-use" while the table is still CREATING or UPDATING (DynamoDB refuses then). */
export async function deleteTable(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<DeleteTableResult> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }), { abortSignal: signal });
    return "deleting";
  } catch (error) {
    if (isNotFound(error)) return "absent";
    if (errorName(error) === "ResourceInUseException") return "in-use";
    throw error;
  }
}

export async function putSentinel(client: DynamoDBClient, tableName: string, item: Item, signal?: AbortSignal): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }), { abortSignal: signal });
}

/** GetItem with a strongly consistent read; undefined when absent. */
export async function getItemConsistent(client: DynamoDBClient, tableName: string, key: Item, signal?: AbortSignal): Promise<Item | undefined> {
  const out = await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }), { abortSignal: signal });
  return out.Item;
}

export async function deleteSentinel(client: DynamoDBClient, tableName: string, key: Item, signal?: AbortSignal): Promise<void> {
  await client.send(new DeleteItemCommand({ TableName: tableName, Key: key }), { abortSignal: signal });
}

/** Every table name in the account and region, all pages. */
export async function listTables(client: DynamoDBClient, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }), { abortSignal: signal });
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start);
  return names;
}

export interface ScanSegmentRequest {
  tableName: string;
  segment: number;
  totalSegments: number;
  consistentRead: boolean;
  /** Items per page (Scan `Limit`); undefined: DynamoDB's 1 MB pages. */
  pageItems?: number;
  signal?: AbortSignal;
}

/**
 * One parallel-scan segment, page by page (LastEvaluatedKey pagination). The next page is
 * requested as soon as a page arrives, before the caller processes it, so the caller's work
 * overlaps DynamoDB's instead of adding to it.
 */
export async function* scanSegment(client: DynamoDBClient, request: ScanSegmentRequest): AsyncGenerator<Item[]> {
  const page = (start: Item | undefined): Promise<ScanCommandOutput> => {
    const pending = client.send(
      new ScanCommand({
        TableName: request.tableName,
        Segment: request.segment,
        TotalSegments: request.totalSegments,
        ConsistentRead: request.consistentRead,
        ExclusiveStartKey: start,
        ...(request.pageItems !== undefined ? { Limit: request.pageItems } : {}),
      }),
      { abortSignal: request.signal },
    );
    // A prefetched page nobody awaits (the caller stopped early) must not become an unhandled rejection.
    pending.catch(() => undefined);
    return pending;
  };
  let next: Promise<ScanCommandOutput> | undefined = page(undefined);
  while (next) {
    const out: ScanCommandOutput = await next;
    next = out.LastEvaluatedKey ? page(out.LastEvaluatedKey) : undefined;
    yield out.Items ?? [];
  }
}

/** Scan with Limit 1: whether the table answers a read. Returns the number of items seen (0 or 1). */
export async function scanOneItem(client: DynamoDBClient, tableName: string, signal?: AbortSignal): Promise<number> {
  const out = await client.send(new ScanCommand({ TableName: tableName, Limit: 1 }), { abortSignal: signal });
  return out.Items?.length ?? 0;
}

/** The items of a table whose string hash key starts with `prefix`: their keys and the listed attributes, every page. */
export async function scanItemsWithKeyPrefix(
  client: DynamoDBClient,
  request: { tableName: string; hashKey: string; rangeKey: string | null; prefix: string; attributes: string[]; signal?: AbortSignal },
): Promise<Record<string, AttributeValue>[]> {
  const names: Record<string, string> = { "#h": request.hashKey };
  if (request.rangeKey) names["#r"] = request.rangeKey;
  request.attributes.forEach((attribute, i) => (names[`#a${i}`] = attribute));
  const projection = Object.keys(names).join(", ");
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: request.tableName,
        FilterExpression: "begins_with(#h, :prefix)",
        ProjectionExpression: projection,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":prefix": { S: request.prefix } },
        ExclusiveStartKey: start,
      }),
      request.signal ? { abortSignal: request.signal } : {},
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * BatchWriteItem of puts, 25 items per call, each call's unprocessed items sent again (at most 8
 * more times, then an error): the items land whatever DynamoDB throttles.
 */
export async function batchPutItems(client: DynamoDBClient, tableName: string, items: readonly Item[], signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB kept ${pending.length} items unprocessed`);
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }), { abortSignal: signal });
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}
