import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beatFromItem, beatItem, itemNumber, sessionFromItems, type BeatRecord, type LoadResult, type StorySession } from "@noveli/providers/story-item";
import { awsClientConfig } from "./aws-clients.js";
import { quotaExpiresAt, quotaKey, type ConsumeResult, type QuotaLedger } from "./quota.js";
import type { Tracer } from "./tracing.js";

/**
 * Story sessions in the `story_sessions` table; the item format of a beat, the key schema and the
 * codec are the shared package's (@noveli/providers/story-item), which the CLI's rehearsal seeding
 * uses too.
 *
 * Writing beat N+1 is a conditional put (`attribute_not_exists`), so two choices racing for the
 * same step collide on the same key: exactly one write succeeds, the other is told "conflict". A
 * writer always reads the whole session (strongly consistent) first and writes the step after the
 * last one it saw, so beats can be neither lost, duplicated nor reordered.
 *
 * The daily beat quota counts in the same table, one item per user and UTC day:
 * `session_id = "quota#<sub>"`, `timestamp = <days since the epoch>`, `beats` N, `expires_at`.
 * It names the user in `user_sub`, never `user_id`, so it stays out of `UserStoryIndex`.
 */

/** `existing` is the beat already stored at that step, when DynamoDB returned it. */
export type WriteResult = { kind: "written" } | { kind: "conflict"; existing?: BeatRecord };

export interface SessionStore {
  /** Every beat of a session, strongly consistent. */
  load(sessionId: string): Promise<LoadResult>;
  /** Writes beat `beat.step` of the session; a beat already stored at that step is a conflict. */
  write(session: Omit<StorySession, "beats">, beat: BeatRecord): Promise<WriteResult>;
  /** A cheap read proving the table answers (deep health check); throws when it does not. */
  ping(signal?: AbortSignal): Promise<void>;
}

/** DynamoDB (or the network to it) failed; the request may be retried. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
  }
}

type Item = Record<string, AttributeValue>;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

// ---------------------------------------------------------------- DynamoDB store

export interface DynamoStoreOptions {
  tableName: string;
  env: Record<string, string | undefined>;
  tracer?: () => Tracer | undefined;
  /** Test seam: a client to use instead of one built from `env`. */
  client?: DynamoDBClient;
}

/** The health probe's hash key: no session has it (session ids are UUIDs). */
export const HEALTH_PROBE_KEY = "noveli-health-probe";

/** Client settings for the table: short timeouts and few retries, so a request fails fast. */
export function dynamoClientConfig(env: Record<string, string | undefined>): Record<string, unknown> {
  return { ...awsClientConfig(env, "AWS_ENDPOINT_URL_DYNAMODB"), requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } };
}

type DynamoSdk = typeof import("@aws-sdk/client-dynamodb");

/** The story table as the handler uses it: the sessions, and the daily beat quota's counters beside them. */
export type StoryTable = SessionStore & QuotaLedger;

