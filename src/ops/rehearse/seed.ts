import { beatItem } from "@noveli/providers/story-item";
import { createClient } from "../../aws/clients.js";
import { batchPutItems, DynamoDBClient, type AttributeValue } from "../../aws/dynamodb.js";
import type { EmulatorTarget } from "../../core/target.js";

/**
 * An emulator starts with an empty story table, and a DR drill over nothing proves nothing: on
 * emulator targets the rehearsal writes sample stories first, in the exact item format the Lambda
 * writes (the shared package's `beatItem`), marked as rehearsal data (user `noveli-rehearsal`).
 */
export const SEED_USER = "noveli-rehearsal";

/** Pure: the items of `stories` sample stories of `beats` beats each. */
export function sampleStoryItems(stories: number, beats: number, now: number): Record<string, AttributeValue>[] {
  const items: Record<string, AttributeValue>[] = [];
  for (let s = 0; s < stories; s++) {
    const session = {
      sessionId: `rehearsal-${now.toString(36)}-${s.toString().padStart(4, "0")}`,
      userId: SEED_USER,
      prompt: `Rehearsal sample story ${s + 1}: a night train that never arrives`,
      genre: "mystery",
      startedAt: now - (stories - s) * 1_000,
      expiresAt: Math.floor(now / 1000) + 7 * 24 * 3600,
    };
    for (let step = 0; step < beats; step++) {
      items.push(
        beatItem(session, {
          step,
          text: `Beat ${step + 1} of sample story ${s + 1}. The conductor checks a ticket that was never sold.`,
          choices: ["Follow the conductor", "Stay in your seat", "Pull the emergency brake"],
          ...(step > 0 ? { choice: step % 3, choiceText: "Follow the conductor" } : {}),
          provider: "rehearsal-seed",
          model: "none",
          tokens: { input: 0, output: 0, cached: 0 },
          costUsd: null,
          latencyMs: 0,
          writtenAt: session.startedAt + step,
        }),
      );
    }
  }
  return items;
}

export async function seedSampleStories(target: EmulatorTarget, tableName: string, options: { stories: number; beats: number; signal?: AbortSignal }): Promise<number> {
  const client = createClient(DynamoDBClient, target);
  try {
    const items = sampleStoryItems(options.stories, options.beats, Date.now());
    await batchPutItems(client, tableName, items, options.signal);
    return items.length;
  } finally {
    client.destroy();
  }
}
