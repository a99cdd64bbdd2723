import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { providerConfigFromEnv } from "@noveli/providers/config";
import { createProviderManager } from "@noveli/providers/manager";
import {
  refusedUrl,
  startAnthropicServer,
  startBedrockServer,
  startConnectionCounter,
  startOpenAiServer,
  type ProviderServer,
} from "../../helpers/provider-servers.js";
import { generationFailure, SECRET_KEY, TEST_POLICY } from "./scenarios.js";

/** The three real SDKs together: failover order, attempt counts, the circuit opening and closing. */
describe("failover across Bedrock, Anthropic and OpenAI (real SDKs, local servers)", () => {
  let bedrock: ProviderServer;
  let anthropic: ProviderServer;
  let openai: ProviderServer;

  beforeAll(async () => {
    [bedrock, anthropic, openai] = await Promise.all([startBedrockServer(), startAnthropicServer(), startOpenAiServer()]);
  });
  afterAll(async () => {
    await Promise.all([bedrock?.stop(), anthropic?.stop(), openai?.stop()]);
  });
  beforeEach(() => {
    for (const server of [bedrock, anthropic, openai]) {
      server.reset();
      server.setScript({ kind: "ok" });
    }
  });

  function env(bedrockUrl = bedrock.url) {
    return {
      config: providerConfigFromEnv(
        { ANTHROPIC_API_KEY: SECRET_KEY, ANTHROPIC_BASE_URL: anthropic.url, OPENAI_API_KEY: SECRET_KEY, OPENAI_BASE_URL: openai.url },
        { endpointUrl: bedrockUrl, policy: { ...TEST_POLICY, circuit: { failureThreshold: 2, cooldownMs: 60_000 } } },
      ),
    };
  }

  function fakeClock() {
    let now = Date.now();
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it("goes bedrock → anthropic → openai: refused at once, 500s retried to exhaustion, then success", async () => {
    const dead = await refusedUrl();
    anthropic.setScript({ kind: "error", status: 500 });
    const manager = createProviderManager(env(dead.url).config, { sleep: async () => {} });
    const result = await manager.generateBeat({ prompt: "a ghost ship" });
    expect(result.provider).toBe("openai");
    expect(result.attempts.map((a) => `${a.provider}:${a.ok ? "ok" : a.error?.class}`)).toEqual([
      "bedrock:provider",
      "anthropic:transient",
      "anthropic:transient",
      "anthropic:transient",
      "openai:ok",
    ]);
    expect([anthropic.requests.length, openai.requests.length]).toEqual([3, 1]);
    expect(result.attempts[0]?.error?.message).toMatch(/ECONNREFUSED/);
    // Only the successful reply was billed.
    expect(result.tokens).toEqual({ input: 120, output: 48, cached: 0, cacheWrite: 0 });
  });

  it("streams from the provider that answers after a failover before the first token", async () => {
    bedrock.setScript({ kind: "disconnect-mid-stream", afterChunks: 0 });
    const manager = createProviderManager(env().config, { sleep: async () => {} });
    let shown = "";
    const result = await manager.generateBeat({ prompt: "p" }, { onText: (d) => (shown += d) });
    expect(result.provider).toBe("anthropic");
    expect(bedrock.requests).toHaveLength(3);
    expect(shown).toBe(result.beat.text);
  });

  it("opens Bedrock's circuit after repeated failures, sends it nothing while open, and closes it after a good probe", async () => {
    bedrock.setScript({ kind: "error", status: 403, type: "AccessDeniedException", message: "no model access" });
    const clock = fakeClock();
    const manager = createProviderManager(env().config, { clock, sleep: async () => {} });

    await manager.generateBeat({ prompt: "p" });
    await manager.generateBeat({ prompt: "p" });
    expect(bedrock.requests).toHaveLength(2);
    expect(manager.status()[0]).toMatchObject({ name: "bedrock", circuit: "open" });

    const connectionsBefore = bedrock.connections;
    for (let i = 0; i < 5; i++) {
      const result = await manager.generateBeat({ prompt: "p" });
      expect(result.provider).toBe("anthropic");
      expect(result.attempts[0]?.error?.class).toBe("circuit-open");
    }
    expect(bedrock.requests).toHaveLength(2);
    expect(bedrock.connections).toBe(connectionsBefore);

    bedrock.setScript({ kind: "ok" });
    clock.advance(60_000);
    expect(manager.status()[0]?.circuit).toBe("half-open");
    const probe = await manager.generateBeat({ prompt: "p" });
    expect(probe.provider).toBe("bedrock");
    expect(bedrock.requests).toHaveLength(3);
    expect(manager.status()[0]?.circuit).toBe("closed");
  });

  it("sends no connection at all to a refused provider while its circuit is open", async () => {
    const dead = await refusedUrl();
    const clock = fakeClock();
    const manager = createProviderManager(env(dead.url).config, { clock, sleep: async () => {} });
    await manager.generateBeat({ prompt: "p" });
    await manager.generateBeat({ prompt: "p" });
    expect(manager.status()[0]?.circuit).toBe("open");
    // Listen on the dead port now: any connection attempt would be counted.
    const counter = await startConnectionCounter(dead.port);
    try {
      for (let i = 0; i < 5; i++) await manager.generateBeat({ prompt: "p" });
      expect(counter.connections).toBe(0);
      clock.advance(60_000);
      await manager.generateBeat({ prompt: "p" });
      expect(counter.connections).toBe(1);
    } finally {
      await counter.stop();
    }
  });

  it("lists each provider's reason when all of them fail", async () => {
    bedrock.setScript({ kind: "error", status: 404, type: "ResourceNotFoundException", message: "model not found" });
    anthropic.setScript({ kind: "error", status: 401, echoCredentials: true });
    openai.setScript({ kind: "error", status: 429, type: "insufficient_quota", message: "You exceeded your current quota" });
    const manager = createProviderManager(env().config, { sleep: async () => {} });
    const error = await generationFailure(manager.generateBeat({ prompt: "p" }));
    expect(error.code).toBe("all-failed");
    expect(error.reasons().map((r) => `${r.provider}:${r.class}`)).toEqual(["bedrock:provider", "anthropic:provider", "openai:provider"]);
    expect(error.message).not.toContain(SECRET_KEY);
    expect([bedrock.requests.length, anthropic.requests.length, openai.requests.length]).toEqual([1, 1, 1]);
  });
});
