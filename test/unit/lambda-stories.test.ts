import { describe, expect, it } from "vitest";
import { awsClientConfig } from "../../lambda/story-generator/src/aws-clients.js";
import { eventStartTime, sessionIdForEvent } from "../../lambda/story-generator/src/events.js";
import { failureClass, generationError } from "../../lambda/story-generator/src/generator.js";
import { createSecretSource, parseProviderSecret, SecretError } from "../../lambda/story-generator/src/secrets.js";
import { beatItem, sessionFromItems, type BeatRecord, type StorySession } from "@noveli/providers/story-item";
import { isStoryBeat, storyHistory } from "../../lambda/story-generator/src/stories.js";
import { isSessionId } from "../../lambda/story-generator/src/validate.js";

const head: Omit<StorySession, "beats"> = {
  sessionId: "0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10",
  userId: "user-1",
  prompt: "A knock at night",
  genre: "gothic",
  startedAt: 1_764_000_000_000,
  expiresAt: 1_766_592_000,
};

const beat = (step: number, extra: Partial<BeatRecord> = {}): BeatRecord => ({
  step,
  text: `beat ${step}`,
  choices: ["left", "right", "wait"],
  provider: "anthropic",
  model: "claude",
  tokens: { input: 10, output: 20, cached: 0 },
  costUsd: 0.001,
  latencyMs: 812.4,
  writtenAt: 1_764_000_000_500 + step,
  ...extra,
});

describe("the item codec", () => {
  it("beat N's sort key is the session start + N; only beat 0 carries the session fields and user_id", () => {
    const first = beatItem(head, beat(0, { requestId: "r0" }));
    expect(first).toMatchObject({
      session_id: { S: head.sessionId },
      timestamp: { N: "1764000000000" },
      step: { N: "0" },
      user_id: { S: "user-1" },
      prompt: { S: "A knock at night" },
      genre: { S: "gothic" },
      choices: { L: [{ S: "left" }, { S: "right" }, { S: "wait" }] },
      cost_usd: { N: "0.001" },
      latency_ms: { N: "812" },
      expires_at: { N: "1766592000" },
      created_at: { S: "2025-11-24T16:00:00.500Z" },
      request_id: { S: "r0" },
    });
    const third = beatItem(head, beat(2, { choice: 1, choiceText: "right", costUsd: null }));
    expect(third.timestamp).toEqual({ N: "1764000000002" });
    expect(third.user_id).toBeUndefined();
    expect(third.prompt).toBeUndefined();
    expect(third).toMatchObject({ choice: { N: "1" }, choice_text: { S: "right" }, cost_usd: { NULL: true } });
  });

  it("round-trips a session from its items in any order", () => {
    const beats = [beat(0), beat(1, { choice: 2, choiceText: "wait" }), beat(2, { choice: 0, choiceText: "left", costUsd: null })];
    const items = beats.map((b) => beatItem(head, b)).reverse();
    const loaded = sessionFromItems(head.sessionId, items);
    expect(loaded.kind).toBe("found");
    if (loaded.kind !== "found") return;
    expect(loaded.session).toMatchObject({ ...head });
    expect(loaded.session.beats.map((b) => [b.step, b.choice, b.costUsd])).toEqual([
      [0, undefined, 0.001],
      [1, 2, 0.001],
      [2, 0, null],
    ]);
    expect(loaded.session.beats[0]!.latencyMs).toBe(812);
  });

  it("tells a missing session from an incomplete one", () => {
    expect(sessionFromItems(head.sessionId, [])).toEqual({ kind: "missing" });
    expect(sessionFromItems(head.sessionId, [beatItem(head, beat(1))])).toMatchObject({ kind: "incomplete", reason: "the first beat is gone" });
    expect(sessionFromItems(head.sessionId, [beatItem(head, beat(0)), beatItem(head, beat(2))])).toMatchObject({ kind: "incomplete", reason: "beat 1 is missing" });
    expect(sessionFromItems(head.sessionId, [{ session_id: { S: "x" }, timestamp: { N: "1" } }])).toMatchObject({ kind: "incomplete" });
  });
});

describe("storyHistory", () => {
  it("pairs each beat with the choice made after it, the last with the new choice", () => {
    const beats = [beat(0), beat(1, { choice: 2 }), beat(2, { choice: 0 })];
    expect(storyHistory(beats, 1).map((turn) => [turn.beat.text, turn.choice])).toEqual([
      ["beat 0", 2],
      ["beat 1", 0],
      ["beat 2", 1],
    ]);
  });

  it("checks beats before they are stored", () => {
    expect(isStoryBeat({ text: "t", choices: ["a", "b"] })).toBe(true);
    expect(isStoryBeat({ text: "t", choices: ["a"] })).toBe(false);
    expect(isStoryBeat({ text: "t", choices: ["a", "b", "c", "d", "e"] })).toBe(false);
    expect(isStoryBeat({ text: " ", choices: ["a", "b"] })).toBe(false);
    expect(isStoryBeat({ text: "t", choices: ["a", ""] })).toBe(false);
    expect(isStoryBeat(null)).toBe(false);
  });
});

describe("events", () => {
  it("derives a stable UUID-shaped session id from an event id", () => {
    const id = sessionIdForEvent("6f1c2d1e-event");
    expect(id).toBe(sessionIdForEvent("6f1c2d1e-event"));
    expect(id).not.toBe(sessionIdForEvent("another-event"));
    expect(isSessionId(id)).toBe(true);
    expect(id[14]).toBe("8");
  });

  it("trusts an event's time as the start only when it is plausible", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(eventStartTime("2026-11-25T11:59:58Z", now)).toBe(now - 2_000);
    expect(eventStartTime("2026-11-25T12:10:00Z", now)).toBeUndefined();
    expect(eventStartTime("2026-11-23T12:00:00Z", now)).toBeUndefined();
    expect(eventStartTime("yesterday", now)).toBeUndefined();
    expect(eventStartTime(undefined, now)).toBeUndefined();
  });
});

