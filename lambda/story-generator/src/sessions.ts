import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TokenUsage } from "@noveli/providers";
import { awsClientConfig } from "./aws-clients.js";
import { quotaExpiresAt, quotaKey, type ConsumeResult, type QuotaLedger } from "./quota.js";
import type { Tracer } from "./tracing.js";

/**
 * Story sessions in the `story_sessions` table (hash `session_id` S, range `timestamp` N,
 * GSI `UserStoryIndex` on `user_id`/`timestamp`, TTL `expires_at`).
 *
 * Every beat is its own item, written once and never updated. A beat's sort key is deterministic:
 * `timestamp = startedAt + step`, where `startedAt` is the epoch-millisecond start of the session
 * (the sort key of beat 0). Writing beat N+1 is a conditional put (`attribute_not_exists`), so
 * two choices racing for the same step collide on the same key: exactly one write succeeds, the
 * other is told "conflict". A writer always reads the whole session (strongly consistent) first
 * and writes the step after the last one it saw, so beats can be neither lost, duplicated nor
 * reordered. The true write time of each beat is `written_at` (epoch ms) and `created_at` (ISO).
 *
 * Only beat 0 carries `user_id`, so `UserStoryIndex` is a sparse index of each user's stories
 * (newest first by start time), not of every beat. All beats of a session share one `expires_at`,
 * so TTL removes a story as a whole rather than its beginning first.
 *
 * The daily beat quota counts in the same table, one item per user and UTC day:
 * `session_id = "quota#<sub>"`, `timestamp = <days since the epoch>`, `beats` N, `expires_at`.
 * It names the user in `user_sub`, never `user_id`, so it stays out of `UserStoryIndex`.
 */

export const ITEM_SCHEMA_VERSION = 1;

/** One beat as stored. */
export interface BeatRecord {
  step: number;
  text: string;
  choices: string[];
  /** The choice (index into the previous beat's choices) that led to this beat; absent for beat 0. */
  choice?: number;
  choiceText?: string;
  provider: string;
  model: string;
  tokens: TokenUsage;
  /** USD, null when the model is unpriced. */
  costUsd: number | null;
  latencyMs: number;
  /** Epoch ms when the beat was written. */
  writtenAt: number;
  /** The Lambda request (or event) that wrote it. */
  requestId?: string;
}

export interface StorySession {
  sessionId: string;
  userId: string;
  prompt: string;
  genre?: string;
  /** Epoch ms; the sort key of beat N is startedAt + N. */
  startedAt: number;
  /** Epoch seconds (the TTL attribute), the same on every beat. */
  expiresAt: number;
  /** Ordered by step, contiguous from 0. */
  beats: BeatRecord[];
}

/** `existing` is the beat already stored at that step, when DynamoDB returned it. */
export type WriteResult = { kind: "written" } | { kind: "conflict"; existing?: BeatRecord };

export type LoadResult =
  | { kind: "found"; session: StorySession }
  | { kind: "missing" }
  /** Items exist but do not form a whole story (TTL removed some, or someone edited the table). userId when beat 0 still names it. */
  | { kind: "incomplete"; reason: string; userId?: string };

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

// ---------------------------------------------------------------- item codec (pure)

type Item = Record<string, AttributeValue>;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

/** Pure: the item for one beat of a session. */
export function beatItem(session: Omit<StorySession, "beats">, beat: BeatRecord): Item {
  const item: Item = {
    session_id: S(session.sessionId),
    timestamp: N(session.startedAt + beat.step),
    step: N(beat.step),
    text: S(beat.text),
    choices: { L: beat.choices.map(S) },
    provider: S(beat.provider),
    model: S(beat.model),
    tokens_input: N(beat.tokens.input),
    tokens_output: N(beat.tokens.output),
    tokens_cached: N(beat.tokens.cached),
    tokens_cache_write: N(beat.tokens.cacheWrite ?? 0),
    cost_usd: beat.costUsd === null ? { NULL: true } : N(beat.costUsd),
    latency_ms: N(Math.round(beat.latencyMs)),
    written_at: N(beat.writtenAt),
    created_at: S(new Date(beat.writtenAt).toISOString()),
    expires_at: N(session.expiresAt),
    schema_version: N(ITEM_SCHEMA_VERSION),
  };
  if (beat.step === 0) {
    item.user_id = S(session.userId);
    item.prompt = S(session.prompt);
    if (session.genre !== undefined) item.genre = S(session.genre);
  } else {
    if (beat.choice !== undefined) item.choice = N(beat.choice);
    if (beat.choiceText !== undefined) item.choice_text = S(beat.choiceText);
  }
  if (beat.requestId !== undefined) item.request_id = S(beat.requestId);
  return item;
}

