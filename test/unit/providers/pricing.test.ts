import { describe, expect, it } from "vitest";
import { CATALOG_CHECKED, DEFAULT_MODELS, inferenceProfilesFor, isCatalogModel, MODELS, modelProfile, outputLimit, type ModelPrice } from "@noveli/providers/catalog";
import { addCosts, costUsd } from "@noveli/providers/pricing";
import { PROVIDER_NAMES } from "@noveli/providers/types";

const price: ModelPrice = {
  input: 3,
  output: 15,
  cacheRead: 0.3,
  cacheWrite: 3.75,
  longContext: { aboveInputTokens: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 },
  checked: "2026-11-25",
  source: "test",
};

describe("costUsd", () => {
  it("prices input, output, cache reads and cache writes separately", () => {
    // 1000*3 + 500*15 + 2000*0.3 + 100*3.75 = 3000 + 7500 + 600 + 375 = 11475 micro-dollars
    expect(costUsd(price, { input: 1000, output: 500, cached: 2000, cacheWrite: 100 })).toBe(0.011475);
  });

  it("switches every token to the long-context prices above the prompt threshold (cache included)", () => {
    const usage = { input: 150_000, output: 1000, cached: 50_001, cacheWrite: 0 };
    expect(costUsd(price, usage)).toBe((150_000 * 6 + 1000 * 22.5 + 50_001 * 0.6) / 1e6);
    expect(costUsd(price, { ...usage, cached: 50_000 })).toBe((150_000 * 3 + 1000 * 15 + 50_000 * 0.3) / 1e6);
  });

  it("reports an unpriced model as null, never 0", () => {
    expect(costUsd(undefined, { input: 10, output: 10, cached: 0 })).toBeNull();
    expect(costUsd(modelProfile("openai", "llama3.2:3b").price, { input: 10, output: 10, cached: 0 })).toBeNull();
    expect(costUsd(price, { input: 0, output: 0, cached: 0 })).toBe(0);
  });

  it("adds costs, and any unpriced part makes the total unpriced", () => {
    expect(addCosts([0.1, 0.2])).toBe(0.3);
    expect(addCosts([0.1, null])).toBeNull();
    expect(addCosts([])).toBe(0);
  });
});

