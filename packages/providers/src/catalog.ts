import type { ProviderName } from "./types.js";

/**
 * Models and prices: data only, in one place. To update a price or a default, edit this file and
 * its `checked` date; nothing else needs to change. A model missing here still works (any id the
 * provider accepts), it is only reported as unpriced and gets the provider's generic request shape.
 *
 * Prices are USD per million tokens, list price, standard (on-demand) tier, short context.
 *   - input: uncached input tokens; cacheRead: prompt-cache hits; cacheWrite: prompt-cache writes
 *     (Anthropic's 5-minute write price; OpenAI's GPT-6 cache-write price); output: output tokens.
 *   - longContext: a request whose prompt (input + cache reads + cache writes) exceeds
 *     `aboveInputTokens` pays these prices on all of its tokens.
 *
 * Sources (checked 2026-11-25 unless a price says otherwise; each price carries its own date):
 *   ANTHROPIC_PRICING  https://platform.claude.com/docs/en/about-claude/pricing, and each model's
 *                      overview page (platform.claude.com/docs/en/models/<model>/overview); the Haiku 5.5
 *                      prompt-length bands and the Sonnet 5.5 cache-read cut of 2026-10-07 are on the
 *                      pricing page.
 *   OPENAI_PRICING     https://developers.openai.com/api/docs/pricing and the model pages
 *                      (developers.openai.com/api/docs/models/<model>): cached input is 5% of input
 *                      for the GPT-6 family (checked 2026-12-01; it had been recorded as 10%), cache
 *                      writes 1.25x input, and above 272K prompt tokens input and cache prices
 *                      double and output is 1.5x.
 *   BEDROCK_PRICING    https://aws.amazon.com/bedrock/pricing/ : Claude on Bedrock costs the Anthropic
 *                      list price through a `global.` inference profile; geographic profiles (`us.`,
 *                      `eu.`, `apac.`...) and in-region model ids cost 10% more.
 *
 * Model ids (checked 2026-11-25): Anthropic models overview and deprecations pages (the SDK's own
 * deprecated-model list agrees: claude-sonnet-4-5 retires 2026-11-30, claude-opus-4-5 2027-01-22);
 * OpenAI's models page; the Bedrock model cards and the ids the Vercel AI SDK's Bedrock provider
 * ships for Claude Haiku 5.5 (`anthropic.claude-haiku-5-5`, `us.anthropic.claude-haiku-5-5`). Only
 * inference-profile ids are listed: newer Claude models refuse on-demand calls with the in-region
 * id ("...with on-demand throughput isn't supported"), which the Bedrock adapter turns into a
 * configuration error naming the profile to use (`inferenceProfilesFor`).
 * The seed design's claude-3-sonnet-20240229, claude-3-haiku-20240307 and gpt-4 are retired and
 * are not here.
 */

export const CATALOG_CHECKED = "2026-12-01";

/**
 * The Anthropic API version the catalog's Anthropic entries are written for (what @anthropic-ai/sdk
 * 1.x sends): it has no sampling parameters, so no Anthropic model is marked `sampling`. A test
 * fails when the SDK starts sending another version.
 */
export const ANTHROPIC_API_VERSION = "2026-10-21";

export interface LongContextPrice {
  aboveInputTokens: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  longContext?: LongContextPrice;
  /** The date the price was last checked against its source. */
  checked: string;
  source: string;
  /** Rates the source does not settle: the value used above is the highest candidate, so a cost is never understated. */
  unconfirmed?: UnconfirmedRate[];
}

export interface UnconfirmedRate {
  rate: "input" | "output" | "cacheRead" | "cacheWrite";
  /** USD per million tokens, every value the sources give. */
  candidates: number[];
  note: string;
}

/** How a model returns a structured beat. */
export type StructuredMode =
  | "tool" // a forced tool call (Anthropic tool_choice / Bedrock toolChoice)
  | "json-schema"; // the reply text constrained by a JSON schema (OpenAI response_format, Anthropic output_config.format, Bedrock outputConfig.textFormat)

/**
 * How a model thinks, and what a request must do about it. Reasoning tokens count toward the
 * output limit (`max_tokens`, `max_completion_tokens`, `maxTokens`), so a model that cannot stop
 * thinking gets `reserveTokens` on top of the beat's own budget.
 */