describe("generation failures", () => {
  const attempt = (cls: string) => ({ provider: "openai", model: "m", ok: false, error: { class: cls, message: "m" }, latencyMs: 1 });
  it.each([
    [{ code: "invalid-request", attempts: [] }, 422, "generation-rejected"],
    [{ code: "no-provider", attempts: [attempt("not-configured")] }, 503, "no-provider-configured"],
    [{ code: "invalid-config", attempts: [] }, 503, "no-provider-configured"],
    [{ code: "deadline", attempts: [] }, 504, "generation-timeout"],
    [{ code: "all-failed", attempts: [attempt("transient"), attempt("deadline")] }, 504, "generation-timeout"],
    [{ code: "all-failed", attempts: [attempt("provider"), attempt("malformed")] }, 502, "generation-failed"],
    [{ code: "stream-interrupted", attempts: [] }, 502, "generation-failed"],
    [{ attempts: [attempt("request")] }, 422, "generation-rejected"],
    [new Error("plain"), 502, "generation-failed"],
  ])("%j is %i %s", (error, status, code) => {
    const failure = generationError(Object.assign(error instanceof Error ? error : new Error("x"), error instanceof Error ? {} : error));
    expect([failure.status, failure.code]).toEqual([status, code]);
  });

  it("names the class that explains it", () => {
    expect(failureClass({ attempts: [attempt("not-configured"), attempt("not-configured")] })).toBe("not-configured");
    expect(failureClass({ class: "malformed" })).toBe("malformed");
    expect(failureClass("string")).toBe("unknown");
  });
});

describe("provider secret", () => {
  it("takes only the provider keys from the secret's JSON", () => {
    expect(parseProviderSecret(JSON.stringify({ OPENAI_API_KEY: " sk-1 ", ANTHROPIC_API_KEY: "", AWS_SECRET_ACCESS_KEY: "no", OPENAI_BASE_URL: "http://x" }))).toEqual({
      OPENAI_API_KEY: "sk-1",
      OPENAI_BASE_URL: "http://x",
    });
    expect(() => parseProviderSecret("sk-plain-key-not-json")).toThrow(SecretError);
    try {
      parseProviderSecret("sk-plain-key-not-json");
    } catch (error) {
      expect(String(error)).not.toContain("sk-plain");
    }
    expect(() => parseProviderSecret("[1]")).toThrow(/JSON object/);
  });

  it("uses the environment when no secret is named", async () => {
    let fetched = 0;
    const source = createSecretSource({ env: { OPENAI_API_KEY: "env-key" }, fetchSecret: async () => (fetched++, "{}") });
    expect(await source.providerEnv()).toEqual({ env: { OPENAI_API_KEY: "env-key" }, source: "environment" });
    expect(fetched).toBe(0);
  });

  it("caches for the TTL, fetches once for concurrent callers, and serves a stale key when a refresh fails", async () => {
    let clock = 0;
    const answers: Array<string | Error> = [JSON.stringify({ OPENAI_API_KEY: "k1" }), new Error("throttled"), JSON.stringify({ OPENAI_API_KEY: "k2" })];
    let fetched = 0;
    const source = createSecretSource({
      env: { NOVELI_PROVIDER_SECRET: "noveli/dev/providers" },
      ttlMs: 1_000,
      now: () => clock,
      fetchSecret: async () => {
        const answer = answers[fetched++]!;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const [a, b] = await Promise.all([source.providerEnv(), source.providerEnv()]);
    expect([a.env.OPENAI_API_KEY, b.env.OPENAI_API_KEY, fetched]).toEqual(["k1", "k1", 1]);
    clock = 999;
    expect((await source.providerEnv()).env.OPENAI_API_KEY).toBe("k1");
    expect(fetched).toBe(1);
    clock = 1_000;
    expect((await source.providerEnv()).env.OPENAI_API_KEY).toBe("k1"); // refresh failed: stale key
    expect((await source.providerEnv()).env.OPENAI_API_KEY).toBe("k2");
    expect(fetched).toBe(3);
  });

  it("fails when the first read fails: no key to fall back on", async () => {
    const source = createSecretSource({ env: { NOVELI_PROVIDER_SECRET: "s" }, fetchSecret: async () => Promise.reject(new Error("AccessDenied")) });
    await expect(source.providerEnv()).rejects.toBeInstanceOf(SecretError);
  });
});

describe("AWS client settings from the function's environment", () => {
  it("takes region, endpoint override and keys from the env object, service endpoint first", () => {
    expect(
      awsClientConfig(
        { AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://127.0.0.1:5000", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" },
        "AWS_ENDPOINT_URL_DYNAMODB",
      ),
    ).toEqual({
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:5000",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
      maxAttempts: 3,
    });
    expect(awsClientConfig({ AWS_ENDPOINT_URL: "http://a", AWS_ENDPOINT_URL_DYNAMODB: "http://b" }, "AWS_ENDPOINT_URL_DYNAMODB")).toMatchObject({ endpoint: "http://b" });
  });

  it("leaves credentials to the default chain when the environment has none", () => {
    expect(awsClientConfig({ AWS_DEFAULT_REGION: "us-west-2" }, "AWS_ENDPOINT_URL_DYNAMODB")).toEqual({ region: "us-west-2", maxAttempts: 3 });
  });
});