const str = (item: Item, name: string): string | undefined => {
  const value = item[name];
  return value && "S" in value && typeof value.S === "string" ? value.S : undefined;
};
const num = (item: Item, name: string): number | undefined => {
  const value = item[name];
  if (!value || !("N" in value) || typeof value.N !== "string") return undefined;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
};
const strList = (item: Item, name: string): string[] | undefined => {
  const value = item[name];
  if (!value || !("L" in value) || !Array.isArray(value.L)) return undefined;
  const out: string[] = [];
  for (const entry of value.L) {
    if (!entry || !("S" in entry) || typeof entry.S !== "string") return undefined;
    out.push(entry.S);
  }
  return out;
};

function beatFromItem(item: Item): BeatRecord | undefined {
  const step = num(item, "step");
  const text = str(item, "text");
  const choices = strList(item, "choices");
  if (step === undefined || text === undefined || choices === undefined) return undefined;
  const cost = item.cost_usd;
  const beat: BeatRecord = {
    step,
    text,
    choices,
    provider: str(item, "provider") ?? "unknown",
    model: str(item, "model") ?? "unknown",
    tokens: {
      input: num(item, "tokens_input") ?? 0,
      output: num(item, "tokens_output") ?? 0,
      cached: num(item, "tokens_cached") ?? 0,
      cacheWrite: num(item, "tokens_cache_write") ?? 0,
    },
    costUsd: cost && "N" in cost ? (num(item, "cost_usd") ?? null) : null,
    latencyMs: num(item, "latency_ms") ?? 0,
    writtenAt: num(item, "written_at") ?? 0,
  };
  const choice = num(item, "choice");
  if (choice !== undefined) beat.choice = choice;
  const choiceText = str(item, "choice_text");
  if (choiceText !== undefined) beat.choiceText = choiceText;
  const requestId = str(item, "request_id");
  if (requestId !== undefined) beat.requestId = requestId;
  return beat;
}

/** Pure: a session from its items (any order), checking that they form a whole story. */
export function sessionFromItems(sessionId: string, items: Item[]): LoadResult {
  if (items.length === 0) return { kind: "missing" };
  const beats: BeatRecord[] = [];
  for (const item of items) {
    const beat = beatFromItem(item);
    if (!beat) return { kind: "incomplete", reason: "an item of the session is not a beat" };
    beats.push(beat);
  }
  beats.sort((a, b) => a.step - b.step);
  const first = items.find((item) => num(item, "step") === 0);
  if (!first) return { kind: "incomplete", reason: "the first beat is gone" };
  const userId = str(first, "user_id");
  const owner = userId !== undefined ? { userId } : {};
  for (let i = 0; i < beats.length; i++) {
    if ((beats[i] as BeatRecord).step !== i) return { kind: "incomplete", reason: `beat ${i} is missing`, ...owner };
  }
  const prompt = str(first, "prompt");
  const startedAt = num(first, "timestamp");
  const expiresAt = num(first, "expires_at");
  if (userId === undefined || prompt === undefined || startedAt === undefined || expiresAt === undefined) {
    return { kind: "incomplete", reason: "the first beat lacks the session's fields", ...owner };
  }
  const genre = str(first, "genre");
  return { kind: "found", session: { sessionId, userId, prompt, ...(genre !== undefined ? { genre } : {}), startedAt, expiresAt, beats } };
}

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
        return { kind: "granted", used: num(updated.Attributes ?? {}, "beats") ?? 1 };
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