export type ThinkingProfile =
  | { mode: "none" } // does not think unless asked
  | { mode: "disable" } // thinks by default (adaptive) and the API lets the request turn it off: sent `thinking: disabled`
  | { mode: "always"; reserveTokens: number; effort?: "low" | "medium" } // cannot be turned off: room reserved, low effort asked
  | { mode: "reasoning"; effort: "none" | "low" | "medium"; reserveTokens: number }; // OpenAI reasoning_effort; "none" thinks not at all

/** Where a model stands with its provider (the provider's own word where it has one). */
export type ModelStatus = "active" | "deprecated" | "retired";

export interface ModelProfile {
  provider: ProviderName;
  id: string;
  label: string;
  /** Absent: the model is unpriced (reported as such, never as 0). */
  price?: ModelPrice;
  structured: StructuredMode;
  /**
   * Whether a request may carry `temperature`. Anthropic's API version 2026-10-21 (the one
   * @anthropic-ai/sdk 1.x sends) has no sampling parameters at all, so no Anthropic model does.
   */
  sampling: boolean;
  thinking: ThinkingProfile;
  status: ModelStatus;
  /** Lifecycle note shown with the model, e.g. a retirement date. */
  lifecycle?: string;
}

const ANTHROPIC_PRICING = "https://platform.claude.com/docs/en/about-claude/pricing";
const OPENAI_PRICING = "https://developers.openai.com/api/docs/pricing";
const BEDROCK_PRICING = "https://aws.amazon.com/bedrock/pricing/";
const checked = "2026-11-25";
/** OpenAI's cached-input rate (5% of input) was corrected on this date. */
const OPENAI_CHECKED = "2026-12-01";

/** The default model of each provider: fast, cheap, structured output that works with a forced tool. */
export const DEFAULT_MODELS: Readonly<Record<ProviderName, string>> = {
  bedrock: "us.anthropic.claude-haiku-5-5",
  anthropic: "claude-haiku-5-5",
  openai: "gpt-6-luna",
};

const HAIKU_5_5_PRICE: Omit<ModelPrice, "source"> = {
  input: 0.1,
  output: 0.5,
  cacheRead: 0.01,
  cacheWrite: 0.125,
  longContext: { aboveInputTokens: 100_000, input: 0.5, output: 2.5, cacheRead: 0.05, cacheWrite: 0.625 },
  checked,
};

/** Bedrock's 10% premium for geographic and in-region Claude endpoints over the global profile. */
function regionalPremium(price: Omit<ModelPrice, "source">): Omit<ModelPrice, "source"> {
  const up = (n: number) => Math.round(n * 1.1 * 1e6) / 1e6;
  return {
    input: up(price.input),
    output: up(price.output),
    cacheRead: up(price.cacheRead),
    cacheWrite: up(price.cacheWrite),
    ...(price.longContext
      ? {
          longContext: {
            aboveInputTokens: price.longContext.aboveInputTokens,
            input: up(price.longContext.input),
            output: up(price.longContext.output),
            cacheRead: up(price.longContext.cacheRead),
            cacheWrite: up(price.longContext.cacheWrite),
          },
        }
      : {}),
    checked: price.checked,
  };
}

/** Claude models that think adaptively and cannot be told not to: room for the thinking, low effort asked. */
const CLAUDE_ALWAYS_THINKS: ThinkingProfile = { mode: "always", reserveTokens: 4096, effort: "low" };
/** OpenAI models whose lowest reasoning effort is "low": they think on every request. */
const OPENAI_LOW_EFFORT: ThinkingProfile = { mode: "reasoning", effort: "low", reserveTokens: 2048 };
const OPENAI_NO_REASONING: ThinkingProfile = { mode: "reasoning", effort: "none", reserveTokens: 0 };

