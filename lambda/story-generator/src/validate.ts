import { isRecord } from "./aws-events.js";
import { ApiError, badRequest } from "./http.js";

/**
 * Input validation: every field a client sends is checked here, before any side effect, and
 * every rejection is a 4xx ApiError with a stable code. Pure functions, unit-tested.
 */

export interface Limits {
  /** Largest request body accepted, in bytes after base64 decoding. Default 16 KiB. */
  maxBodyBytes: number;
  /** Longest premise, in Unicode code points. Default 2000. */
  maxPromptChars: number;
  /** Longest genre, in code points. Default 64. */
  maxGenreChars: number;
  /** Longest user id, in code points. Default 128. */
  maxUserIdChars: number;
  /** Beats per story; a choice past the last one is refused with 409 story-complete. Default 100. */
  maxSteps: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 16 * 1024,
  maxPromptChars: 2_000,
  maxGenreChars: 64,
  maxUserIdChars: 128,
  maxSteps: 100,
});

export interface StartStoryInput {
  prompt: string;
  genre?: string;
  userId: string;
}

export interface ChoiceInput {
  /** 0-based index into the latest beat's choices. */
  choice: number;
  /** The step of the beat being answered; when given, a stale view is refused with 409 at once. */
  step?: number;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LONE_SURROGATE = /\p{Cs}/u;
// Control characters other than tab, newline and carriage return.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const USER_ID = /^[^\s\u0000-\u001f\u007f]+$/u;

const codePoints = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

/** Decodes and parses a JSON object body, refusing oversized, non-UTF-8, non-JSON and non-object bodies. */
export function parseJsonBody(body: string | null | undefined, isBase64Encoded: boolean | undefined, limits: Limits): Record<string, unknown> {
  if (body === null || body === undefined || body === "") throw badRequest("missing-body", "the request needs a JSON object body");
  if (typeof body !== "string") throw badRequest("invalid-body", "the request body must be a string");
  let bytes: Buffer;
  if (isBase64Encoded === true) {
    if (body.length > Math.ceil((limits.maxBodyBytes * 4) / 3) + 4) throw tooLarge(limits);
    bytes = Buffer.from(body, "base64");
  } else {
    if (body.length > limits.maxBodyBytes) throw tooLarge(limits);
    bytes = Buffer.from(body, "utf8");
  }
  if (bytes.length > limits.maxBodyBytes) throw tooLarge(limits);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("invalid-encoding", "the request body is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("invalid-json", "the request body is not valid JSON");
  }
  if (!isRecord(parsed)) throw badRequest("invalid-body", "the request body must be a JSON object");
  return parsed;
}

function tooLarge(limits: Limits): ApiError {
  return new ApiError(413, "body-too-large", `the request body is larger than ${limits.maxBodyBytes} bytes`);
}

function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw badRequest("unknown-field", `unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}`, {
      allowed: [...allowed],
    });
  }
}

function text(value: unknown, field: string, maxChars: number, options: { multiline: boolean }): string {
  if (typeof value !== "string") throw badRequest("invalid-field", `${field} must be a string`, { field });
  const trimmed = value.trim();
  if (trimmed === "") throw badRequest("invalid-field", `${field} must not be empty`, { field });
  if (LONE_SURROGATE.test(trimmed)) throw badRequest("invalid-field", `${field} is not valid Unicode text`, { field });
  if (options.multiline ? CONTROL.test(trimmed) : /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw badRequest("invalid-field", `${field} contains control characters`, { field });
  }
  const length = codePoints(trimmed);
  if (length > maxChars) {
    throw badRequest(`${field.toLowerCase()}-too-long`, `${field} is ${length} characters; the limit is ${maxChars}`, { field, length, limit: maxChars });
  }
  return trimmed;
}

/** What a story starts from: the premise and an optional genre. */
export type StoryPremise = Omit<StartStoryInput, "userId">;

function premise(body: Record<string, unknown>, limits: Limits): StoryPremise {
  if (body.prompt === undefined) throw badRequest("missing-field", "prompt is required", { field: "prompt" });
  const input: StoryPremise = { prompt: text(body.prompt, "prompt", limits.maxPromptChars, { multiline: true }) };
  if (body.genre !== undefined && body.genre !== null) input.genre = text(body.genre, "genre", limits.maxGenreChars, { multiline: false });
  return input;
}

/**
 * `POST /stories`: `{ prompt, genre? }`. The story belongs to the verified caller; a `userId` in
 * the body is refused outright, so no request chooses whose story it writes.
 */
export function validateStoryRequest(body: Record<string, unknown>, limits: Limits): StoryPremise {
  if (Object.hasOwn(body, "userId")) {
    throw badRequest("user-id-not-allowed", "userId is not accepted: a story belongs to the signed-in user", { field: "userId" });
  }
  rejectUnknownFields(body, ["prompt", "genre"]);
  return premise(body, limits);
}

/** The `Story Generation Requested` event from a trusted producer: `{ prompt, genre?, userId }`. */
export function validateStartStory(body: Record<string, unknown>, limits: Limits, extraFields: readonly string[] = []): StartStoryInput {
  rejectUnknownFields(body, ["prompt", "genre", "userId", ...extraFields]);
  if (body.prompt === undefined) throw badRequest("missing-field", "prompt is required", { field: "prompt" });
  if (body.userId === undefined) throw badRequest("missing-field", "userId is required", { field: "userId" });
  const { prompt, genre } = premise(body, limits);
  const userId = text(body.userId, "userId", limits.maxUserIdChars, { multiline: false });
  if (!USER_ID.test(userId)) throw badRequest("invalid-field", "userId must not contain whitespace", { field: "userId" });
  return { prompt, userId, ...(genre !== undefined ? { genre } : {}) };
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest("invalid-field", `${field} must be a non-negative integer`, { field });
  }
  return value;
}

/** `POST /stories/{id}/choices` and the `User Choice Made` event: `{ choice, step? }`. */
export function validateChoice(body: Record<string, unknown>, extraFields: readonly string[] = []): ChoiceInput {
  rejectUnknownFields(body, ["choice", "step", ...extraFields]);
  if (body.choice === undefined) throw badRequest("missing-field", "choice is required (0-based index into the latest beat's choices)", { field: "choice" });
  const input: ChoiceInput = { choice: nonNegativeInteger(body.choice, "choice") };
  if (body.step !== undefined && body.step !== null) input.step = nonNegativeInteger(body.step, "step");
  return input;
}

/** Session ids are lowercase UUIDs; anything else cannot name a session. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && SESSION_ID.test(value);
}
