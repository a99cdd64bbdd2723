import { describe, expect, it } from "vitest";
import { requireCaller, verifiedCaller } from "../../lambda/story-generator/src/caller.js";
import { ApiError } from "../../lambda/story-generator/src/http.js";
import { createLogger } from "../../lambda/story-generator/src/logger.js";
import { createBeatQuota, quotaExpiresAt, quotaKey, quotaSetting, secondsToNextUtcDay, utcDay, type QuotaLedger } from "../../lambda/story-generator/src/quota.js";
import { beatItem, sessionFromItems } from "@noveli/providers/story-item";
import { DEFAULT_LIMITS, validateStoryRequest } from "../../lambda/story-generator/src/validate.js";
import { apiEvent, cognitoClaims } from "../../lambda/story-generator/testing/harness.js";

const silent = createLogger({ write: () => undefined });

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected a refusal");
}

describe("the verified caller", () => {
  it("is the sub of the authorizer's claims", () => {
    expect(verifiedCaller(apiEvent("GET", "/stories/x", { claims: cognitoClaims("8a1f-sub") }))).toEqual({ sub: "8a1f-sub" });
  });

  it.each([
    ["no requestContext", { ...apiEvent("GET", "/"), requestContext: null }],
    ["no authorizer", apiEvent("GET", "/", { user: null })],
    ["claims not an object", { ...apiEvent("GET", "/"), requestContext: { authorizer: { claims: "sub=x" } } }],
    ["no sub", apiEvent("GET", "/", { claims: { "cognito:username": "x" } })],
    ["a numeric sub", apiEvent("GET", "/", { claims: { sub: 1 } })],
    ["an empty sub", apiEvent("GET", "/", { claims: { sub: "" } })],
    ["a sub with a newline", apiEvent("GET", "/", { claims: { sub: "a\nb" } })],
    ["a sub past 128 characters", apiEvent("GET", "/", { claims: { sub: "s".repeat(129) } })],
    // A Lambda authorizer's context is not a user pool's claims.
    ["a principalId only", { ...apiEvent("GET", "/"), requestContext: { authorizer: { principalId: "user-1" } } }],
  ])("none with %s: 401 unauthenticated", (_label, event) => {
    expect(verifiedCaller(event as never)).toBeUndefined();
    const error = refusal(() => requireCaller(event as never));
    expect(error).toMatchObject({ status: 401, code: "unauthenticated" });
    expect(error.headers?.["www-authenticate"]).toMatch(/^Bearer /);
  });
});

describe("POST /stories bodies", () => {
  it("take a premise and a genre, never a user", () => {
    expect(validateStoryRequest({ prompt: " A knock ", genre: "gothic" }, DEFAULT_LIMITS)).toEqual({ prompt: "A knock", genre: "gothic" });
    for (const userId of ["u", "", null, 5]) {
      expect(refusal(() => validateStoryRequest({ prompt: "p", userId }, DEFAULT_LIMITS))).toMatchObject({ status: 400, code: "user-id-not-allowed" });
    }
    // The userId refusal wins over other problems of the same body.
    expect(refusal(() => validateStoryRequest({ userId: "u", extra: 1 }, DEFAULT_LIMITS)).code).toBe("user-id-not-allowed");
    expect(refusal(() => validateStoryRequest({ prompt: "p", user_id: "u" }, DEFAULT_LIMITS)).code).toBe("unknown-field");
  });
});

describe("a session's owner", () => {
  const head = { sessionId: "0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10", userId: "owner-sub", prompt: "p", startedAt: 1_000, expiresAt: 2_000 };
  const beat = (step: number) => ({ step, text: "t", choices: ["a", "b"], provider: "openai", model: "m", tokens: { input: 1, output: 1, cached: 0 }, costUsd: 0, latencyMs: 1, writtenAt: 1 });

  it("is still known when a later beat is missing, so a stranger still gets a 404", () => {
    const loaded = sessionFromItems(head.sessionId, [beatItem(head, beat(0)), beatItem(head, beat(2))]);
    expect(loaded).toMatchObject({ kind: "incomplete", userId: "owner-sub" });
  });
});

