import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BeatRequest, GenerateOptions } from "@noveli/providers/types";
import { createHandler, type StoryHandler } from "../../lambda/story-generator/src/index.js";
import { createDynamoSessionStore } from "../../lambda/story-generator/src/sessions.js";
import {
  apiEvent,
  dynamoClient,
  eventBridgeEvent,
  json,
  lambdaContext,
  scriptedGenerator,
  seededRandom,
} from "../../lambda/story-generator/testing/harness.js";
import type { BeatGenerator } from "../../lambda/story-generator/src/generator.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { createStoryTable } from "../helpers/story-table.js";

/**
 * Many choices at once on one story, from several "containers" (handler instances sharing the
 * table, as concurrent Lambda environments do): the conditional write lets exactly one choice per
 * step win, every other one gets 409, and the table ends with one beat per step, none lost,
 * duplicated or reordered.
 */

let moto: PrivateMoto;
const TABLE = "noveli-story-sessions-concurrency";

beforeAll(async () => {
  moto = await startPrivateMoto();
  await createStoryTable(moto.env, TABLE);
});

afterAll(async () => {
  await moto?.stop();
});

/**
 * Holds every generation until `size` of them are waiting, then releases them together: all
 * requests of a round have read the same story before any of them writes, so the race is decided
 * by the table's conditional write alone.
 */
function barrierGenerator(size: number): BeatGenerator & { rounds: number } {
  const inner = scriptedGenerator();
  let waiting: Array<() => void> = [];
  const state = {
    rounds: 0,
    async generateBeat(request: BeatRequest, options?: GenerateOptions) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === size) {
          state.rounds += 1;
          const release = waiting;
          waiting = [];
          for (const go of release) go();
        }
      });
      return inner.generateBeat(request, options);
    },
  };
  return state;
}

function handlers(count: number, generator: BeatGenerator): StoryHandler[] {
  const env = { ...moto.env, DYNAMODB_TABLE: TABLE, NOVELI_ENV: "dev" };
  return Array.from({ length: count }, () =>
    createHandler({ sessions: createDynamoSessionStore({ tableName: TABLE, env }), generator: async () => generator, env, write: () => undefined }),
  );
}

async function storedBeats(sessionId: string): Promise<Array<{ step: number; choice?: number; text: string; timestamp: number }>> {
  const client = dynamoClient(moto.env);
  try {
    const out = await client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: "session_id = :id", ExpressionAttributeValues: { ":id": { S: sessionId } }, ConsistentRead: true }),
    );
    return (out.Items ?? []).map((item) => ({
      step: Number(item.step!.N),
      ...(item.choice ? { choice: Number(item.choice.N) } : {}),
      text: item.text!.S!,
      timestamp: Number(item.timestamp!.N),
    }));
  } finally {
    client.destroy();
  }
}

async function start(handler: StoryHandler): Promise<string> {
  const started = await handler(apiEvent("POST", "/stories", { body: { prompt: "The night ferry" } }), lambdaContext());
  expect(started).toMatchObject({ statusCode: 201 });
  return json(started).sessionId;
}

