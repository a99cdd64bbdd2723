import type { BeatRequest, StoryBeat } from "./types.js";

/**
 * What a story beat is, for every provider: the JSON schema the model must follow, the prompt that
 * asks for it, the validation of what comes back, and the repair request. Pure.
 */

export const BEAT_TOOL_NAME = "tell_story_beat";
export const BEAT_TOOL_DESCRIPTION = "Tell the next beat of the interactive story: the narrative text and the reader's choices.";

export const MIN_CHOICES = 2;
export const MAX_CHOICES = 4;

/** The longest narrative text and choice accepted (hard limits; the prompt asks for far less). */
export const MAX_TEXT_CHARS = 6000;
export const MAX_CHOICE_CHARS = 160;

/** A JSON value, as every SDK's schema parameter accepts it (no readonly arrays, no undefined). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON schema for an object: the shape each SDK's tool and structured-output parameters take. */
export interface ObjectSchema {
  type: "object";
  properties: { [name: string]: JsonValue };
  required: string[];
  additionalProperties: false;
  [keyword: string]: JsonValue;
}

/**
 * Which JSON-schema dialect a request carries:
 * - "full": every rule the schema can say (OpenAI strict json_schema; tool input schemas, which
 *   Anthropic and Bedrock accept as any JSON schema);
 * - "claude-structured": Claude's structured-output subset (Anthropic `output_config.format`,
 *   Bedrock `outputConfig.textFormat`, strict tools), which accepts `minItems` 0 or 1 and no
 *   other array, string or number constraints. The rules left out are in the descriptions and
 *   enforced by `checkBeat`.
 */
export type SchemaDialect = "full" | "claude-structured";

/** The beat's JSON schema. `text` comes first so a streamed reply delivers the narrative early. A new object per call. */
export function beatSchema(dialect: SchemaDialect): ObjectSchema {
  const choices: { [key: string]: JsonValue } = {
    type: "array",
    description: `${MIN_CHOICES} to ${MAX_CHOICES} short, distinct actions the reader can take next, each under 12 words, without numbering.`,
    items: { type: "string" },
  };
  if (dialect === "full") {
    choices.minItems = MIN_CHOICES;
    choices.maxItems = MAX_CHOICES;
  } else {
    choices.minItems = 1;
  }
  return {
    type: "object",
    properties: {
      text: {
        type: "string",
        description: "The narrative of this beat: 60 to 180 words, second person, present tense, ending at a decision point. No choices in it.",
      },
      choices,
    },
    required: ["text", "choices"],
    additionalProperties: false,
  };
}

export const DEFAULT_MAX_TOKENS = 1024;
export const MAX_PROMPT_CHARS = 4000;

const SYSTEM_PROMPT = [
  "You are the narrator of an interactive story on NOVELI.SH.",
  "Tell the story one beat at a time. A beat is 60 to 180 words of vivid narrative in the second person, present tense, that ends at a moment of decision.",
  `Then offer ${MIN_CHOICES} to ${MAX_CHOICES} short, distinct choices for what the reader does next; never put the choices inside the narrative.`,
  "Stay consistent with everything that happened so far and follow the reader's choice.",
  "Keep it suitable for a general audience.",
].join(" ");

export interface PromptMessage {
  role: "user" | "assistant";
  content: string;
}

export interface BeatPrompt {
  system: string;
  messages: PromptMessage[];
}

/** A request error found before any provider is called: it would fail everywhere. */
export function requestProblems(request: BeatRequest): string[] {
  const problems: string[] = [];
  if (typeof request.prompt !== "string" || request.prompt.trim() === "") problems.push("the prompt is empty");
  else if (request.prompt.length > MAX_PROMPT_CHARS) problems.push(`the prompt is longer than ${MAX_PROMPT_CHARS} characters`);
  if (request.genre !== undefined && (typeof request.genre !== "string" || request.genre.length > 100)) problems.push("the genre must be a name of at most 100 characters");
  if (request.maxTokens !== undefined && (!Number.isInteger(request.maxTokens) || request.maxTokens < 64 || request.maxTokens > 32_000)) {
    problems.push("maxTokens must be an integer from 64 to 32000");
  }
  // 0..1 is the range every provider accepts (Anthropic's maximum is 1).
  if (request.temperature !== undefined && (typeof request.temperature !== "number" || !(request.temperature >= 0 && request.temperature <= 1))) {
    problems.push("temperature must be a number from 0 to 1");
  }
  for (const [index, turn] of (request.history ?? []).entries()) {
    if (!turn || typeof turn.beat?.text !== "string" || !Array.isArray(turn.beat.choices)) {
      problems.push(`history[${index}] is not a beat`);
      continue;
    }
    if (turn.choice !== undefined && (!Number.isInteger(turn.choice) || turn.choice < 0 || turn.choice >= turn.beat.choices.length)) {
      problems.push(`history[${index}].choice is not one of its ${turn.beat.choices.length} choices`);
    }
  }
  return problems;
}