describe("the daily beat quota", () => {
  it("reads NOVELI_DAILY_BEAT_QUOTA: unset or blank is no limit, a whole number is the limit, anything else invalid", () => {
    expect(quotaSetting({})).toEqual({ kind: "unlimited" });
    expect(quotaSetting({ NOVELI_DAILY_BEAT_QUOTA: " " })).toEqual({ kind: "unlimited" });
    expect(quotaSetting({ NOVELI_DAILY_BEAT_QUOTA: "200" })).toEqual({ kind: "limit", beats: 200 });
    expect(quotaSetting({ NOVELI_DAILY_BEAT_QUOTA: "0" })).toEqual({ kind: "limit", beats: 0 });
    for (const value of ["-1", "1.5", "lots", "1e3", "9999999999"]) expect(quotaSetting({ NOVELI_DAILY_BEAT_QUOTA: value }).kind).toBe("invalid");
  });

  it("days are UTC days; Retry-After counts whole seconds to the next one, at least 1", () => {
    const midnight = Date.UTC(2026, 11, 2);
    expect(utcDay(midnight - 1)).toBe(utcDay(midnight) - 1);
    expect(secondsToNextUtcDay(midnight)).toBe(86_400);
    expect(secondsToNextUtcDay(midnight - 1)).toBe(1);
    expect(secondsToNextUtcDay(midnight - 1_500)).toBe(2);
    expect(secondsToNextUtcDay(Date.UTC(2026, 11, 1, 12))).toBe(12 * 3600);
  });

  it("keys a counter per user and day outside the session ids, and lets TTL remove it the day after", () => {
    const day = utcDay(Date.UTC(2026, 11, 1));
    expect(quotaKey("sub-1", day)).toEqual({ sessionId: "quota#sub-1", timestamp: day });
    expect(quotaExpiresAt(day) * 1000).toBe(Date.UTC(2026, 11, 3));
  });

  function memoryLedger(): QuotaLedger & { counts: Map<string, number> } {
    const counts = new Map<string, number>();
    return {
      counts,
      async consume(userId, day, limit) {
        const key = `${userId}/${day}`;
        const used = counts.get(key) ?? 0;
        if (used >= limit) return { kind: "exhausted" };
        counts.set(key, used + 1);
        return { kind: "granted", used: used + 1 };
      },
      async release(userId, day) {
        const key = `${userId}/${day}`;
        counts.set(key, Math.max(0, (counts.get(key) ?? 0) - 1));
      },
    };
  }

  it("takes a beat per call up to the limit, then refuses with 429 and Retry-After; a refund gives one back", async () => {
    const ledger = memoryLedger();
    const now = Date.UTC(2026, 11, 1, 23, 0, 0);
    const quota = createBeatQuota({ setting: { kind: "limit", beats: 2 }, ledger, now: () => now });
    await quota.take("u", silent);
    const refund = await quota.take("u", silent);
    const refused = await quota.take("u", silent).catch((error: unknown) => error as ApiError);
    expect(refused).toMatchObject({ status: 429, code: "daily-quota-exceeded", headers: { "retry-after": "3600" } });
    await refund();
    await expect(quota.take("u", silent)).resolves.toBeTypeOf("function");
  });

  it("no limit needs no ledger; a limit without one, or an unreadable limit, refuses (503) rather than spend unmetered", async () => {
    await expect(createBeatQuota({ setting: { kind: "unlimited" }, ledger: undefined, now: Date.now }).take("u", silent)).resolves.toBeTypeOf("function");
    await expect(createBeatQuota({ setting: { kind: "limit", beats: 5 }, ledger: undefined, now: Date.now }).take("u", silent)).rejects.toMatchObject({ status: 503 });
    await expect(createBeatQuota({ setting: { kind: "invalid", value: "x" }, ledger: memoryLedger(), now: Date.now }).take("u", silent)).rejects.toMatchObject({
      status: 503,
      code: "quota-misconfigured",
    });
  });

  it("a refund that fails is logged, never thrown", async () => {
    const lines: string[] = [];
    const ledger: QuotaLedger = { consume: async () => ({ kind: "granted", used: 1 }), release: async () => Promise.reject(new Error("table gone")) };
    const refund = await createBeatQuota({ setting: { kind: "limit", beats: 5 }, ledger, now: Date.now }).take("u", createLogger({ write: (l) => lines.push(l) }));
    await expect(refund()).resolves.toBeUndefined();
    expect(lines.join("\n")).toContain("could not give back");
  });
});
