import type { GenerationResult, StoryTurn } from "@noveli/providers";
import type { BeatRecord, StorySession } from "@noveli/providers/story-item";
import { generationError, type GeneratorFactory, attemptsOf, failureClass } from "./generator.js";
import { ApiError, badRequest, conflict, notFound } from "./http.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import type { BeatQuota } from "./quota.js";
import type { SessionStore } from "./sessions.js";
import type { Tracer } from "./tracing.js";
import type { ChoiceInput, Limits, StartStoryInput } from "./validate.js";

/**
 * The story operations, shared by the HTTP routes and the EventBridge events: start a story,
 * make a choice, read a story. Inputs arrive validated; every refusal is an ApiError.
 */

/** What one invocation hands the service. */
export interface InvocationScope {
  requestId: string;
  logger: Logger;
  tracer: Tracer;
  /** Epoch ms by which generation must be done (from the invocation's remaining time). */
  deadline: number;
}

export interface StoryServiceDeps {
  sessions: SessionStore;
  generator: GeneratorFactory;
  metrics: Metrics;
  now: () => number;
  newSessionId: () => string;
  limits: Limits;
  /** How long a story is kept after it starts (the TTL attribute). */
  sessionTtlSeconds: number;
  /** Each beat is counted against its story owner's daily quota before the model is called. */
  quota: BeatQuota;
}

export interface GenerationSummary {
  provider: string;
  model: string;
  tokens: { input: number; output: number; cached: number };
  costUsd: number | null;
  latencyMs: number;
  attempts: number;
}

export interface StartedStory {
  sessionId: string;
  step: number;
  beat: { text: string; choices: string[] };
  generation: GenerationSummary;
}

export interface AdvancedStory extends StartedStory {
  choice: number;
  choiceText: string;
}

export interface StoryView {
  sessionId: string;
  userId: string;
  prompt: string;
  genre?: string;
  startedAt: string;
  expiresAt: string;
  /** Step of the latest beat. */
  step: number;
  /** Whether the story reached the beat limit (no further choice is accepted). */
  complete: boolean;
  beats: Array<{ step: number; text: string; choices: string[]; chosen?: number; createdAt: string }>;
}

export interface StartOptions {
  /** A caller-chosen id (events derive it from the event id so a redelivery is a duplicate). */
  sessionId?: string;
  /** A caller-chosen start time (events use the event's time), epoch ms. */
  startedAt?: number;
}

/** Whose request it is. API requests name the verified caller; trusted events name nobody. */
export interface Access {
  /** Only this user's stories exist for the request: any other story is answered as unknown (404). */
  owner?: string;
}

export interface StoryService {
  start(input: StartStoryInput, scope: InvocationScope, options?: StartOptions): Promise<StartedStory>;
  choose(sessionId: string, input: ChoiceInput, scope: InvocationScope, access?: Access): Promise<AdvancedStory>;
  /** The session, or an ApiError (404 unknown or not the owner's, 410 expired or incomplete). */
  session(sessionId: string, access?: Access): Promise<StorySession>;
  view(session: StorySession): StoryView;
}

const summary = (result: GenerationResult): GenerationSummary => ({
  provider: result.provider,
  model: result.model,
  tokens: { ...result.tokens },
  costUsd: result.costUsd,
  latencyMs: result.latencyMs,
  attempts: result.attempts.length,
});

/** Pure: the provider-facing history of a session, each beat with the choice made after it. */
export function storyHistory(beats: BeatRecord[], nextChoice: number): StoryTurn[] {
  return beats.map((beat, index) => {
    const chosen = index + 1 < beats.length ? beats[index + 1]?.choice : nextChoice;
    return { beat: { text: beat.text, choices: [...beat.choices] }, ...(chosen !== undefined ? { choice: chosen } : {}) };
  });
}

