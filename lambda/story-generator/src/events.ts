import { createHash } from "node:crypto";
import { isRecord, type EventBridgeEvent } from "./aws-events.js";
import { badRequest, isApiError } from "./http.js";
import type { InvocationScope, StoryService } from "./stories.js";
import { isSessionId, validateChoice, validateStartStory, type Limits } from "./validate.js";

/**
 * EventBridge events of the platform (source `noveli`, the seed's detail-types):
 *   Story Generation Requested  { prompt, genre?, userId, sessionId? }  → starts a story
 *   User Choice Made            { sessionId, step, choice }             → the next beat
 *   Story Beat Generated, Story Completed                               → notifications: acknowledged
 *
 * EventBridge delivers at least once and retries a failed async invocation, then sends it to the
 * dead-letter queue. So: a redelivered event is recognised and answered "duplicate" (a generation
 * request's session id is derived from the event id; a choice names the step it answers); an event
 * that can never succeed (bad detail, unknown session, lost race) is "rejected" without throwing,
 * so it is not retried; only transient failures (DynamoDB, the providers) throw and get retried.
 */

export const EVENT_SOURCE = "noveli";
export const DETAIL_TYPES = {
  generationRequested: "Story Generation Requested",
  beatGenerated: "Story Beat Generated",
  choiceMade: "User Choice Made",
  completed: "Story Completed",
} as const;

export type EventOutcome =
  | { outcome: "started" | "advanced"; eventId: string; detailType: string; sessionId: string; step: number }
  | { outcome: "duplicate"; eventId: string; detailType: string; sessionId: string; step: number }
  | { outcome: "ignored"; eventId: string; detailType: string; reason: string }
  | { outcome: "rejected"; eventId: string; detailType: string; code: string; reason: string; sessionId?: string };

/** Pure: a session id (UUID-shaped, version 8: name-based) derived from an event id. */
export function sessionIdForEvent(eventId: string): string {
  const hex = createHash("sha256").update(`noveli-story-event:${eventId}`).digest("hex");
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Pure: the event's time as epoch ms when it is a plausible start time, else undefined. */
export function eventStartTime(time: unknown, now: number): number | undefined {
  if (typeof time !== "string") return undefined;
  const parsed = Date.parse(time);
  // Never trust a clock far in the future, nor one older than a day (a replayed archive).
  if (!Number.isFinite(parsed) || parsed > now + 300_000 || parsed < now - 86_400_000) return undefined;
  return parsed;
}

export async function handleEvent(event: EventBridgeEvent, scope: InvocationScope, service: StoryService, limits: Limits, now: () => number): Promise<EventOutcome> {
  const eventId = String(event.id).slice(0, 128);
  const detailType = event["detail-type"];
  const base = { eventId, detailType };
  if (event.source !== EVENT_SOURCE) return { ...base, outcome: "ignored", reason: `source ${JSON.stringify(String(event.source).slice(0, 64))} is not ${EVENT_SOURCE}` };

  const reject = (error: unknown, sessionId?: string): EventOutcome => {
    // A 4xx can never succeed on retry: record it and let the event go. Anything else is retried.
    if (isApiError(error) && error.status < 500) {
      scope.logger.warn("event rejected", { ...base, code: error.code, reason: error.message, ...(sessionId ? { sessionId } : {}) });
      return { ...base, outcome: "rejected", code: error.code, reason: error.message, ...(sessionId ? { sessionId } : {}) };
    }
    throw error;
  };

  switch (detailType) {
    case DETAIL_TYPES.generationRequested: {
      if (!isRecord(event.detail)) return reject(invalidDetail());
      const detail = event.detail;
      const sessionId = detail.sessionId ?? sessionIdForEvent(eventId);
      try {
        const input = validateStartStory(detail, limits, ["sessionId"]);
        if (!isSessionId(sessionId)) throw badRequest("invalid-field", "sessionId must be a lowercase UUID");
        // A redelivery finds the session its first delivery started: no second generation.
        const existing = await service.session(sessionId).catch((error: unknown) => {
          if (isApiError(error) && error.status === 404) return undefined;
          throw error;
        });
        if (existing) return { ...base, outcome: "duplicate", sessionId, step: existing.beats.length - 1 };
        const startedAt = eventStartTime(event.time, now());
        const started = await service.start(input, scope, { sessionId, ...(startedAt !== undefined ? { startedAt } : {}) });
        return { ...base, outcome: "started", sessionId, step: started.step };
      } catch (error) {
        // Two deliveries raced past the check above: the second write found the first.
        if (isApiError(error) && error.code === "session-exists" && isSessionId(sessionId)) return { ...base, outcome: "duplicate", sessionId, step: 0 };
        return reject(error);
      }
    }
    case DETAIL_TYPES.choiceMade: {
      if (!isRecord(event.detail)) return reject(invalidDetail());
      const detail = event.detail;
      const sessionId = detail.sessionId;
      if (!isSessionId(sessionId)) return reject(badRequest("invalid-field", "sessionId must be a lowercase UUID"));
      try {
        const input = validateChoice(detail, ["sessionId"]);
        // Without the step a redelivered event would advance the story twice.
        if (input.step === undefined) throw badRequest("missing-field", "step is required in User Choice Made events");
        const story = await service.session(sessionId);
        const applied = story.beats[input.step + 1];
        if (applied && applied.choice === input.choice) return { ...base, outcome: "duplicate", sessionId, step: applied.step };
        const advanced = await service.choose(sessionId, input, scope).catch(async (error: unknown) => {
          // Two deliveries of this event raced each other: the one that lost finds its own beat.
          if (!isApiError(error) || error.code !== "choice-conflict") throw error;
          const winner = (await service.session(sessionId)).beats[(input.step as number) + 1];
          if (winner && winner.choice === input.choice) return { duplicate: true as const, step: winner.step };
          throw error;
        });
        if ("duplicate" in advanced) return { ...base, outcome: "duplicate", sessionId, step: advanced.step };
        return { ...base, outcome: "advanced", sessionId, step: advanced.step };
      } catch (error) {
        return reject(error, sessionId);
      }
    }
    case DETAIL_TYPES.beatGenerated:
    case DETAIL_TYPES.completed:
      scope.logger.debug("notification event acknowledged", base);
      return { ...base, outcome: "ignored", reason: "notification only" };
    default:
      scope.logger.warn("unknown event detail-type ignored", { ...base, detailType: String(detailType).slice(0, 100) });
      return { ...base, outcome: "ignored", reason: "unknown detail-type" };
  }
}

function invalidDetail() {
  return badRequest("invalid-detail", "the event detail must be a JSON object");
}
