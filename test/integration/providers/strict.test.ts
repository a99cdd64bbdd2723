import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ANTHROPIC_API_VERSION, MODELS, outputLimit, type ModelProfile } from "@noveli/providers/catalog";
import { providerConfigFromEnv } from "@noveli/providers/config";
import { createProviderManager } from "@noveli/providers/manager";
import type { ProviderName } from "@noveli/providers/types";
import { DEFAULT_BEAT, startAnthropicServer, startBedrockServer, startOpenAiServer, type ProviderServer } from "../../helpers/provider-servers.js";
import { generationFailure, providerEnv, TEST_POLICY } from "./scenarios.js";

/**
 * Every catalog model, through its real SDK, against a strict local server that refuses what the
 * real API refuses (unknown fields, sampling parameters on Anthropic, schema constraints outside
 * Claude's structured-output subset, in-region Bedrock ids...). Plus the answers the APIs give
 * today: refusals, replies cut by the token limit, a beat given as text, errors inside a stream.
 */
describe("today's provider APIs, strict local servers, real SDKs", () => {
  const servers = {} as Record<ProviderName, ProviderServer>;

  beforeAll(async () => {
    [servers.openai, servers.anthropic, servers.bedrock] = await Promise.all([
      startOpenAiServer(undefined, { strict: true }),
      startAnthropicServer(undefined, { strict: true }),
      startBedrockServer(undefined, { strict: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server?.stop()));
  });
  beforeEach(() => {
    for (const server of Object.values(servers)) {
      server.reset();
      server.setScript({ kind: "ok" });
    }
  });

  function manager(provider: ProviderName, model?: string, policy: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}) {
    const { env, overrides } = providerEnv(provider, servers[provider].url);
    return createProviderManager(
      providerConfigFromEnv({ ...env, ...extraEnv }, { ...overrides, providers: [provider], ...(model ? { model } : {}), policy: { ...TEST_POLICY, ...policy } }),
      { sleep: async () => {} },
    );
  }

  /** The temperature and output limit as the provider's wire format carries them. */
  function sent(provider: ProviderName, body: Record<string, any>): { temperature: unknown; maxTokens: unknown } { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (provider === "bedrock") return { temperature: body.inferenceConfig?.temperature, maxTokens: body.inferenceConfig?.maxTokens };
    if (provider === "openai") return { temperature: body.temperature, maxTokens: body.max_completion_tokens };
    return { temperature: body.temperature, maxTokens: body.max_tokens };
  }

  const cases = MODELS.flatMap((model) => [false, true].map((stream) => [`${model.provider} ${model.id}${stream ? " (streamed)" : ""}`, model, stream] as const));

  it.each(cases)("%s: accepted by the strict server, temperature sent only where the model takes it, room left for thinking", async (_name, model: ModelProfile, stream) => {
    const server = servers[model.provider];
    // Models that cannot stop thinking answer with a thinking block first, as the real ones do.
    if (model.thinking.mode === "always") server.setScript({ kind: "ok", thinking: "The reader wants suspense; keep the choices short." });
    const deltas: string[] = [];
    const result = await manager(model.provider, model.id).generateBeat({ prompt: "a lighthouse keeper hears a knock", temperature: 0.7 }, stream ? { onText: (d) => deltas.push(d) } : {});
    expect(server.requests.map((r) => r.refused ?? "accepted")).toEqual(["accepted"]);
    expect(result.beat).toEqual(DEFAULT_BEAT);
    expect(result).toMatchObject({ provider: model.provider, model: model.id });
    if (stream) expect(deltas.join("")).toBe(DEFAULT_BEAT.text);
    const request = sent(model.provider, server.requests[0]?.body);
    expect(request.maxTokens).toBe(outputLimit(model, 1024).total);
    if (model.sampling) {
      expect(request.temperature).toBe(0.7);
      expect(result.notes).toBeUndefined();
    } else {
      expect(request.temperature).toBeUndefined();
      expect(result.notes).toEqual([`temperature 0.7 not applied: ${model.id} (${model.provider}) does not accept a sampling temperature`]);
    }
  });

  it("the Anthropic SDK sends the API version the catalog's no-sampling rule is written for", async () => {
    await manager("anthropic").generateBeat({ prompt: "p" });
    expect(servers.anthropic.requests[0]?.headers["anthropic-version"]).toBe(ANTHROPIC_API_VERSION);
  });

  it("sends a JSON-schema-mode Claude model a schema inside Claude's subset, and reads the text answer", async () => {
    for (const [provider, model] of [
      ["anthropic", "claude-sonnet-5-5"],
      ["bedrock", "global.anthropic.claude-sonnet-5-5"],
    ] as const) {
      const result = await manager(provider, model).generateBeat({ prompt: "p" });
      expect(result.beat).toEqual(DEFAULT_BEAT);
      const body = servers[provider].requests.at(-1)?.body;
      const schema = provider === "anthropic" ? body.output_config.format.schema : JSON.parse(body.outputConfig.textFormat.structure.jsonSchema.schema);
      expect(schema.properties.choices).toEqual(expect.objectContaining({ type: "array", minItems: 1 }));
      expect(schema.properties.choices.maxItems).toBeUndefined();
      expect(provider === "anthropic" ? body.tools : body.toolConfig).toBeUndefined();
    }
  });

  it("still enforces 2 to 4 choices itself when the schema could not say it, with one repair", async () => {
    servers.anthropic.setScript([{ kind: "ok", beat: { text: "The fog lifts.", choices: ["Wait", "Run", "Hide", "Swim", "Sing"] } }, { kind: "ok" }]);
    const result = await manager("anthropic", "claude-opus-5-5").generateBeat({ prompt: "p" });
    expect(result.beat).toEqual(DEFAULT_BEAT);
    expect(result.attempts.map((a) => [a.ok, a.error?.class ?? null, a.repair ?? false])).toEqual([
      [false, "malformed", false],
      [true, null, true],
    ]);
    expect(servers.anthropic.requests.map((r) => r.refused ?? "accepted")).toEqual(["accepted", "accepted"]);
  });

  it.each(["anthropic", "bedrock"] as const)("%s: a valid beat given as plain text in tool mode is accepted as it is, no repair", async (provider) => {
    servers[provider].setScript({ kind: "ok", textOnly: JSON.stringify(DEFAULT_BEAT) });
    for (const stream of [false, true]) {
      servers[provider].reset();
      const result = await manager(provider).generateBeat({ prompt: "p" }, stream ? { onText: () => {} } : {});
      expect(result.beat).toEqual(DEFAULT_BEAT);
      expect(result.attempts).toHaveLength(1);
      expect(servers[provider].requests).toHaveLength(1);
      expect(servers[provider].requests[0]?.body.tools ?? servers[provider].requests[0]?.body.toolConfig).toBeDefined();
    }
  });

  it.each(["anthropic", "openai", "bedrock"] as const)("%s: a refusal ends the call at once: one request, no retry, no failover", async (provider) => {
    servers[provider].setScript({ kind: "refusal", explanation: "This story is not one I can tell." });
    for (const stream of [false, true]) {
      servers[provider].reset();
      const error = await generationFailure(manager(provider).generateBeat({ prompt: "p" }, stream ? { onText: () => {} } : {}));
      expect(error.code).toBe("refused");
      expect(servers[provider].requests).toHaveLength(1);
      expect(error.attempts).toHaveLength(1);
      expect(error.attempts[0]?.error?.class).toBe("request");
      if (provider !== "bedrock") expect(error.message).toContain("This story is not one I can tell.");
    }
  });

  it("fails over on a refusal when NOVELI_FAILOVER_ON_REFUSAL=1", async () => {
    servers.anthropic.setScript({ kind: "refusal" });
    const env = { ...providerEnv("anthropic", servers.anthropic.url).env, ...providerEnv("openai", servers.openai.url).env, NOVELI_FAILOVER_ON_REFUSAL: "1" };
    const both = createProviderManager(providerConfigFromEnv(env, { providers: ["anthropic", "openai"], policy: TEST_POLICY }), { sleep: async () => {} });
    const result = await both.generateBeat({ prompt: "p" });
    expect(result.provider).toBe("openai");
    expect(result.attempts.map((a) => `${a.provider}:${a.error?.class ?? "ok"}`)).toEqual(["anthropic:request", "openai:ok"]);
  });

  it.each(["anthropic", "openai", "bedrock"] as const)("%s: a reply cut by the token limit is 'truncated': one request, not repaired", async (provider) => {
    servers[provider].setScript({ kind: "ok", cut: "max-tokens", usage: { output: 1024 } });
    for (const stream of [false, true]) {
      servers[provider].reset();
      const error = await generationFailure(manager(provider).generateBeat({ prompt: "p" }, stream ? { onText: () => {} } : {}));
      expect(servers[provider].requests).toHaveLength(1);
      // Streamed, the text may already have started: then it is reported as interrupted, never repeated.
      const last = error.attempts.at(-1)?.error;
      expect(error.attempts.length).toBe(1);
      expect(last?.message).toMatch(/cut off at the 1024-token output limit/);
      if (!stream) expect(last?.class).toBe("truncated");
    }
  });

  it("says how much of the limit went to thinking for a model that cannot stop thinking", async () => {
    servers.anthropic.setScript({ kind: "ok", cut: "max-tokens", usage: { output: 5120, thinking: 4900 } });
    const error = await generationFailure(manager("anthropic", "claude-opus-5-5").generateBeat({ prompt: "p" }));
    expect(servers.anthropic.requests[0]?.body.max_tokens).toBe(5120);
    expect(servers.anthropic.requests[0]?.body.output_config.effort).toBe("low");
    expect(error.attempts[0]?.error?.message).toBe(
      "the reply was cut off at the 5120-token output limit (1024 for the beat + 4096 reserved for thinking) before the beat was complete; 4900 of the tokens went to thinking; a larger token limit is needed",
    );
  });

  it("names the context window when Anthropic stops at it", async () => {
    servers.anthropic.setScript({ kind: "ok", cut: "context-window", usage: { input: 198_000, output: 2000 } });
    const error = await generationFailure(manager("anthropic").generateBeat({ prompt: "p" }));
    expect(error.attempts[0]?.error).toMatchObject({ class: "truncated", message: expect.stringContaining("reached claude-haiku-5-5's context window at 198000 input + 2000 output tokens") });
  });

  it("classifies an auth error inside an OpenAI stream as authentication: one request, no retries", async () => {
    servers.openai.setScript({ kind: "stream-error", afterChunks: 0, type: "invalid_request_error", code: "invalid_api_key" });
    const error = await generationFailure(manager("openai").generateBeat({ prompt: "p" }, { onText: () => {} }));
    expect(servers.openai.requests).toHaveLength(1);
    expect(error.code).toBe("all-failed");
    expect(error.attempts).toEqual([expect.objectContaining({ ok: false, error: { class: "provider", message: "authentication failed: error in stream (invalid_api_key): scripted in-stream error" } })]);
  });

  it("turns Bedrock's refusal of an in-region id into a configuration error naming the inference profile", async () => {
    const error = await generationFailure(manager("bedrock", "anthropic.claude-haiku-5-5").generateBeat({ prompt: "p" }));
    expect(servers.bedrock.requests).toHaveLength(1);
    expect(servers.bedrock.requests[0]?.refused).toMatch(/on-demand throughput isn’t supported/);
    expect(error.code).toBe("invalid-config");
    expect(error.attempts[0]?.error).toEqual({
      class: "config",
      status: 400,
      message: "Bedrock refuses on-demand calls to anthropic.claude-haiku-5-5 by its in-region id: use an inference profile instead, e.g. --model bedrock=us.anthropic.claude-haiku-5-5 (or global.anthropic.claude-haiku-5-5)",
    });
  });

  describe("the strict servers refuse what the real APIs refuse (so an accepted request means something)", () => {
    async function post(provider: ProviderName, path: string, body: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${servers[provider].url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: JSON.parse(await response.text()) };
    }
    const anthropicBody = { model: "claude-sonnet-4-6", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };
    const newVersion = { "anthropic-version": "2026-10-21", "x-api-key": "k" };

    it.each([
      [{ ...anthropicBody, temperature: 0.7 }, newVersion, "temperature: Extra inputs are not permitted"],
      [{ ...anthropicBody, top_k: 5 }, newVersion, "top_k: Extra inputs are not permitted"],
      [{ ...anthropicBody, output_config: { effort: "low", verbosity: "high" } }, newVersion, "output_config.verbosity: Extra inputs are not permitted"],
      [{ ...anthropicBody, output_config: { format: { type: "json_schema", schema: { type: "object", additionalProperties: false, properties: { c: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 4 } } } } } }, newVersion, "output_config.format.schema: For 'array' type, property 'maxItems' is not supported"],
      [{ ...anthropicBody, model: "claude-opus-5-5", thinking: { type: "disabled" } }, newVersion, "thinking.type: 'disabled' is not supported for claude-opus-5-5: its thinking cannot be turned off"],
      [{ ...anthropicBody, model: "claude-haiku-5-5", tools: [{ name: "t", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: "t" } }, newVersion, "tool_choice: forcing tool use on claude-haiku-5-5 requires thinking.type 'disabled'"],
    ])("Anthropic refuses %j", async (body, headers, message) => {
      const reply = await post("anthropic", "/v1/messages", body, headers);
      expect(reply).toEqual({ status: 400, body: expect.objectContaining({ error: { type: "invalid_request_error", message } }) });
    });

    it("Anthropic's older API version still took a temperature", async () => {
      expect((await post("anthropic", "/v1/messages", { ...anthropicBody, temperature: 0.7 }, { "anthropic-version": "2023-06-01" })).status).toBe(200);
    });

    it.each([
      [{ model: "gpt-6-luna", messages: [], max_tokens: 10 }, /'max_tokens' is not supported with this model/],
      [{ model: "gpt-6.2-sol", messages: [], temperature: 0.5 }, /'temperature' is not supported with reasoning effort 'low'/],
      [{ model: "gpt-6.2-sol", messages: [], reasoning_effort: "none" }, /does not support 'none'/],
      [{ model: "gpt-6-luna", messages: [], seed_phrase: 1 }, /Unrecognized request argument supplied: seed_phrase/],
    ])("OpenAI refuses %j", async (body, message) => {
      const reply = await post("openai", "/chat/completions", body, { authorization: "Bearer k" });
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toMatch(message);
    });

    it.each([
      ["anthropic.claude-haiku-5-5", { messages: [] }, /on-demand throughput isn’t supported/],
      ["us.anthropic.claude-haiku-5-5", { messages: [], inferenceConfig: { temperature: 0.2 } }, /does not support the parameters temperature and topP/],
      ["us.anthropic.claude-haiku-5-5", { messages: [], temperature: 0.2 }, /Unknown parameter in input: "temperature"/],
    ])("Bedrock refuses %s %j", async (model, body, message) => {
      const reply = await post("bedrock", `/model/${encodeURIComponent(model)}/converse`, body);
      expect(reply.status).toBe(400);
      expect(reply.body.message).toMatch(message);
    });
  });
});
