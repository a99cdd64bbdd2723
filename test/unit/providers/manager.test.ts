import { describe, expect, it } from "vitest";
import type { AdapterCall, AdapterReply, ProviderAdapter } from "@noveli/providers/adapters/adapter";
import { providerConfigFromEnv, type ProviderConfigOverrides } from "@noveli/providers/config";
import { GenerationError, ProviderCallError } from "@noveli/providers/errors";
import { createProviderManager } from "@noveli/providers/manager";
import type { ProviderName } from "@noveli/providers/types";

const BEAT = { text: "The tide goes out and does not come back.", choices: ["Follow the water", "Stay on shore"] };
const USAGE = { input: 1000, output: 200, cached: 0, cacheWrite: 0 };
const ALL_KEYS = { AWS_ACCESS_KEY_ID: "AKIAFAKE", AWS_SECRET_ACCESS_KEY: "fake-secret-access-key", AWS_REGION: "us-east-1", ANTHROPIC_API_KEY: "sk-ant-unit-key-0001", OPENAI_API_KEY: "sk-openai-unit-key-0001" };

type Script = (call: AdapterCall, n: number) => Promise<AdapterReply> | AdapterReply;

/** A provider that answers call N with script N (the last one repeats), and records every call. */
function fakeAdapter(name: ProviderName, ...scripts: Script[]): ProviderAdapter & { calls: AdapterCall[] } {
  const calls: AdapterCall[] = [];
  return {
    name,
    calls,
    async call(call) {
      calls.push(call);
      const script = scripts[Math.min(calls.length - 1, scripts.length - 1)] as Script;
      return script(call, calls.length);
    },
    classify: (error) => (error instanceof ProviderCallError ? error : new ProviderCallError("transient", String(error))),
  };
}

const ok = (beat: unknown = BEAT, usage = USAGE): Script => () => ({ json: JSON.stringify(beat), usage, stopReason: "end" });
const fail = (errorClass: ConstructorParameters<typeof ProviderCallError>[0], message: string, retryAfterMs?: number): Script => () => {
  throw new ProviderCallError(errorClass, message, retryAfterMs !== undefined ? { retryAfterMs } : {});
};
/** Streams the beat JSON in pieces of `size`, then optionally fails after `failAfter` pieces. */
const streamed = (size: number, failAfter?: number, beat: unknown = BEAT): Script => (call) => {
  const json = JSON.stringify(beat);
  let pieces = 0;
  for (let i = 0; i < json.length; i += size) {
    if (failAfter !== undefined && pieces === failAfter) throw new ProviderCallError("transient", "connection failed (ECONNRESET)");
    call.onChunk?.(json.slice(i, i + size));
    pieces += 1;
  }
  return { json, usage: USAGE, stopReason: "end" };
};
const hang: Script = (call) =>
  new Promise((_, reject) => {
    if (call.signal.aborted) reject(new Error("aborted"));
    call.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
  });

function setup(adapters: Partial<Record<ProviderName, ProviderAdapter>>, env: Record<string, string> = ALL_KEYS, overrides: ProviderConfigOverrides = {}) {
  let now = 1_800_000_000_000;
  const sleeps: number[] = [];
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const manager = createProviderManager(providerConfigFromEnv(env, overrides), {
    clock,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    adapters,
  });
  return { manager, sleeps, clock };
}

async function failure(promise: Promise<unknown>): Promise<GenerationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GenerationError);
    return error as GenerationError;
  }
  throw new Error("expected a GenerationError");
}