export const MODELS: readonly ModelProfile[] = [
  // ---------------------------------------------------------------- Anthropic (Claude API)
  // No Anthropic model takes a temperature: API version 2026-10-21 refuses every sampling parameter.
  {
    provider: "anthropic",
    id: "claude-haiku-5-5",
    label: "Claude Haiku 5.5",
    price: { ...HAIKU_5_5_PRICE, source: ANTHROPIC_PRICING },
    structured: "tool",
    sampling: false,
    thinking: { mode: "disable" }, // adaptive thinking can be turned off; a forced tool needs it off
    status: "active",
  },
  {
    provider: "anthropic",
    id: "claude-sonnet-5-5",
    label: "Claude Sonnet 5.5",
    price: { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5, checked, source: ANTHROPIC_PRICING },
    structured: "json-schema", // forced tool use returns an error on Sonnet 5.5
    sampling: false,
    thinking: CLAUDE_ALWAYS_THINKS, // thinking cannot be turned off
    status: "active",
  },
  {
    provider: "anthropic",
    id: "claude-opus-5-5",
    label: "Claude Opus 5.5",
    price: { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, checked, source: ANTHROPIC_PRICING },
    structured: "json-schema", // thinking is always on: a forced tool is not allowed
    sampling: false,
    thinking: CLAUDE_ALWAYS_THINKS,
    status: "active",
  },
  {
    provider: "anthropic",
    id: "claude-haiku-4-5",
    label: "Claude Haiku 4.5",
    price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, checked, source: ANTHROPIC_PRICING },
    structured: "tool",
    sampling: false,
    thinking: { mode: "none" },
    status: "active",
  },
  {
    provider: "anthropic",
    id: "claude-sonnet-4-6",
    label: "Claude Sonnet 4.6",
    price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, checked, source: ANTHROPIC_PRICING },
    structured: "tool",
    sampling: false,
    thinking: { mode: "none" },
    status: "active",
  },
  {
    provider: "anthropic",
    id: "claude-opus-4-8",
    label: "Claude Opus 4.8",
    price: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, checked, source: ANTHROPIC_PRICING },
    structured: "tool",
    sampling: false,
    thinking: { mode: "none" },
    status: "active",
  },

  // ---------------------------------------------------------------- OpenAI (chat completions)
  // Cached input is 5% of input (checked 2026-12-01); temperature only with reasoning_effort "none".
  {
    provider: "openai",
    id: "gpt-6-luna",
    label: "GPT-6 Luna",
    price: {
      input: 0.1,
      output: 0.5,
      cacheRead: 0.005,
      cacheWrite: 0.125,
      longContext: { aboveInputTokens: 272_000, input: 0.2, output: 0.75, cacheRead: 0.01, cacheWrite: 0.25 },
      checked: OPENAI_CHECKED,
      source: OPENAI_PRICING,
    },
    structured: "json-schema",
    sampling: true,
    thinking: OPENAI_NO_REASONING,
    status: "active",
  },
  {
    provider: "openai",
    id: "gpt-6.1-terra",
    label: "GPT-6.1 Terra",
    price: {
      input: 1,
      output: 5,
      cacheRead: 0.05,
      cacheWrite: 1.25,
      longContext: { aboveInputTokens: 272_000, input: 2, output: 7.5, cacheRead: 0.1, cacheWrite: 2.5 },
      checked: OPENAI_CHECKED,
      source: OPENAI_PRICING,
    },
    structured: "json-schema",
    sampling: true,
    thinking: OPENAI_NO_REASONING,
    status: "active",
  },
  {
    provider: "openai",
    id: "gpt-6.2-sol",
    label: "GPT-6.2 Sol",
    price: {
      input: 2,
      output: 10,
      cacheRead: 0.1,
      cacheWrite: 2.5,
      longContext: { aboveInputTokens: 272_000, input: 4, output: 15, cacheRead: 0.2, cacheWrite: 5 },
      checked: OPENAI_CHECKED,
      source: OPENAI_PRICING,
    },
    structured: "json-schema",
    sampling: false, // efforts low..max only; temperature needs effort "none"
    thinking: OPENAI_LOW_EFFORT,
    status: "active",
  },
  {
    provider: "openai",
    id: "gpt-6.2-astra",
    label: "GPT-6.2 Astra",
    price: {
      input: 8,
      output: 40,
      cacheRead: 0.4,
      cacheWrite: 10,
      longContext: { aboveInputTokens: 272_000, input: 16, output: 60, cacheRead: 0.8, cacheWrite: 20 },
      checked: OPENAI_CHECKED,
      source: OPENAI_PRICING,
    },
    structured: "json-schema",
    sampling: false,
    thinking: OPENAI_LOW_EFFORT,
    status: "active",
  },

  // ---------------------------------------------------------------- Amazon Bedrock (Converse)
  // Inference-profile ids only: newer Claude models refuse on-demand calls with in-region ids.
  {
    provider: "bedrock",
    id: "us.anthropic.claude-haiku-5-5",
    label: "Claude Haiku 5.5 (US inference profile)",
    price: { ...regionalPremium(HAIKU_5_5_PRICE), source: BEDROCK_PRICING },
    structured: "tool",
    sampling: false, // temperature/top_p/top_k return 400 on Haiku 5.5
    thinking: { mode: "disable" },
    status: "active",
  },
  {
    provider: "bedrock",
    id: "global.anthropic.claude-sonnet-5-5",
    label: "Claude Sonnet 5.5 (global inference profile)",
    price: {
      input: 2,
      output: 10,
      cacheRead: 0.2,
      cacheWrite: 2.5,
      checked,
      source: BEDROCK_PRICING,
      unconfirmed: [
        {
          rate: "cacheRead",
          candidates: [0.1, 0.2],
          note: "Bedrock's page had not settled whether Anthropic's 2026-10-07 cache-read cut (0.20 to 0.10) applies to the global profile; the higher rate is used",
        },
      ],
    },
    structured: "json-schema",
    sampling: false,
    thinking: CLAUDE_ALWAYS_THINKS,
    status: "active",
  },
  {
    provider: "bedrock",
    id: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    label: "Claude Haiku 4.5 (US inference profile)",
    price: { ...regionalPremium({ input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, checked }), source: BEDROCK_PRICING },
    structured: "tool",
    sampling: true,
    thinking: { mode: "none" },
    status: "active",
  },
  {
    provider: "bedrock",
    id: "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    label: "Claude Haiku 4.5 (global inference profile)",
    price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, checked, source: BEDROCK_PRICING },
    structured: "tool",
    sampling: true,
    thinking: { mode: "none" },
    status: "active",
  },
];