describe("the model catalog", () => {
  it("has a priced, current default for every provider", () => {
    for (const provider of PROVIDER_NAMES) {
      const profile = modelProfile(provider, DEFAULT_MODELS[provider]);
      expect(profile.price, `${provider} default ${DEFAULT_MODELS[provider]}`).toBeDefined();
      expect(MODELS).toContainEqual(expect.objectContaining({ provider, id: DEFAULT_MODELS[provider] }));
    }
  });

  it("does not default to the seed design's retired models", () => {
    const retired = ["claude-3-sonnet-20240229", "gpt-4", "claude-3-haiku-20240307"];
    for (const id of Object.values(DEFAULT_MODELS)) expect(retired).not.toContain(id);
    for (const model of MODELS) expect(retired).not.toContain(model.id);
  });

  it("dates and sources every price, with non-negative figures and unique ids", () => {
    const keys = new Set<string>();
    for (const model of MODELS) {
      const key = `${model.provider}/${model.id}`;
      expect(keys.has(key), key).toBe(false);
      keys.add(key);
      expect(model.price?.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect((model.price?.checked ?? "") <= CATALOG_CHECKED, `${key} checked ${model.price?.checked}`).toBe(true);
      expect(model.price?.source).toMatch(/^https:\/\//);
      for (const figure of [model.price?.input, model.price?.output, model.price?.cacheRead, model.price?.cacheWrite]) expect(figure).toBeGreaterThanOrEqual(0);
    }
  });

  it("gives an unknown model a generic, unpriced profile; an unknown Claude id gets no temperature either", () => {
    expect(modelProfile("anthropic", "claude-future-9")).toEqual({
      provider: "anthropic",
      id: "claude-future-9",
      label: "claude-future-9",
      structured: "tool",
      sampling: false,
      thinking: { mode: "none" },
      status: "active",
    });
    expect(modelProfile("openai", "qwen3")).toMatchObject({ structured: "json-schema", sampling: true });
    expect(modelProfile("bedrock", "meta.llama4-scout-17b-instruct-v1:0").sampling).toBe(true);
    expect(isCatalogModel("openai", "qwen3")).toBe(false);
    expect(isCatalogModel("openai", "gpt-6-luna")).toBe(true);
  });

  it("sends no temperature to any Anthropic model: API version 2026-10-21 has no sampling parameters", () => {
    for (const model of MODELS.filter((m) => m.provider === "anthropic")) expect(model.sampling, model.id).toBe(false);
  });

  it("prices OpenAI's cached input at 5% of input for the GPT-6 family, dated when it was corrected", () => {
    for (const id of ["gpt-6-luna", "gpt-6.1-terra", "gpt-6.2-sol", "gpt-6.2-astra"]) {
      const price = modelProfile("openai", id).price as ModelPrice;
      expect(price.cacheRead, id).toBeCloseTo(price.input * 0.05, 10);
      expect(price.longContext?.cacheRead, id).toBeCloseTo((price.longContext?.input ?? NaN) * 0.05, 10);
      expect(price.checked).toBe("2026-12-01");
    }
  });

  it("records Bedrock's global Sonnet 5.5 cache read as unconfirmed, charging the higher candidate", () => {
    const price = modelProfile("bedrock", "global.anthropic.claude-sonnet-5-5").price as ModelPrice;
    expect(price.unconfirmed).toEqual([expect.objectContaining({ rate: "cacheRead", candidates: [0.1, 0.2] })]);
    expect(price.cacheRead).toBe(0.2);
    for (const model of MODELS) {
      for (const open of model.price?.unconfirmed ?? []) expect(model.price?.[open.rate]).toBe(Math.max(...open.candidates));
    }
  });

  it("lists only inference-profile ids for Bedrock, and suggests the profile for an in-region id", () => {
    for (const model of MODELS.filter((m) => m.provider === "bedrock")) expect(model.id, model.id).toMatch(/^(us|global)\./);
    expect(inferenceProfilesFor("anthropic.claude-haiku-5-5", "us-west-2")).toEqual(["us.anthropic.claude-haiku-5-5", "global.anthropic.claude-haiku-5-5"]);
    expect(inferenceProfilesFor("anthropic.claude-sonnet-5-5", "eu-central-1")).toEqual(["global.anthropic.claude-sonnet-5-5", "eu.anthropic.claude-sonnet-5-5"]);
    expect(inferenceProfilesFor("us.anthropic.claude-haiku-5-5", "us-east-1")).toEqual([]);
  });

  it("leaves room in the output limit for models that cannot stop thinking", () => {
    expect(outputLimit(modelProfile("anthropic", "claude-haiku-5-5"), 1024)).toEqual({ total: 1024, thinkingReserve: 0 });
    expect(outputLimit(modelProfile("anthropic", "claude-opus-5-5"), 1024)).toEqual({ total: 5120, thinkingReserve: 4096 });
    expect(outputLimit(modelProfile("openai", "gpt-6.2-sol"), 1024)).toEqual({ total: 3072, thinkingReserve: 2048 });
    expect(outputLimit(modelProfile("openai", "gpt-6-luna"), 1024)).toEqual({ total: 1024, thinkingReserve: 0 });
    for (const model of MODELS) expect(model.thinking.mode, model.id).toMatch(/^(none|disable|always|reasoning)$/);
  });

  it("charges Bedrock's 10% regional premium on the US profile of Haiku 5.5", () => {
    const anthropic = modelProfile("anthropic", "claude-haiku-5-5").price as ModelPrice;
    const bedrock = modelProfile("bedrock", "us.anthropic.claude-haiku-5-5").price as ModelPrice;
    expect(bedrock.input).toBeCloseTo(anthropic.input * 1.1, 10);
    expect(bedrock.output).toBeCloseTo(anthropic.output * 1.1, 10);
  });
});