describe("createProviderManager: failover, retries, fail-fast", () => {
  it("tells a beat from the first provider and accounts for it with the catalog price", async () => {
    const bedrock = fakeAdapter("bedrock", ok());
    const { manager } = setup({ bedrock });
    const result = await manager.generateBeat({ prompt: "a lighthouse" });
    expect(result).toMatchObject({ beat: BEAT, provider: "bedrock", model: "us.anthropic.claude-haiku-5-5", tokens: USAGE, timeToFirstTokenMs: null });
    // us. Haiku 5.5: 0.11 in / 0.55 out per MTok
    expect(result.costUsd).toBeCloseTo((1000 * 0.11 + 200 * 0.55) / 1e6, 12);
    expect(result.attempts).toEqual([{ provider: "bedrock", model: "us.anthropic.claude-haiku-5-5", ok: true, latencyMs: 0, tokens: USAGE, costUsd: result.costUsd }]);
    expect(bedrock.calls[0]?.prompt.messages[0]?.content).toContain("Premise: a lighthouse");
  });

  it("fails over in priority order: provider-level at once, transient after retries with backoff", async () => {
    const bedrock = fakeAdapter("bedrock", fail("provider", "authentication failed: bad signature"));
    const anthropic = fakeAdapter("anthropic", fail("transient", "overloaded"));
    const openai = fakeAdapter("openai", ok());
    const { manager, sleeps } = setup({ bedrock, anthropic, openai });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.provider).toBe("openai");
    expect([bedrock.calls.length, anthropic.calls.length, openai.calls.length]).toEqual([1, 3, 1]);
    expect(result.attempts.map((a) => [a.provider, a.ok, a.error?.class])).toEqual([
      ["bedrock", false, "provider"],
      ["anthropic", false, "transient"],
      ["anthropic", false, "transient"],
      ["anthropic", false, "transient"],
      ["openai", true, undefined],
    ]);
    expect(result.attempts[3]?.error?.message).toBe("overloaded; 3 attempts, retries exhausted");
    // Equal jitter with random() = 0: half of 250, then half of 500.
    expect(sleeps).toEqual([125, 250]);
  });

  it("honours Retry-After, and fails over instead of waiting when it is too long", async () => {
    const anthropic = fakeAdapter("anthropic", fail("transient", "rate limited", 2_000), ok());
    const first = setup({ anthropic }, ALL_KEYS, { providers: ["anthropic"] });
    await first.manager.generateBeat({ prompt: "p" });
    expect(first.sleeps).toEqual([2_000]);

    const slow = fakeAdapter("anthropic", fail("transient", "rate limited", 60_000));
    const openai = fakeAdapter("openai", ok());
    const second = setup({ anthropic: slow, openai }, ALL_KEYS, { providers: ["anthropic", "openai"] });
    const result = await second.manager.generateBeat({ prompt: "p" });
    expect(second.sleeps).toEqual([]);
    expect(slow.calls).toHaveLength(1);
    expect(result.attempts[0]?.error?.message).toMatch(/Retry-After 60s is longer than 10s, failing over$/);
  });

  it("fails fast on a request-level error: no retry, no failover", async () => {
    const bedrock = fakeAdapter("bedrock", fail("request", "prompt is too long"));
    const anthropic = fakeAdapter("anthropic", ok());
    const { manager } = setup({ bedrock, anthropic });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("invalid-request");
    expect(error.message).toBe("bedrock rejected the request, which would fail on every provider: prompt is too long");
    expect(anthropic.calls).toHaveLength(0);
    expect(manager.status()[0]?.circuit).toBe("closed");
  });

  it("rejects an invalid request before calling anyone", async () => {
    const bedrock = fakeAdapter("bedrock", ok());
    const { manager } = setup({ bedrock });
    const error = await failure(manager.generateBeat({ prompt: "p", temperature: 3 }));
    expect(error.code).toBe("invalid-request");
    expect(bedrock.calls).toHaveLength(0);
  });

  it("skips providers without credentials, and says so when none has any", async () => {
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ openai }, { OPENAI_API_KEY: "sk-only-openai-0001" });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.attempts.slice(0, 2).map((a) => [a.provider, a.error?.class, a.error?.message])).toEqual([
      ["bedrock", "not-configured", "no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or use --profile)"],
      ["anthropic", "not-configured", "ANTHROPIC_API_KEY is not set"],
    ]);
    const none = setup({}, {});
    const error = await failure(none.manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("no-provider");
    expect(error.providers.map((p) => p.configured)).toEqual([false, false, false]);
  });

  it("reports every provider's reason when all fail", async () => {
    const { manager } = setup({
      bedrock: fakeAdapter("bedrock", fail("provider", "model not found: no such model")),
      anthropic: fakeAdapter("anthropic", fail("provider", "authentication failed: invalid x-api-key")),
      openai: fakeAdapter("openai", fail("provider", "quota exhausted: insufficient_quota")),
    });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("all-failed");
    expect(error.reasons()).toEqual([
      { provider: "bedrock", class: "provider", message: "model not found: no such model" },
      { provider: "anthropic", class: "provider", message: "authentication failed: invalid x-api-key" },
      { provider: "openai", class: "provider", message: "quota exhausted: insufficient_quota" },
    ]);
  });

  it("never lets a key into an attempt message", async () => {
    const openai = fakeAdapter("openai", fail("provider", "Incorrect API key provided: sk-openai-unit-key-0001"));
    const { manager } = setup({ openai }, ALL_KEYS, { providers: ["openai"] });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(JSON.stringify(error.attempts)).not.toContain("sk-openai-unit-key-0001");
    expect(error.message).not.toContain("sk-openai-unit-key-0001");
  });
});