describe("parallel choices on one story", () => {
  it("each round of 25 simultaneous choices: exactly one wins its step, 24 get 409, and the table holds one beat per step", async () => {
    const PARALLEL = 25;
    const ROUNDS = 5;
    const opening = handlers(1, scriptedGenerator())[0]!;
    const sessionId = await start(opening);
    const generator = barrierGenerator(PARALLEL);
    const containers = handlers(3, generator);
    const random = seededRandom(7);
    const winners: Array<{ step: number; choice: number; text: string }> = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const choiceCount = 2 + ((round - 1) % 3); // the scripted beat of step round-1 offers this many
      const results = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => {
          const choice = Math.floor(random() * choiceCount);
          return containers[i % containers.length]!(apiEvent("POST", `/stories/${sessionId}/choices`, { body: { choice } }), lambdaContext()) as Promise<{
            statusCode: number;
            body: string;
          }>;
        }),
      );
      const ok = results.filter((r) => r.statusCode === 200);
      const lost = results.filter((r) => r.statusCode === 409);
      expect(ok).toHaveLength(1);
      expect(lost).toHaveLength(PARALLEL - 1);
      expect(lost.every((r) => json(r).error.code === "choice-conflict")).toBe(true);
      const won = json(ok[0]);
      expect(won.step).toBe(round);
      winners.push({ step: won.step, choice: won.choice, text: won.beat.text });
    }
    expect(generator.rounds).toBe(ROUNDS);

    const beats = (await storedBeats(sessionId)).sort((a, b) => a.timestamp - b.timestamp);
    expect(beats.map((b) => b.step)).toEqual([0, 1, 2, 3, 4, 5]);
    // Sort keys follow the steps: the table order is the story order.
    expect(beats.map((b) => b.timestamp - beats[0]!.timestamp)).toEqual([0, 1, 2, 3, 4, 5]);
    // What each winner was told is exactly what was stored, with its choice.
    for (const winner of winners) {
      expect(beats[winner.step]).toMatchObject({ step: winner.step, choice: winner.choice, text: winner.text });
    }
    const story = json(await opening(apiEvent("GET", `/stories/${sessionId}`), lambdaContext()));
    expect(story.beats.map((b: { chosen?: number }) => b.chosen)).toEqual([...winners.map((w) => w.choice), undefined]);
  });

  it("a free-for-all of 120 choices with and without step hints: every 200 is a distinct stored beat, everything else is 409", async () => {
    const containers = handlers(4, scriptedGenerator({ delayMs: 5 }));
    const sessionId = await start(containers[0]!);
    const random = seededRandom(2026);
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        const body: Record<string, number> = { choice: Math.floor(random() * 2) };
        if (random() < 0.5) body.step = Math.floor(random() * 3);
        return containers[i % containers.length]!(apiEvent("POST", `/stories/${sessionId}/choices`, { body }), lambdaContext()) as Promise<{ statusCode: number; body: string }>;
      }),
    );
    // choice 0 and 1 exist at every step (the scripted beats offer 2 to 4 choices).
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
    const ok = results.filter((r) => r.statusCode === 200).map((r) => json(r));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const steps = ok.map((r) => r.step).sort((a, b) => a - b);
    // Distinct and contiguous: no step was won twice, none skipped.
    expect(steps).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
    const beats = (await storedBeats(sessionId)).sort((a, b) => a.step - b.step);
    expect(beats.map((b) => b.step)).toEqual(Array.from({ length: ok.length + 1 }, (_, i) => i));
    for (const winner of ok) expect(beats[winner.step]).toMatchObject({ choice: winner.choice, text: winner.beat.text });
    const codes = new Set(results.filter((r) => r.statusCode === 409).map((r) => json(r).error.code));
    for (const code of codes) expect(["choice-conflict", "stale-step"]).toContain(code);
  });

  it("one User Choice Made event delivered 10 times at once advances the story once", async () => {
    const containers = handlers(2, barrierGenerator(10));
    const sessionId = await start(handlers(1, scriptedGenerator())[0]!);
    const event = eventBridgeEvent("User Choice Made", { sessionId, step: 0, choice: 1 });
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => containers[i % 2]!(event, lambdaContext())));
    const kinds = outcomes.map((o) => (o as { outcome: string }).outcome).sort();
    expect(kinds).toEqual(["advanced", ...Array.from({ length: 9 }, () => "duplicate")]);
    expect((await storedBeats(sessionId)).map((b) => b.step).sort()).toEqual([0, 1]);
  });

  it("50 stories started at once are 50 distinct sessions of one beat each", async () => {
    const containers = handlers(3, scriptedGenerator({ delayMs: 2 }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        containers[i % 3]!(apiEvent("POST", "/stories", { body: { prompt: `Story ${i}` }, user: `user-${i % 5}` }), lambdaContext()) as Promise<{ statusCode: number; body: string }>,
      ),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const ids = new Set(results.map((r) => json(r).sessionId));
    expect(ids.size).toBe(50);
    const sample = [...ids].slice(0, 5);
    for (const id of sample) expect((await storedBeats(id)).map((b) => b.step)).toEqual([0]);
  });
});