export function createStoryService(deps: StoryServiceDeps): StoryService {
  const { sessions, metrics, now, limits } = deps;

  async function generate(request: Parameters<Awaited<ReturnType<GeneratorFactory>>["generateBeat"]>[0], scope: InvocationScope, properties: Record<string, unknown>) {
    const started = now();
    let generator: Awaited<ReturnType<GeneratorFactory>>;
    try {
      generator = await deps.generator();
    } catch (error) {
      // A provider configuration the manager refuses (NOVELI_PROVIDERS naming no provider...) is a
      // deployment problem, answered like "no provider"; anything else propagates as it is.
      if (failureClass(error) === "not-configured") throw generationError(error);
      throw error;
    }
    try {
      const result = await scope.tracer.span("ProviderManager.generateBeat", () => generator.generateBeat(request, { deadline: scope.deadline }), {
        namespace: "remote",
        classify: (error) => (failureClass(error) === "request" ? "error" : "fault"),
      });
      // The manager validates beats; this guards what is written to the table all the same.
      if (!isStoryBeat(result.beat)) throw Object.assign(new Error("the provider returned a malformed beat"), { class: "malformed" });
      metrics.generation({ ok: true, result, elapsedMs: now() - started, properties });
      scope.logger.info("beat generated", {
        ...properties,
        provider: result.provider,
        model: result.model,
        latencyMs: result.latencyMs,
        tokens: result.tokens,
        costUsd: result.costUsd,
        attempts: result.attempts.map((a) => ({ provider: a.provider, ok: a.ok, errorClass: a.error?.class, latencyMs: a.latencyMs })),
      });
      return result;
    } catch (error) {
      const failure = generationError(error);
      metrics.generation({ ok: false, elapsedMs: now() - started, errorClass: failureClass(error), attempts: attemptsOf(error), properties });
      scope.logger.warn("beat generation failed", { ...properties, code: failure.code, ...failure.details });
      throw failure;
    }
  }

  /**
   * Spends one beat of the owner's daily quota around a generation: counted before the model is
   * called, given back when the generation fails (nothing was told, whatever it cost).
   */
  async function generateCounted(owner: string, ...args: Parameters<typeof generate>) {
    const refund = await deps.quota.take(owner, args[1].logger);
    try {
      return await generate(...args);
    } catch (error) {
      await refund();
      throw error;
    }
  }

  async function session(sessionId: string, access: Access = {}): Promise<StorySession> {
    const loaded = await sessions.load(sessionId);
    // Someone else's story is answered exactly as one that does not exist: nothing tells them apart.
    const unknown = () => notFound("session-not-found", `no story session ${sessionId}`);
    if (loaded.kind === "missing") throw unknown();
    if (access.owner !== undefined && (loaded.kind === "found" ? loaded.session.userId : loaded.userId) !== access.owner) throw unknown();
    if (loaded.kind === "incomplete") throw new ApiError(410, "session-unavailable", `story session ${sessionId} is no longer complete (${loaded.reason})`);
    if (loaded.session.expiresAt * 1000 <= now()) throw new ApiError(410, "session-expired", `story session ${sessionId} has expired`);
    return loaded.session;
  }

  return {
    session,

    async start(input, scope, options = {}) {
      const sessionId = options.sessionId ?? deps.newSessionId();
      const properties = { sessionId, step: 0 };
      const result = await generateCounted(input.userId, { prompt: input.prompt, ...(input.genre !== undefined ? { genre: input.genre } : {}), history: [] }, scope, properties);
      const writtenAt = now();
      const head = {
        sessionId,
        userId: input.userId,
        prompt: input.prompt,
        ...(input.genre !== undefined ? { genre: input.genre } : {}),
        startedAt: options.startedAt ?? writtenAt,
        expiresAt: Math.floor(writtenAt / 1000) + deps.sessionTtlSeconds,
      };
      const written = await sessions.write(head, beatRecord(0, result, writtenAt, scope.requestId));
      if (written.kind === "conflict" && !isOwnWrite(written.existing, scope)) {
        metrics.count("Conflicts", properties);
        throw conflict("session-exists", `story session ${sessionId} already exists`, { sessionId });
      }
      metrics.count("StoriesStarted", properties);
      scope.logger.info("story started", { sessionId, userId: input.userId, genre: input.genre });
      return { sessionId, step: 0, beat: { text: result.beat.text, choices: [...result.beat.choices] }, generation: summary(result) };
    },

    async choose(sessionId, input, scope, access = {}) {
      const story = await session(sessionId, access);
      const last = story.beats[story.beats.length - 1] as BeatRecord;
      if (input.step !== undefined && input.step !== last.step) {
        throw conflict("stale-step", `step ${input.step} is not the latest beat of the story (the latest is ${last.step})`, { currentStep: last.step });
      }
      if (last.step + 1 >= limits.maxSteps) {
        throw conflict("story-complete", `the story has reached its last beat (${limits.maxSteps} beats)`, { currentStep: last.step });
      }
      if (input.choice >= last.choices.length) {
        throw badRequest("choice-out-of-range", `choice ${input.choice} is out of range: the latest beat has ${last.choices.length} choices (0 to ${last.choices.length - 1})`, {
          choices: last.choices.length,
          currentStep: last.step,
        });
      }
      const step = last.step + 1;
      const properties = { sessionId, step };
      const request = {
        prompt: story.prompt,
        ...(story.genre !== undefined ? { genre: story.genre } : {}),
        history: storyHistory(story.beats, input.choice),
      };
      const result = await generateCounted(story.userId, request, scope, properties);
      const choiceText = last.choices[input.choice] as string;
      const written = await sessions.write(story, { ...beatRecord(step, result, now(), scope.requestId), choice: input.choice, choiceText });
      if (written.kind === "conflict" && !isOwnWrite(written.existing, scope)) {
        metrics.count("Conflicts", properties);
        scope.logger.info("choice lost the race for its step", properties);
        throw conflict("choice-conflict", `another choice was already made for step ${last.step} of this story`, { step, currentStep: last.step });
      }
      metrics.count("ChoicesMade", properties);
      return { sessionId, step, choice: input.choice, choiceText, beat: { text: result.beat.text, choices: [...result.beat.choices] }, generation: summary(result) };
    },

    view(story) {
      const last = story.beats[story.beats.length - 1] as BeatRecord;
      return {
        sessionId: story.sessionId,
        userId: story.userId,
        prompt: story.prompt,
        ...(story.genre !== undefined ? { genre: story.genre } : {}),
        startedAt: new Date(story.startedAt).toISOString(),
        expiresAt: new Date(story.expiresAt * 1000).toISOString(),
        step: last.step,
        complete: last.step + 1 >= limits.maxSteps,
        beats: story.beats.map((beat, index) => {
          const chosen = story.beats[index + 1]?.choice;
          return {
            step: beat.step,
            text: beat.text,
            choices: [...beat.choices],
            ...(chosen !== undefined ? { chosen } : {}),
            createdAt: new Date(beat.writtenAt).toISOString(),
          };
        }),
      };
    },
  };
}

/**
 * Whether the beat holding a step was written by this same request: the SDK retried a put whose
 * first attempt reached the table but whose answer was lost. That is this request's success.
 */
function isOwnWrite(existing: BeatRecord | undefined, scope: InvocationScope): boolean {
  return existing?.requestId !== undefined && existing.requestId === scope.requestId;
}

/** Pure: whether a beat has narrative text and 2 to 4 non-empty choices. */
export function isStoryBeat(beat: unknown): beat is { text: string; choices: string[] } {
  if (typeof beat !== "object" || beat === null) return false;
  const { text, choices } = beat as { text?: unknown; choices?: unknown };
  return (
    typeof text === "string" &&
    text.trim() !== "" &&
    Array.isArray(choices) &&
    choices.length >= 2 &&
    choices.length <= 4 &&
    choices.every((c) => typeof c === "string" && c.trim() !== "")
  );
}

function beatRecord(step: number, result: GenerationResult, writtenAt: number, requestId: string): BeatRecord {
  return {
    step,
    text: result.beat.text,
    choices: [...result.beat.choices],
    provider: result.provider,
    model: result.model,
    tokens: { ...result.tokens },
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    writtenAt,
    requestId,
  };
}