describe("createProviderManager: circuit breaker", () => {
  it("opens after repeated failed calls, sends nothing while open, then lets one probe through", async () => {
    const bedrock = fakeAdapter("bedrock", fail("provider", "unreachable (ECONNREFUSED)"));
    const openai = fakeAdapter("openai", ok());
    const { manager, clock } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"], policy: { circuit: { failureThreshold: 2, cooldownMs: 30_000 } } });
    await manager.generateBeat({ prompt: "p" });
    await manager.generateBeat({ prompt: "p" });
    expect(bedrock.calls).toHaveLength(2);
    expect(manager.status()[0]?.circuit).toBe("open");

    const skipped = await manager.generateBeat({ prompt: "p" });
    expect(bedrock.calls).toHaveLength(2);
    expect(skipped.attempts[0]).toMatchObject({ provider: "bedrock", ok: false, latencyMs: 0, error: { class: "circuit-open", message: "circuit open after repeated failures; next probe in 30s" } });

    clock.advance(30_000);
    expect(manager.status()[0]?.circuit).toBe("half-open");
    await manager.generateBeat({ prompt: "p" }); // the probe fails: open again
    expect(bedrock.calls).toHaveLength(3);
    expect(manager.status()[0]?.circuit).toBe("open");
    await manager.generateBeat({ prompt: "p" });
    expect(bedrock.calls).toHaveLength(3);
  });

  it("closes again when the probe succeeds", async () => {
    const bedrock = fakeAdapter("bedrock", fail("provider", "down"), fail("provider", "down"), ok());
    const openai = fakeAdapter("openai", ok());
    const { manager, clock } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"], policy: { circuit: { failureThreshold: 2, cooldownMs: 1_000 } } });
    await manager.generateBeat({ prompt: "p" });
    await manager.generateBeat({ prompt: "p" });
    clock.advance(1_000);
    const probe = await manager.generateBeat({ prompt: "p" });
    expect(probe.provider).toBe("bedrock");
    expect(manager.status()[0]?.circuit).toBe("closed");
  });

  it("does not count request-level errors against the provider", async () => {
    const bedrock = fakeAdapter("bedrock", fail("request", "bad"));
    const { manager } = setup({ bedrock }, ALL_KEYS, { providers: ["bedrock"], policy: { circuit: { failureThreshold: 1 } } });
    await failure(manager.generateBeat({ prompt: "p" }));
    await failure(manager.generateBeat({ prompt: "p" }));
    expect(bedrock.calls).toHaveLength(2);
    expect(manager.status()[0]?.circuit).toBe("closed");
  });
});

describe("createProviderManager: deadline and timeouts", () => {
  it("does not start an attempt that cannot finish before the deadline", async () => {
    const bedrock = fakeAdapter("bedrock", ok());
    const { manager, clock } = setup({ bedrock });
    const error = await failure(manager.generateBeat({ prompt: "p" }, { deadline: clock.now() + 500 }));
    expect(error.code).toBe("deadline");
    expect(bedrock.calls).toHaveLength(0);
    expect(error.attempts[0]?.error).toEqual({ class: "deadline", message: "not started: 500 ms left before the deadline, an attempt needs about 1000 ms" });
  });

  it("fails over instead of sleeping past the deadline", async () => {
    const bedrock = fakeAdapter("bedrock", fail("transient", "503", 5_000));
    const openai = fakeAdapter("openai", ok());
    const { manager, clock, sleeps } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"] });
    const result = await manager.generateBeat({ prompt: "p" }, { deadline: clock.now() + 4_000 });
    expect(result.provider).toBe("openai");
    expect(sleeps).toEqual([]);
    expect(result.attempts[0]?.error?.message).toBe("503; no time left to retry before the deadline, failing over");
  });

  it("times out a hung attempt, retries it, then fails over", async () => {
    const bedrock = fakeAdapter("bedrock", hang);
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"], policy: { attemptTimeoutMs: 20, minAttemptMs: 1, maxAttemptsPerProvider: 2 } });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(bedrock.calls).toHaveLength(2);
    expect(bedrock.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(result.attempts.slice(0, 2).map((a) => a.error?.message)).toEqual(["timed out after 20 ms; retrying in 125 ms", "timed out after 20 ms; 2 attempts, retries exhausted"]);
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    const bedrock = fakeAdapter("bedrock", (call) => {
      controller.abort();
      return hang(call, 1);
    });
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai });
    const error = await failure(manager.generateBeat({ prompt: "p" }, { signal: controller.signal }));
    expect(error.code).toBe("aborted");
    expect(openai.calls).toHaveLength(0);
  });
});

