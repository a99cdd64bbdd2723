import { describe, expect, it } from "vitest";
import { bedrockAccessNeeded, isUsable, judgeModel, type ProviderListing } from "../../../src/ops/models/availability.js";
import { checkModels, type ModelListers } from "../../../src/ops/models/check.js";
import { describeThinking, modelRows } from "../../../src/ops/models/rows.js";
import { MODELS } from "@noveli/providers/catalog";
import { providerConfigFromEnv } from "@noveli/providers/config";

const bedrock: Extract<ProviderListing, { provider: "bedrock" }> = {
  provider: "bedrock",
  region: "us-east-1",
  foundationModels: [
    { modelId: "anthropic.claude-haiku-5-5", lifecycle: "ACTIVE", onDemand: false },
    { modelId: "anthropic.claude-3-haiku-20240307-v1:0", lifecycle: "LEGACY", onDemand: true },
    { modelId: "meta.llama4-scout-17b-instruct-v1:0", lifecycle: "ACTIVE", onDemand: true },
  ],
  profiles: [{ id: "us.anthropic.claude-haiku-5-5", status: "ACTIVE", modelIds: ["anthropic.claude-haiku-5-5"] }],
  access: {
    "anthropic.claude-haiku-5-5": { authorized: true, entitled: true, inRegion: true, agreement: "AVAILABLE" },
    "meta.llama4-scout-17b-instruct-v1:0": { authorized: false, entitled: true, inRegion: true, agreement: "NOT_AVAILABLE" },
  },
};

describe("judgeModel", () => {
  it("judges OpenAI ids by whether the key's list has them", () => {
    expect(judgeModel({ provider: "openai", ids: ["gpt-6-luna"] }, "gpt-6-luna")).toEqual({ state: "available" });
    expect(judgeModel({ provider: "openai", ids: ["gpt-6-luna"] }, "gpt-9")).toMatchObject({ state: "unknown" });
  });

  it("judges Anthropic ids by their lifecycle", () => {
    const listing: ProviderListing = {
      provider: "anthropic",
      models: [
        { id: "a", lifecycle: "active", retiresAt: null },
        { id: "d", lifecycle: "deprecated", retiresAt: "2027-01-22T00:00:00Z" },
        { id: "r", lifecycle: "retired", retiresAt: null },
      ],
    };
    expect(["a", "d", "r", "x"].map((id) => judgeModel(listing, id))).toEqual([
      { state: "available" },
      { state: "deprecated", note: "deprecated, retires 2027-01-22" },
      { state: "retired", note: "retired: requests naming it fail" },
      { state: "unknown", note: "Anthropic does not list this id (GET /v1/models)" },
    ]);
    expect([true, true, false, false]).toEqual(["a", "d", "r", "x"].map((id) => isUsable(judgeModel(listing, id))));
  });

  it("judges Bedrock ids: profiles through their model's access, in-region ids that need a profile, legacy models, unknown ids", () => {
    expect(judgeModel(bedrock, "us.anthropic.claude-haiku-5-5")).toEqual({ state: "available" });
    expect(judgeModel(bedrock, "anthropic.claude-haiku-5-5")).toEqual({ state: "needs-profile", note: "not callable on demand by its in-region id: use us.anthropic.claude-haiku-5-5" });
    expect(judgeModel(bedrock, "anthropic.claude-3-haiku-20240307-v1:0")).toEqual({ state: "deprecated", note: "legacy: Bedrock is retiring it" });
    expect(judgeModel(bedrock, "meta.llama4-scout-17b-instruct-v1:0")).toMatchObject({ state: "not-enabled", note: expect.stringContaining("not granted") });
    expect(judgeModel(bedrock, "eu.anthropic.claude-haiku-5-5")).toMatchObject({ state: "unknown", note: expect.stringContaining("in us-east-1") });
    expect(bedrockAccessNeeded(bedrock, ["us.anthropic.claude-haiku-5-5", "anthropic.claude-haiku-5-5", "nope"])).toEqual(["anthropic.claude-haiku-5-5"]);
  });
});

describe("checkModels", () => {
  const listers = (overrides: Partial<ModelListers> = {}): ModelListers => ({
    openai: async () => MODELS.filter((m) => m.provider === "openai").map((m) => m.id),
    anthropic: async () => [{ id: "claude-haiku-5-5", lifecycle: "active", retiresAt: null }],
    bedrock: {
      region: "us-east-1",
      foundationModels: async () => bedrock.foundationModels,
      inferenceProfiles: async () => bedrock.profiles,
      access: async (id) => bedrock.access[id] ?? { authorized: true, entitled: true, inRegion: true, agreement: "AVAILABLE" },
    },
    ...overrides,
  });

  it("checks only configured providers, every catalog id and the selected model, and lists unusable selected models", async () => {
    const config = providerConfigFromEnv({ OPENAI_API_KEY: "sk-x-123456", ANTHROPIC_API_KEY: "sk-y-123456", NOVELI_ANTHROPIC_MODEL: "claude-gone-1" });
    const report = await checkModels(config, listers());
    expect(report.providers.map((p) => [p.provider, p.checked])).toEqual([
      ["bedrock", false],
      ["anthropic", true],
      ["openai", true],
    ]);
    expect(report.models.filter((m) => m.provider === "anthropic").map((m) => m.id)).toEqual([...MODELS.filter((m) => m.provider === "anthropic").map((m) => m.id), "claude-gone-1"]);
    expect(report.unusable).toEqual([{ provider: "anthropic", id: "claude-gone-1", reason: "unknown: Anthropic does not list this id (GET /v1/models)" }]);
  });

  it("counts a list that cannot be read as an unusable selection", async () => {
    const config = providerConfigFromEnv({ OPENAI_API_KEY: "sk-x-123456" }, { providers: ["openai"] });
    const report = await checkModels(
      config,
      listers({
        openai: async () => {
          throw new Error("401 invalid key");
        },
      }),
    );
    expect(report.unusable).toEqual([{ provider: "openai", id: "gpt-6-luna", reason: "could not read openai's model list: 401 invalid key" }]);
    expect(report.models).toEqual([]);
  });
});

describe("modelRows", () => {
  it("marks the selected model, adds a configured model the catalog lacks, and says how each model thinks", () => {
    const rows = modelRows({ bedrock: "us.anthropic.claude-haiku-5-5", anthropic: "claude-opus-5-5", openai: "qwen3" }, ["anthropic", "openai"]);
    expect(rows.every((r) => r.provider !== "bedrock")).toBe(true);
    expect(rows.find((r) => r.id === "claude-opus-5-5")).toMatchObject({ selected: true, catalogDefault: false, thinking: "always (+4096 tokens, effort low)", structured: "json-schema" });
    expect(rows.find((r) => r.id === "claude-haiku-5-5")).toMatchObject({ selected: false, catalogDefault: true, thinking: "adaptive, sent off" });
    expect(rows.at(-1)).toMatchObject({ provider: "openai", id: "qwen3", inCatalog: false, price: null, status: "not in catalog", selected: true });
    expect(describeThinking({ mode: "reasoning", effort: "low", reserveTokens: 2048 })).toBe("effort low (+2048 tokens)");
  });
});
