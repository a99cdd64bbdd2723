import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MODELS, modelProfile, type ModelPrice } from "@noveli/providers/catalog";
import { providerConfigFromEnv, type ProviderConfigOverrides } from "@noveli/providers/config";
import { GenerationError } from "@noveli/providers/errors";
import { createProviderManager } from "@noveli/providers/manager";
import type { GenerationResult, ProviderManager, ProviderName } from "@noveli/providers/types";
import { DEFAULT_BEAT, refusedUrl, type ProviderServer, type Script, type ServerOptions } from "../../helpers/provider-servers.js";

/**
 * The same failure scenarios for each provider: the real SDK against a local server that speaks
 * its wire protocol. Used by openai.test.ts, anthropic.test.ts and bedrock.test.ts.
 */

export const SECRET_KEY = "sk-LEAKCANARY-0123456789abcdef";

/** Environment and overrides that point one provider at `url`. */
export function providerEnv(provider: ProviderName, url: string): { env: Record<string, string>; overrides: ProviderConfigOverrides } {
  switch (provider) {
    case "openai":
      return { env: { OPENAI_API_KEY: SECRET_KEY, OPENAI_BASE_URL: url }, overrides: {} };
    case "anthropic":
      return { env: { ANTHROPIC_API_KEY: SECRET_KEY, ANTHROPIC_BASE_URL: url }, overrides: {} };
    case "bedrock":
      return { env: { AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE", AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_REGION: "us-east-1" }, overrides: { endpointUrl: url } };
  }
}

/** Fast policy for tests: small timeouts, immediate (recorded) backoff. */
export const TEST_POLICY = { attemptTimeoutMs: 1_500, minAttemptMs: 1, baseDelayMs: 1, maxDelayMs: 2 } as const;

export function testManager(provider: ProviderName, url: string, policy: ProviderConfigOverrides["policy"] = {}): { manager: ProviderManager; sleeps: number[] } {
  const { env, overrides } = providerEnv(provider, url);
  const sleeps: number[] = [];
  const manager = createProviderManager(providerConfigFromEnv(env, { ...overrides, providers: [provider], policy: { ...TEST_POLICY, ...policy } }), {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { manager, sleeps };
}

export async function generationFailure(promise: Promise<unknown>): Promise<GenerationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GenerationError) return error;
    throw error;
  }
  throw new Error("expected generateBeat to fail");
}

function expectedCost(provider: ProviderName, usage: { input: number; output: number; cached: number; cacheWrite: number }): number {
  const price = modelProfile(provider, DEFAULT_MODELS[provider]).price as ModelPrice;
  return (usage.input * price.input + usage.output * price.output + usage.cached * price.cacheRead + usage.cacheWrite * price.cacheWrite) / 1e6;
}

export function providerScenarios(provider: ProviderName, start: (script?: Script, options?: ServerOptions) => Promise<ProviderServer>): void {
  describe(`${provider}: the real SDK against a local ${provider} server in strict mode`, () => {
    let server: ProviderServer;
    beforeAll(async () => {
      server = await start(undefined, { strict: true });
    });
    afterAll(async () => {
      await server?.stop();
    });
    beforeEach(() => {
      server.reset();
      server.setScript({ kind: "ok" });
    });

    const generate = (options: { stream?: boolean; policy?: ProviderConfigOverrides["policy"] } = {}) => {
      const { manager, sleeps } = testManager(provider, server.url, options.policy);
      const deltas: string[] = [];
      const call = manager.generateBeat({ prompt: "a lighthouse keeper hears a knock", genre: "gothic" }, options.stream ? { onText: (d) => deltas.push(d) } : {});
      return { call, deltas, sleeps, manager };
    };

    it("tells a beat through the structured-output API, with tokens and cost from the reply", async () => {
      const usage = { input: 1200, output: 300, cached: 400, cacheWrite: provider === "openai" ? 0 : 50 };
      server.setScript({ kind: "ok", usage });
      const result = await generate().call;
      expect(result.beat).toEqual(DEFAULT_BEAT);
      expect(result).toMatchObject({ provider, model: DEFAULT_MODELS[provider], tokens: usage, timeToFirstTokenMs: null });
      expect(result.costUsd).toBeCloseTo(expectedCost(provider, usage), 12);
      expect(result.attempts).toHaveLength(1);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.refused).toBeUndefined();
      expect(server.requests[0]?.stream).toBe(false);
      const body = server.requests[0]?.body;
      if (provider === "openai") {
        expect(body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "story_beat", strict: true } });
        expect(body.reasoning_effort).toBe("none");
        // A catalog model is OpenAI's, wherever it is served: max_completion_tokens, which reasoning models require.
        expect(body.max_completion_tokens).toBe(1024);
        expect(body.max_tokens).toBeUndefined();
      } else if (provider === "anthropic") {
        expect(body.tool_choice).toEqual({ type: "tool", name: "tell_story_beat", disable_parallel_tool_use: true });
        expect(body.thinking).toEqual({ type: "disabled" });
        expect(body.max_tokens).toBe(1024);
      } else {
        expect(server.requests[0]?.model).toBe(DEFAULT_MODELS.bedrock);
        expect(body.toolConfig.toolChoice).toEqual({ tool: { name: "tell_story_beat" } });
        expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "disabled" } });
        expect(body.inferenceConfig).toEqual({ maxTokens: 1024 });
      }
    });

    it("streams the narrative as it arrives and still accounts for the tokens", async () => {
      server.setScript({ kind: "ok", chunkSize: 9, usage: { input: 200, output: 80 } });
      const { call, deltas } = generate({ stream: true });
      const result = await call;
      expect(server.requests[0]?.stream).toBe(true);
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join("")).toBe(DEFAULT_BEAT.text);
      expect(result.beat).toEqual(DEFAULT_BEAT);
      expect(result.tokens).toMatchObject({ input: 200, output: 80 });
      expect(result.timeToFirstTokenMs).not.toBeNull();
    });

    it("retries a 500 on the same provider (the SDK's own retries are off)", async () => {
      server.setScript([{ kind: "error", status: 500 }, { kind: "ok" }]);
      const { call, sleeps } = generate();
      const result = await call;
      expect(server.requests).toHaveLength(2);
      expect(sleeps).toHaveLength(1);
      expect(result.attempts.map((a) => [a.ok, a.error?.class, a.error?.status])).toEqual([
        [false, "transient", 500],
        [true, undefined, undefined],
      ]);
    });

    it("honours Retry-After on a 429", async () => {
      server.setScript([{ kind: "error", status: 429, retryAfter: 2 }, { kind: "ok" }]);
      const { call, sleeps } = generate();
      await call;
      expect(sleeps).toEqual([2000]);
      expect(server.requests).toHaveLength(2);
    });

    it("gives up on the provider when its 500s outlast the retries", async () => {
      server.setScript({ kind: "error", status: 503 });
      const error = await generationFailure(generate().call);
      expect(error.code).toBe("all-failed");
      expect(server.requests).toHaveLength(3);
      expect(error.attempts.at(-1)?.error?.message).toMatch(/3 attempts, retries exhausted$/);
    });

    it("fails over at once (no retry) when the connection is refused", async () => {
      const dead = await refusedUrl(provider === "openai" ? "/v1" : "");
      const { manager, sleeps } = testManager(provider, dead.url);
      const error = await generationFailure(manager.generateBeat({ prompt: "p" }));
      expect(error.attempts).toHaveLength(1);
      expect(error.attempts[0]?.error).toMatchObject({ class: "provider", message: expect.stringContaining("ECONNREFUSED") });
      expect(sleeps).toEqual([]);
    });

    it("retries a connection reset", async () => {
      server.setScript([{ kind: "destroy" }, { kind: "ok" }]);
      const result = await generate().call;
      expect(result.attempts[0]?.error?.class).toBe("transient");
      expect(server.requests).toHaveLength(2);
    });

    it("times out an attempt that hangs, and retries it", async () => {
      server.setScript([{ kind: "hang" }, { kind: "ok" }]);
      const result = await generate({ policy: { attemptTimeoutMs: 300 } }).call;
      expect(result.attempts[0]?.error).toMatchObject({ class: "transient", message: expect.stringMatching(/^timed out after 300 ms/) });
      expect(server.requests).toHaveLength(2);
    });

    it("retries a malformed response body", async () => {
      server.setScript([{ kind: "malformed-body" }, { kind: "ok" }]);
      const result = await generate().call;
      expect(result.attempts[0]?.error?.class).toBe("transient");
      expect(result.beat).toEqual(DEFAULT_BEAT);
    });

    it("retries a malformed stream before any text was shown", async () => {
      server.setScript([{ kind: "malformed-body" }, { kind: "ok" }]);
      const { call, deltas } = generate({ stream: true });
      const result = await call;
      expect(result.attempts.map((a) => a.ok)).toEqual([false, true]);
      expect(deltas.join("")).toBe(DEFAULT_BEAT.text);
    });

    it("retries a stream that drops before the first text", async () => {
      server.setScript([{ kind: "disconnect-mid-stream", afterChunks: 0 }, { kind: "ok" }]);
      const { call, deltas } = generate({ stream: true });
      const result = await call;
      expect(server.requests).toHaveLength(2);
      expect(result.attempts[0]?.error?.class).toBe("transient");
      expect(deltas.join("")).toBe(DEFAULT_BEAT.text);
    });

    it("reports a stream that drops after the first text as interrupted, never retried", async () => {
      server.setScript([{ kind: "disconnect-mid-stream", afterChunks: 3, chunkSize: 12 }, { kind: "ok" }]);
      const { call, deltas } = generate({ stream: true });
      const error = await generationFailure(call);
      expect(error.code).toBe("stream-interrupted");
      expect(server.requests).toHaveLength(1);
      const shown = deltas.join("");
      expect(shown.length).toBeGreaterThan(0);
      expect(DEFAULT_BEAT.text.startsWith(shown)).toBe(true);
      expect(error.partialText).toBe(shown);
      expect(error.attempts.at(-1)?.error?.class).toBe("stream-interrupted");
    });

    it("reports an in-stream error event after the first text as interrupted", async () => {
      server.setScript({ kind: "stream-error", afterChunks: 3, chunkSize: 12 });
      const { call } = generate({ stream: true });
      const error = await generationFailure(call);
      expect(error.code).toBe("stream-interrupted");
      expect(server.requests).toHaveLength(1);
    });

    it("retries an in-stream error event that comes before any text", async () => {
      server.setScript([{ kind: "stream-error", afterChunks: 0 }, { kind: "ok" }]);
      const { call, deltas } = generate({ stream: true });
      await call;
      expect(server.requests).toHaveLength(2);
      expect(deltas.join("")).toBe(DEFAULT_BEAT.text);
    });

    it("repairs a malformed beat once, sending the faulty reply back", async () => {
      server.setScript([{ kind: "ok", beat: { text: "Fog rolls in.", choices: ["Wait"] } }, { kind: "ok" }]);
      const result: GenerationResult = await generate().call;
      expect(result.beat).toEqual(DEFAULT_BEAT);
      expect(result.attempts.map((a) => [a.ok, a.error?.class, a.repair ?? false])).toEqual([
        [false, "malformed", false],
        [true, undefined, true],
      ]);
      expect(JSON.stringify(server.requests[1]?.body)).toContain("That reply was not a valid story beat: the reply has 1 choice, not 2 to 4");
      expect(result.tokens.input).toBe(240);
    });

    it("counts a reply that stays malformed after the repair as the provider's failure", async () => {
      server.setScript({ kind: "ok", textOnly: "Once upon a time, with no choices at all." });
      const error = await generationFailure(generate().call);
      expect(error.code).toBe("all-failed");
      expect(server.requests).toHaveLength(2);
      expect(error.attempts.map((a) => a.error?.class)).toEqual(["malformed", "malformed"]);
    });

    it("fails over on an authentication error, without ever showing the key the server echoed", async () => {
      server.setScript({ kind: "error", status: provider === "bedrock" ? 403 : 401, echoCredentials: true, ...(provider === "bedrock" ? { type: "UnrecognizedClientException" } : {}) });
      const error = await generationFailure(generate().call);
      expect(server.requests).toHaveLength(1);
      expect(error.attempts[0]?.error?.class).toBe("provider");
      expect(error.attempts[0]?.error?.message).toMatch(/^authentication failed/);
      const everything = JSON.stringify({ message: error.message, attempts: error.attempts, providers: error.providers });
      expect(everything).not.toContain(SECRET_KEY);
      expect(everything).not.toContain("LEAKCANARY");
    });

    it("fails over when the model is not found", async () => {
      server.setScript({ kind: "error", status: 404, message: "model not found" });
      const error = await generationFailure(generate().call);
      expect(error.attempts[0]?.error).toMatchObject({ class: "provider", status: 404 });
      expect(server.requests).toHaveLength(1);
    });

    it("fails fast on an invalid request", async () => {
      server.setScript({ kind: "error", status: 400, message: "messages: roles must alternate" });
      const error = await generationFailure(generate().call);
      expect(error.code).toBe("invalid-request");
      expect(server.requests).toHaveLength(1);
    });
  });
}