describe("createProviderManager: streaming", () => {
  it("delivers the narrative as it arrives and measures the time to first text", async () => {
    const bedrock = fakeAdapter("bedrock", (call, n) => {
      expect(call.onChunk).toBeDefined();
      return streamed(5)(call, n);
    });
    const { manager } = setup({ bedrock });
    const deltas: string[] = [];
    const result = await manager.generateBeat({ prompt: "p" }, { onText: (d) => deltas.push(d) });
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(BEAT.text);
    expect(result.timeToFirstTokenMs).toBe(0);
  });

  it("may retry and fail over before the first text, without duplicating anything", async () => {
    // 8-character pieces: the first is '{"text":' (no text yet); it fails right after it.
    const bedrock = fakeAdapter("bedrock", streamed(8, 1));
    const openai = fakeAdapter("openai", streamed(8));
    const { manager } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"], policy: { maxAttemptsPerProvider: 2 } });
    let shown = "";
    const result = await manager.generateBeat({ prompt: "p" }, { onText: (d) => (shown += d) });
    expect(result.provider).toBe("openai");
    expect(bedrock.calls).toHaveLength(2);
    expect(shown).toBe(BEAT.text);
  });

  it("reports a failure after the first text as stream-interrupted: no retry, no failover", async () => {
    const bedrock = fakeAdapter("bedrock", streamed(12, 3));
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai });
    let shown = "";
    const error = await failure(manager.generateBeat({ prompt: "p" }, { onText: (d) => (shown += d) }));
    expect(error.code).toBe("stream-interrupted");
    expect(bedrock.calls).toHaveLength(1);
    expect(openai.calls).toHaveLength(0);
    expect(error.partialText).toBe(shown);
    expect(BEAT.text.startsWith(shown) && shown.length > 0).toBe(true);
    expect(error.message).toMatch(/^the story stream from bedrock broke after \d+ characters of text: connection failed \(ECONNRESET\)/);
    expect(error.attempts.at(-1)?.error?.class).toBe("stream-interrupted");
  });
});