/** The catalog entry of a model, or a generic profile (unpriced) for an id the catalog does not know. */
export function modelProfile(provider: ProviderName, id: string): ModelProfile {
  const known = MODELS.find((m) => m.provider === provider && m.id === id);
  if (known) return known;
  return {
    provider,
    id,
    label: id,
    structured: provider === "openai" ? "json-schema" : "tool",
    // Anthropic's API version refuses sampling parameters for every model; elsewhere unknown models are sent one.
    sampling: provider !== "anthropic",
    thinking: { mode: "none" },
    status: "active",
  };
}

/** Whether the catalog lists this model (a generic profile is used otherwise). */
export function isCatalogModel(provider: ProviderName, id: string): boolean {
  return MODELS.some((m) => m.provider === provider && m.id === id);
}

/** The output-token limit a request sends: the beat's own budget plus the room the model's thinking needs. */
export function outputLimit(profile: ModelProfile, beatTokens: number): { total: number; thinkingReserve: number } {
  const reserve = profile.thinking.mode === "always" || profile.thinking.mode === "reasoning" ? profile.thinking.reserveTokens : 0;
  return { total: beatTokens + reserve, thinkingReserve: reserve };
}

/** Bedrock inference-profile prefixes by the region's geography (`global.` works from every region). */
const GEOGRAPHY_PREFIXES: readonly [RegExp, string][] = [
  [/^us-gov-/, "us-gov"],
  [/^us-/, "us"],
  [/^eu-/, "eu"],
  [/^ap-/, "apac"],
  [/^ca-/, "ca"],
  [/^sa-/, "sa"],
];

/**
 * The inference-profile ids to use instead of an in-region Bedrock model id (which newer Claude
 * models refuse on demand): catalog profiles for the same model first, then the region's
 * geographic profile and the global one. Pure.
 */
export function inferenceProfilesFor(modelId: string, region: string | undefined): string[] {
  if (/^(global|us|us-gov|eu|apac|ca|sa|jp|au)\./.test(modelId) || modelId.startsWith("arn:")) return [];
  const geography = region ? GEOGRAPHY_PREFIXES.find(([pattern]) => pattern.test(region))?.[1] : undefined;
  const candidates = [...(geography ? [`${geography}.${modelId}`] : []), `global.${modelId}`];
  const known = MODELS.filter((m) => m.provider === "bedrock" && candidates.includes(m.id)).map((m) => m.id);
  return [...new Set([...known, ...candidates])];
}

/** Which providers' catalogs list this model id (to route a bare `--model`). */
export function providersListing(id: string): ProviderName[] {
  return [...new Set(MODELS.filter((m) => m.id === id).map((m) => m.provider))];
}