export function createDynamoSessionStore(options: DynamoStoreOptions): StoryTable {
  const { tableName } = options;
  // Loaded on first use, so a cold start that only answers /health never loads the SDK.
  let loaded: Promise<{ sdk: DynamoSdk; client: DynamoDBClient }> | undefined;
  const dynamo = () =>
    (loaded ??= import("@aws-sdk/client-dynamodb").then((sdk) => ({
      sdk,
      client: options.client ?? new sdk.DynamoDBClient(dynamoClientConfig(options.env)),
    })).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
  const span = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const tracer = options.tracer?.();
    return tracer ? tracer.span(name, work, { namespace: "aws", annotations: { table: tableName } }) : work();
  };

  return {
    async load(sessionId) {
      const { sdk, client } = await dynamo();
      const items: Item[] = [];
      let startKey: Item | undefined;
      try {
        await span("DynamoDB.Query", async () => {
          do {
            const page = await client.send(
              new sdk.QueryCommand({
                TableName: tableName,
                KeyConditionExpression: "session_id = :id",
                ExpressionAttributeValues: { ":id": S(sessionId) },
                ConsistentRead: true,
                ...(startKey ? { ExclusiveStartKey: startKey } : {}),
              }),
            );
            items.push(...(page.Items ?? []));
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        });
      } catch (error) {
        throw new StorageError(`reading the session failed: ${describe(error)}`, { cause: error });
      }
      return sessionFromItems(sessionId, items);
    },

    async write(session, beat) {
      const { sdk, client } = await dynamo();
      try {
        await span("DynamoDB.PutItem", () =>
          client.send(
            new sdk.PutItemCommand({
              TableName: tableName,
              Item: beatItem(session, beat),
              ConditionExpression: "attribute_not_exists(session_id)",
              // On a conflict, say who holds the step: it may be this very request, whose first
              // attempt was written but whose answer was lost before the SDK retried.
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
        return { kind: "written" };
      } catch (error) {
        if (error instanceof sdk.ConditionalCheckFailedException || (error as { name?: string })?.name === "ConditionalCheckFailedException") {
          const item = (error as { Item?: Item }).Item;
          const existing = item ? beatFromItem(item) : undefined;
          return existing ? { kind: "conflict", existing } : { kind: "conflict" };
        }
        throw new StorageError(`writing the beat failed: ${describe(error)}`, { cause: error });
      }
    },

    async ping(signal) {
      const { sdk, client } = await dynamo();
      try {
        await span("DynamoDB.Query", () =>
          client.send(
            new sdk.QueryCommand({
              TableName: tableName,
              KeyConditionExpression: "session_id = :id",
              ExpressionAttributeValues: { ":id": S(HEALTH_PROBE_KEY) },
              Limit: 1,
            }),
            signal ? { abortSignal: signal } : {},
          ),
        );
      } catch (error) {
        throw new StorageError(`the table ${tableName} does not answer: ${describe(error)}`, { cause: error });
      }
    },

    async consume(userId, day, limit): Promise<ConsumeResult> {
      const { sdk, client } = await dynamo();
      const key = quotaKey(userId, day);
      try {
        // One atomic conditional update: concurrent requests of one user cannot both take the last beat.
        const updated = await span("DynamoDB.UpdateItem", () =>
          client.send(
            new sdk.UpdateItemCommand({
              TableName: tableName,
              Key: { session_id: S(key.sessionId), timestamp: N(key.timestamp) },
              UpdateExpression: "SET expires_at = :expires, user_sub = :user ADD beats :one",
              ConditionExpression: "attribute_not_exists(beats) OR beats < :limit",
              ExpressionAttributeValues: { ":one": N(1), ":limit": N(limit), ":expires": N(quotaExpiresAt(day)), ":user": S(userId) },
              ReturnValues: "UPDATED_NEW",
            }),
          ),
        );
        return { kind: "granted", used: itemNumber(updated.Attributes ?? {}, "beats") ?? 1 };
      } catch (error) {
        if (error instanceof sdk.ConditionalCheckFailedException || (error as { name?: string })?.name === "ConditionalCheckFailedException") return { kind: "exhausted" };
        throw new StorageError(`counting the daily beat quota failed: ${describe(error)}`, { cause: error });
      }
    },

    async release(userId, day) {
      const { sdk, client } = await dynamo();
      const key = quotaKey(userId, day);
      try {
        await span("DynamoDB.UpdateItem", () =>
          client.send(
            new sdk.UpdateItemCommand({
              TableName: tableName,
              Key: { session_id: S(key.sessionId), timestamp: N(key.timestamp) },
              UpdateExpression: "ADD beats :minusOne",
              ConditionExpression: "beats > :zero",
              ExpressionAttributeValues: { ":minusOne": N(-1), ":zero": N(0) },
            }),
          ),
        );
      } catch (error) {
        if (error instanceof sdk.ConditionalCheckFailedException || (error as { name?: string })?.name === "ConditionalCheckFailedException") return;
        throw new StorageError(`giving back a beat of the daily quota failed: ${describe(error)}`, { cause: error });
      }
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