describe("createProviderManager: malformed replies", () => {
  it("asks once for a repair, and bills both replies", async () => {
    const bedrock = fakeAdapter("bedrock", ok({ text: "Fog.", choices: ["Only one"] }), ok());
    const { manager } = setup({ bedrock });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.beat).toEqual(BEAT);
    expect(result.attempts.map((a) => [a.ok, a.error?.class, a.repair ?? false])).toEqual([
      [false, "malformed", false],
      [true, undefined, true],
    ]);
    expect(result.attempts[0]?.error?.message).toBe("the reply has 1 choice, not 2 to 4; asking once for a repair");
    expect(result.tokens).toEqual({ input: 2000, output: 400, cached: 0, cacheWrite: 0 });
    const repair = bedrock.calls[1]?.prompt.messages ?? [];
    expect(repair.at(-2)).toEqual({ role: "assistant", content: '{"text":"Fog.","choices":["Only one"]}' });
    expect(repair.at(-1)?.content).toMatch(/^That reply was not a valid story beat: the reply has 1 choice/);
  });

  it("counts a second malformed reply as the provider's failure and fails over", async () => {
    const bedrock = fakeAdapter("bedrock", () => ({ prose: "Once upon a time...", usage: USAGE }));
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai }, ALL_KEYS, { providers: ["bedrock", "openai"] });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.provider).toBe("openai");
    expect(bedrock.calls).toHaveLength(2);
    expect(result.attempts[1]?.error).toEqual({ class: "malformed", message: "the model answered in prose instead of the structured beat" });
  });

  it("keeps streamed text that was complete and only repairs the choices, without showing it twice", async () => {
    const bedrock = fakeAdapter("bedrock", streamed(6, undefined, { text: BEAT.text, choices: [] }), ok({ text: "A different text.", choices: BEAT.choices }));
    const { manager } = setup({ bedrock });
    let shown = "";
    const result = await manager.generateBeat({ prompt: "p" }, { onText: (d) => (shown += d) });
    expect(shown).toBe(BEAT.text);
    expect(result.beat).toEqual(BEAT);
    expect(bedrock.calls[1]?.onChunk).toBeUndefined();
  });

  it("retries a failed repair of the choices after the text was shown, without failing over", async () => {
    const bedrock = fakeAdapter("bedrock", streamed(6, undefined, { text: BEAT.text, choices: ["one"] }), fail("transient", "503"), ok());
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai });
    let shown = "";
    const result = await manager.generateBeat({ prompt: "p" }, { onText: (d) => (shown += d) });
    expect(result.beat).toEqual(BEAT);
    expect(shown).toBe(BEAT.text);
    expect(result.attempts.map((a) => [a.ok, a.error?.class, a.repair ?? false])).toEqual([
      [false, "malformed", false],
      [false, "transient", true],
      [true, undefined, true],
    ]);
    expect(openai.calls).toHaveLength(0);
  });

  it("cannot fail over once text was shown: a repair that keeps failing ends as stream-interrupted", async () => {
    const bedrock = fakeAdapter("bedrock", streamed(6, undefined, { text: BEAT.text, choices: [] }), fail("provider", "authentication failed"));
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ bedrock, openai });
    const error = await failure(manager.generateBeat({ prompt: "p" }, { onText: () => {} }));
    expect(error.code).toBe("stream-interrupted");
    expect(openai.calls).toHaveLength(0);
  });

  it("classes a reply cut by the token limit as truncated: not repaired, failed over, the circuit untouched", async () => {
    const bedrock = fakeAdapter("bedrock", () => ({ json: '{"text":"abc', usage: USAGE, stopReason: "max-tokens" }));
    const anthropic = fakeAdapter("anthropic", ok());
    const { manager } = setup({ bedrock, anthropic });
    const result = await manager.generateBeat({ prompt: "p", maxTokens: 64 });
    expect(result.provider).toBe("anthropic");
    expect(bedrock.calls).toHaveLength(1);
    expect(result.attempts[0]?.error).toEqual({ class: "truncated", message: "the reply was cut off at the 64-token output limit before the beat was complete; a larger token limit is needed" });
    expect(manager.status().find((s) => s.name === "bedrock")?.circuit).toBe("closed");
  });

  it("reserves room for a model that always thinks, and says how much went to thinking when it still ran out", async () => {
    const anthropic = fakeAdapter("anthropic", () => ({ json: '{"text":"The', usage: USAGE, thinkingTokens: 5000, stopReason: "max-tokens" }));
    const { manager } = setup({ anthropic }, ALL_KEYS, { providers: ["anthropic"], model: "claude-opus-5-5" });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(anthropic.calls[0]?.maxTokens).toBe(1024 + 4096);
    expect(error.code).toBe("all-failed");
    expect(error.attempts[0]?.error?.message).toBe(
      "the reply was cut off at the 5120-token output limit (1024 for the beat + 4096 reserved for thinking) before the beat was complete; 5000 of the tokens went to thinking; a larger token limit is needed",
    );
  });

  it("names the context window when the conversation outgrew it", async () => {
    const anthropic = fakeAdapter("anthropic", () => ({ json: '{"text":"', usage: { input: 199_000, output: 1000, cached: 0, cacheWrite: 0 }, stopReason: "context-window" }));
    const { manager } = setup({ anthropic }, ALL_KEYS, { providers: ["anthropic"] });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(error.attempts[0]?.error).toMatchObject({ class: "truncated", message: expect.stringContaining("reached claude-haiku-5-5's context window at 199000 input + 1000 output tokens") });
    expect(anthropic.calls).toHaveLength(1);
  });

  it("accepts a valid beat given as text instead of the tool call, without a repair", async () => {
    const bedrock = fakeAdapter("bedrock", () => ({ prose: `Here is the beat:\n${JSON.stringify(BEAT)}`, usage: USAGE, stopReason: "end" }));
    const { manager } = setup({ bedrock });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.beat).toEqual(BEAT);
    expect(result.attempts).toHaveLength(1);
    expect(bedrock.calls).toHaveLength(1);
  });

  it("still repairs prose that is not a beat", async () => {
    const bedrock = fakeAdapter("bedrock", () => ({ prose: "Once upon a time.", usage: USAGE, stopReason: "end" }), ok());
    const { manager } = setup({ bedrock });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.attempts.map((a) => a.error?.message ?? "ok")).toEqual(["the model answered in prose instead of the structured beat; asking once for a repair", "ok"]);
  });
});

