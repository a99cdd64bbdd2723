import type { TokenUsage } from "./types.js";

/**
 * The story table's schema and the item format of one beat, shared by the story-generator Lambda
 * (which writes and reads them) and the CLI (whose rehearsal seeds sample stories in exactly this
 * format, and whose tests create the table with this key schema). Plain data and pure functions:
 * no SDK import, so the CLI and the Lambda each bring their own DynamoDB client.
 *
 * Story sessions live in the `story_sessions` table (hash `session_id` S, range `timestamp` N,
 * GSI `UserStoryIndex` on `user_id`/`timestamp`, TTL `expires_at`), as terraform/modules/noveli
 * creates it.
 *
 * Every beat is its own item, written once and never updated. A beat's sort key is deterministic:
 * `timestamp = startedAt + step`, where `startedAt` is the epoch-millisecond start of the session
 * (the sort key of beat 0). The true write time of each beat is `written_at` (epoch ms) and
 * `created_at` (ISO).
 *
 * Only beat 0 carries `user_id`, so `UserStoryIndex` is a sparse index of each user's stories
 * (newest first by start time), not of every beat. All beats of a session share one `expires_at`,
 * so TTL removes a story as a whole rather than its beginning first.
 */

export const ITEM_SCHEMA_VERSION = 1;

/** The attribute names of the table's keys, its index and its TTL. */
export const STORY_TABLE_KEYS = {
  hash: "session_id",
  range: "timestamp",
  userIndex: "UserStoryIndex",
  user: "user_id",
  ttl: "expires_at",
} as const;

export interface KeyElement {
  AttributeName: string;
  KeyType: "HASH" | "RANGE";
}

/** The table's key schema in the shape of DynamoDB's CreateTable (and DescribeTable) fields. */
export interface StoryTableSchema {
  AttributeDefinitions: { AttributeName: string; AttributeType: "S" | "N" }[];
  KeySchema: KeyElement[];
  GlobalSecondaryIndexes: { IndexName: string; KeySchema: KeyElement[]; Projection: { ProjectionType: "ALL" } }[];
}

/**
 * The key schema Terraform declares in terraform/modules/noveli, as a fresh object for a
 * CreateTable call (or a DescribeTable fixture). The TTL on `expires_at` is set apart (UpdateTimeToLive).
 */
export function storyTableSchema(): StoryTableSchema {
  const { hash, range, user, userIndex } = STORY_TABLE_KEYS;
  return {
    AttributeDefinitions: [
      { AttributeName: hash, AttributeType: "S" },
      { AttributeName: range, AttributeType: "N" },
      { AttributeName: user, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: hash, KeyType: "HASH" },
      { AttributeName: range, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: userIndex,
        KeySchema: [
          { AttributeName: user, KeyType: "HASH" },
          { AttributeName: range, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

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

/** What a session's items decode to. */
export type LoadResult =
  | { kind: "found"; session: StorySession }
  | { kind: "missing" }
  /** Items exist but do not form a whole story (TTL removed some, or someone edited the table). userId when beat 0 still names it. */
  | { kind: "incomplete"; reason: string; userId?: string };

/** A DynamoDB attribute value as this module writes it (a subset of the SDK's AttributeValue). */
export type StoredAttribute = { S: string } | { N: string } | { L: StoredAttribute[] } | { NULL: true };
/** An item as this module writes it. */
export type StoredItem = Record<string, StoredAttribute>;
/** An item as DynamoDB returns it (the SDK's AttributeValue members are objects): read defensively. */
export type ReadItem = Readonly<Record<string, object | undefined>>;

const S = (value: string): StoredAttribute => ({ S: value });
const N = (value: number): StoredAttribute => ({ N: String(value) });

/** Pure: the item for one beat of a session. */
export function beatItem(session: Omit<StorySession, "beats">, beat: BeatRecord): StoredItem {
  const item: StoredItem = {
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

/** A string attribute of an item, undefined when absent or not a string. */
export function itemString(item: ReadItem, name: string): string | undefined {
  const value = item[name];
  return value && "S" in value && typeof value.S === "string" ? value.S : undefined;
}

/** A number attribute of an item, undefined when absent or not a finite number. */
export function itemNumber(item: ReadItem, name: string): number | undefined {
  const value = item[name];
  if (!value || !("N" in value) || typeof value.N !== "string") return undefined;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function itemStringList(item: ReadItem, name: string): string[] | undefined {
  const value = item[name];
  if (!value || !("L" in value) || !Array.isArray(value.L)) return undefined;
  const out: string[] = [];
  for (const entry of value.L as unknown[]) {
    if (!entry || typeof entry !== "object" || !("S" in entry) || typeof entry.S !== "string") return undefined;
    out.push(entry.S);
  }
  return out;
}

/** Pure: the beat an item holds, undefined when it is no beat. */
export function beatFromItem(item: ReadItem): BeatRecord | undefined {
  const step = itemNumber(item, "step");
  const text = itemString(item, "text");
  const choices = itemStringList(item, "choices");
  if (step === undefined || text === undefined || choices === undefined) return undefined;
  const cost = item.cost_usd;
  const beat: BeatRecord = {
    step,
    text,
    choices,
    provider: itemString(item, "provider") ?? "unknown",
    model: itemString(item, "model") ?? "unknown",
    tokens: {
      input: itemNumber(item, "tokens_input") ?? 0,
      output: itemNumber(item, "tokens_output") ?? 0,
      cached: itemNumber(item, "tokens_cached") ?? 0,
      cacheWrite: itemNumber(item, "tokens_cache_write") ?? 0,
    },
    costUsd: cost && "N" in cost ? (itemNumber(item, "cost_usd") ?? null) : null,
    latencyMs: itemNumber(item, "latency_ms") ?? 0,
    writtenAt: itemNumber(item, "written_at") ?? 0,
  };
  const choice = itemNumber(item, "choice");
  if (choice !== undefined) beat.choice = choice;
  const choiceText = itemString(item, "choice_text");
  if (choiceText !== undefined) beat.choiceText = choiceText;
  const requestId = itemString(item, "request_id");
  if (requestId !== undefined) beat.requestId = requestId;
  return beat;
}

/** Pure: a session from its items (any order), checking that they form a whole story. */
export function sessionFromItems(sessionId: string, items: readonly ReadItem[]): LoadResult {
  if (items.length === 0) return { kind: "missing" };
  const beats: BeatRecord[] = [];
  for (const item of items) {
    const beat = beatFromItem(item);
    if (!beat) return { kind: "incomplete", reason: "an item of the session is not a beat" };
    beats.push(beat);
  }
  beats.sort((a, b) => a.step - b.step);
  const first = items.find((item) => itemNumber(item, "step") === 0);
  if (!first) return { kind: "incomplete", reason: "the first beat is gone" };
  const userId = itemString(first, "user_id");
  const owner = userId !== undefined ? { userId } : {};
  for (let i = 0; i < beats.length; i++) {
    if ((beats[i] as BeatRecord).step !== i) return { kind: "incomplete", reason: `beat ${i} is missing`, ...owner };
  }
  const prompt = itemString(first, "prompt");
  const startedAt = itemNumber(first, "timestamp");
  const expiresAt = itemNumber(first, "expires_at");
  if (userId === undefined || prompt === undefined || startedAt === undefined || expiresAt === undefined) {
    return { kind: "incomplete", reason: "the first beat lacks the session's fields", ...owner };
  }
  const genre = itemString(first, "genre");
  return { kind: "found", session: { sessionId, userId, prompt, ...(genre !== undefined ? { genre } : {}), startedAt, expiresAt, beats } };
}