/** The conversation that asks for the next beat. */
export function beatPrompt(request: BeatRequest): BeatPrompt {
  const genre = request.genre?.trim();
  const opening = [`Premise: ${request.prompt.trim()}`, ...(genre ? [`Genre: ${genre}`] : []), "Tell the opening beat."].join("\n");
  const messages: PromptMessage[] = [{ role: "user", content: opening }];
  for (const turn of request.history ?? []) {
    messages.push({ role: "assistant", content: renderBeat(turn.beat) });
    const chosen = turn.choice !== undefined ? turn.beat.choices[turn.choice] : undefined;
    messages.push({
      role: "user",
      content: chosen !== undefined ? `I choose ${(turn.choice as number) + 1}: ${chosen}\nTell the next beat.` : "Tell the next beat.",
    });
  }
  return { system: SYSTEM_PROMPT, messages };
}

/** A beat as the assistant's earlier turn in the conversation. */
export function renderBeat(beat: StoryBeat): string {
  return `${beat.text}\n\n${beat.choices.map((choice, i) => `${i + 1}. ${choice}`).join("\n")}`;
}

export type BeatCheck = { ok: true; beat: StoryBeat } | { ok: false; problem: string; textValid: boolean };

/** Validates a structured reply: text non-empty, 2 to 4 non-empty choices. Trims whitespace. */
export function checkBeat(value: unknown): BeatCheck {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problem: value === undefined ? "the reply had no structured beat" : "the reply was not a JSON object", textValid: false };
  }
  const record = value as Record<string, unknown>;
  const text = typeof record.text === "string" ? record.text.trim() : "";
  const textValid = text !== "";
  if (!textValid) return { ok: false, problem: typeof record.text === "string" ? "the text is empty" : "the reply has no text", textValid };
  if (!Array.isArray(record.choices)) return { ok: false, problem: "the reply has no list of choices", textValid };
  const choices = record.choices.map((c) => (typeof c === "string" ? c.trim() : ""));
  if (choices.some((c) => c === "")) return { ok: false, problem: "a choice is empty or not text", textValid };
  if (choices.length < MIN_CHOICES || choices.length > MAX_CHOICES) {
    return { ok: false, problem: `the reply has ${choices.length} choice${choices.length === 1 ? "" : "s"}, not ${MIN_CHOICES} to ${MAX_CHOICES}`, textValid };
  }
  if (text.length > MAX_TEXT_CHARS) return { ok: false, problem: `the text is longer than ${MAX_TEXT_CHARS} characters`, textValid: false };
  if (choices.some((c) => c.length > MAX_CHOICE_CHARS)) return { ok: false, problem: `a choice is longer than ${MAX_CHOICE_CHARS} characters`, textValid };
  if (new Set(choices.map((c) => c.toLowerCase())).size !== choices.length) return { ok: false, problem: "two choices are the same", textValid };
  return { ok: true, beat: { text, choices } };
}

/**
 * Parses a JSON reply that may be wrapped in a Markdown code fence or in a sentence around the
 * object (models that answer a tool request in text, compatible servers). Undefined when no JSON.
 */
export function parseJsonReply(raw: string): unknown {
  const trimmed = raw.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  const body = fenced ? (fenced[1] as string) : trimmed;
  const direct = tryJson(body);
  if (direct !== undefined) return direct;
  // "Here is the beat: {...}": the outermost object in the text.
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  return start >= 0 && end > start ? tryJson(body.slice(start, end + 1)) : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The conversation that asks the model to fix a malformed reply, once. */
export function repairPrompt(prompt: BeatPrompt, faultyReply: string, problem: string, keepText: string | undefined): BeatPrompt {
  const instruction = keepText
    ? `That reply was not a valid story beat: ${problem}. Reply again with exactly the same narrative text and ${MIN_CHOICES} to ${MAX_CHOICES} non-empty choices.`
    : `That reply was not a valid story beat: ${problem}. Reply again with a non-empty narrative text and ${MIN_CHOICES} to ${MAX_CHOICES} non-empty choices.`;
  return {
    system: prompt.system,
    messages: [
      ...prompt.messages,
      { role: "assistant", content: faultyReply.trim() === "" ? "(no reply)" : faultyReply },
      { role: "user", content: instruction },
    ],
  };
}