describe("createProviderManager: refusals and configuration errors", () => {
  it("ends the call on a refusal: not retried, not failed over, the circuit untouched", async () => {
    const bedrock = fakeAdapter("bedrock", () => ({ refusal: "general_harms: not this story", usage: USAGE, stopReason: "refusal" }));
    const anthropic = fakeAdapter("anthropic", ok());
    const { manager } = setup({ bedrock, anthropic });
    const error = await failure(manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("refused");
    expect(error.message).toBe("bedrock (us.anthropic.claude-haiku-5-5) refused to tell this story: general_harms: not this story");
    expect(error.attempts).toEqual([expect.objectContaining({ provider: "bedrock", error: { class: "request", message: "the model refused: general_harms: not this story" }, tokens: USAGE })]);
    expect([bedrock.calls.length, anthropic.calls.length]).toEqual([1, 0]);
    expect(manager.status().find((s) => s.name === "bedrock")?.circuit).toBe("closed");
  });

  it("treats a content-filter stop without text as a refusal, and fails over when the policy says so", async () => {
    const openai = fakeAdapter("openai", () => ({ usage: USAGE, stopReason: "refusal" }));
    const anthropic = fakeAdapter("anthropic", ok());
    const { manager } = setup({ openai, anthropic }, ALL_KEYS, { providers: ["openai", "anthropic"], policy: { failoverOnRefusal: true } });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.provider).toBe("anthropic");
    expect(result.attempts[0]?.error).toEqual({ class: "request", message: "the model refused" });
  });

  it("reads NOVELI_FAILOVER_ON_REFUSAL", () => {
    expect(providerConfigFromEnv({ NOVELI_FAILOVER_ON_REFUSAL: "1" }).policy.failoverOnRefusal).toBe(true);
    expect(providerConfigFromEnv({}).policy.failoverOnRefusal).toBe(false);
    expect(() => providerConfigFromEnv({ NOVELI_FAILOVER_ON_REFUSAL: "maybe" })).toThrow(/must be 1 or 0/);
  });

  it("fails over on a configuration error, and reports invalid-config when it was the only trouble", async () => {
    const bedrock = fakeAdapter("bedrock", fail("config", "Bedrock refuses on-demand calls to anthropic.claude-haiku-5-5 by its in-region id"));
    const anthropic = fakeAdapter("anthropic", ok());
    const both = setup({ bedrock, anthropic });
    expect((await both.manager.generateBeat({ prompt: "p" })).provider).toBe("anthropic");
    expect(bedrock.calls).toHaveLength(1);

    const alone = setup({ bedrock: fakeAdapter("bedrock", fail("config", "needs an inference profile")) }, ALL_KEYS, { providers: ["bedrock"] });
    const error = await failure(alone.manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("invalid-config");
    expect(error.message).toMatch(/needs an inference profile/);
  });
});

describe("createProviderManager: models", () => {
  it("leaves out a temperature the model rejects, with a note, and passes it where accepted", async () => {
    const anthropic = fakeAdapter("anthropic", ok());
    const first = setup({ anthropic }, ALL_KEYS, { providers: ["anthropic"] });
    const result = await first.manager.generateBeat({ prompt: "p", temperature: 0.4 });
    expect(anthropic.calls[0]?.temperature).toBeUndefined();
    expect(result.notes).toEqual(["temperature 0.4 not applied: claude-haiku-5-5 (anthropic) does not accept a sampling temperature"]);

    const openai = fakeAdapter("openai", ok());
    const second = setup({ openai }, ALL_KEYS, { providers: ["openai"] });
    const other = await second.manager.generateBeat({ prompt: "p", temperature: 0.4 });
    expect(openai.calls[0]?.temperature).toBe(0.4);
    expect(other.notes).toBeUndefined();
  });

  it("reports the cost as unknown (null), not 0, when the reply carried no usage", async () => {
    const openai = fakeAdapter("openai", () => ({ json: JSON.stringify(BEAT) }));
    const { manager } = setup({ openai }, ALL_KEYS, { providers: ["openai"] });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.costUsd).toBeNull();
    expect(result.tokens).toEqual({ input: 0, output: 0, cached: 0, cacheWrite: 0 });
    expect(result.tokensReported).toBe(false);
  });

  it("reports an unpriced model's cost as null", async () => {
    const openai = fakeAdapter("openai", ok());
    const { manager } = setup({ openai }, ALL_KEYS, { providers: ["openai"], model: "llama3.2:3b" });
    const result = await manager.generateBeat({ prompt: "p" });
    expect(result.model).toBe("llama3.2:3b");
    expect(result.costUsd).toBeNull();
    expect(result.attempts[0]?.costUsd).toBeNull();
  });
});
