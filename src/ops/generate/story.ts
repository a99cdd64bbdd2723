import type { AttemptRecord, GenerationResult, StoryTurn } from "@noveli/providers";
import { AbortError } from "../../errors.js";
import { generationFailure } from "./failure.js";
import type { StoryProviders } from "./providers.js";

/** What a story is told from: the premise and the flags that shape each beat. */
export interface StoryRequest {
  prompt: string;
  genre?: string;
  /** Output token limit per beat; default the manager's (1024). */
  maxTokens?: number;
  /** Sampling temperature; default the model's. */
  temperature?: number;
}

/**
 * How a story is shown while it is told, so the teller itself prints nothing: the command
 * implements it with the reporter and the generate view.
 */
export interface StoryOutput {
  /** Beats stream as they are told (an interactive terminal), rather than arrive whole. */
  readonly streaming: boolean;
  /** A piece of streamed narrative text. */
  text(delta: string): void;
  /** The stream of one beat ended; `closeLine` when the beat's last line is to be ended (told, or cut mid-way). */
  streamEnd(closeLine: boolean): void;
  /** Waits for a beat that is not streamed (a spinner, or start and end lines). */
  waiting<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** A beat was told: its notes and failed attempts can be shown. */
  told(result: GenerationResult): void;
  /** Each attempt of a beat that no provider told, shown before the error. */
  failed(attempts: readonly AttemptRecord[]): void;
  /** An interactive story shows each beat as it comes. */
  beat(result: GenerationResult): void;
}

/** Where the reader's choices come from (stdin, one per line). */
export interface ChoiceInput {
  /** Shows the question and reads one answer; undefined at the end of the input. */
  ask(question: string): Promise<string | undefined>;
  /** Says why an answer is not a choice. */
  reject(message: string): void;
}

/** A 0-based choice, or how the story ended. */
export type Choice = number | "quit" | "end-of-input";

export interface OneBeat {
  kind: "beat";
  beat: GenerationResult;
  /** The text was streamed as it came (so it is not printed again). */
  streamed: boolean;
}

export interface StoryTotals {
  /** Summed token counts; null when a beat's server reported none. */
  tokens: { input: number; output: number; cached: number } | null;
  /** Summed cost; null when a beat was unpriced. */
  costUsd: number | null;
  latencyMs: number;
}

export interface PlayedStory {
  kind: "story";
  prompt: string;
  ended: "quit" | "end-of-input";
  /** Each beat told, with the choice (1-based) the reader made after it, null for none. */
  beats: { beat: GenerationResult; chosen: number | null }[];
  totals: StoryTotals;
}

export type GenerateResult = OneBeat | PlayedStory;

/** Tells the next beat of a story; turns the manager's failures into noveli's typed errors. */
export async function tellBeat(
  request: StoryRequest,
  history: StoryTurn[],
  providers: StoryProviders,
  output: StoryOutput,
  signal: AbortSignal,
  env: Record<string, string | undefined>,
): Promise<GenerationResult> {
  const call = () =>
    providers.manager.generateBeat(
      {
        prompt: request.prompt,
        ...(request.genre ? { genre: request.genre } : {}),
        history,
        ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      },
      { signal, ...(output.streaming ? { onText: (delta: string) => output.text(delta) } : {}) },
    );
  let result: GenerationResult;
  try {
    result = output.streaming ? await call() : await output.waiting(history.length === 0 ? "Telling the opening beat" : "Telling the next beat", call);
  } catch (error) {
    const failure = generationFailure(error, providers.hints, env);
    if (output.streaming) output.streamEnd(failure.streamInterrupted);
    if (failure.attemptsToShow.length > 0) output.failed(failure.attemptsToShow);
    throw failure.error;
  }
  if (output.streaming) output.streamEnd(true);
  output.told(result);
  return result;
}

/** Tells the opening beat of a story. */
export async function tellOneBeat(request: StoryRequest, providers: StoryProviders, output: StoryOutput, signal: AbortSignal, env: Record<string, string | undefined>): Promise<OneBeat> {
  const beat = await tellBeat(request, [], providers, output, signal, env);
  return { kind: "beat", beat, streamed: output.streaming };
}

/** Plays a branching story: a beat, the reader's choice, the next beat..., until `q` or the end of the input. */
export async function playStory(
  request: StoryRequest,
  providers: StoryProviders,
  output: StoryOutput,
  choices: ChoiceInput,
  signal: AbortSignal,
  env: Record<string, string | undefined>,
): Promise<PlayedStory> {
  const history: StoryTurn[] = [];
  const told: GenerationResult[] = [];
  let ended: PlayedStory["ended"] = "end-of-input";
  for (;;) {
    const result = await tellBeat(request, history, providers, output, signal, env);
    told.push(result);
    output.beat(result);
    const choice = await chooseNext(result.beat.choices.length, choices);
    if (signal.aborted) throw new AbortError("interrupted");
    if (choice === "quit" || choice === "end-of-input") {
      ended = choice;
      history.push({ beat: result.beat });
      break;
    }
    history.push({ beat: result.beat, choice });
  }
  return {
    kind: "story",
    prompt: request.prompt,
    ended,
    beats: told.map((beat, i) => {
      const choice = history[i]?.choice;
      return { beat, chosen: choice !== undefined ? choice + 1 : null };
    }),
    totals: storyTotals(told),
  };
}

/** Asks until the answer is a choice, `q`, or the input ends. */
export async function chooseNext(count: number, choices: ChoiceInput): Promise<Choice> {
  for (;;) {
    const answer = await choices.ask(`choose 1-${count}, or q to end the story:`);
    if (answer === undefined) return "end-of-input";
    const choice = parseChoice(answer, count);
    if (choice !== undefined) return choice;
    choices.reject(`"${answer.trim().toLowerCase()}" is not a choice: type a number from 1 to ${count}, or q`);
  }
}

/** Pure: a typed answer as a 0-based choice or `quit`; undefined when it is neither. */
export function parseChoice(raw: string, count: number): number | "quit" | undefined {
  const answer = raw.trim().toLowerCase();
  if (answer === "q" || answer === "quit") return "quit";
  if (/^\d+$/.test(answer)) {
    const n = Number(answer);
    if (n >= 1 && n <= count) return n - 1;
  }
  return undefined;
}

/** Pure: the story's tokens, cost and time. One beat without counts makes the count unknown, as one unpriced beat makes the cost unknown. */
export function storyTotals(results: readonly GenerationResult[]): StoryTotals {
  const tokens = { input: 0, output: 0, cached: 0 };
  let cost: number | null = 0;
  let latencyMs = 0;
  const reported = results.every((r) => r.tokensReported !== false);
  for (const r of results) {
    tokens.input += r.tokens.input;
    tokens.output += r.tokens.output;
    tokens.cached += r.tokens.cached;
    cost = cost === null || r.costUsd === null ? null : Number((cost + r.costUsd).toPrecision(12));
    latencyMs += r.latencyMs;
  }
  return { tokens: reported ? tokens : null, costUsd: cost, latencyMs };
}
