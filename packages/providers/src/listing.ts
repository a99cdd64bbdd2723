import type { AnthropicSettings, OpenAiSettings } from "./config.js";

/**
 * The providers' own model lists (`GET /v1/models`), for `noveli models --check`. Each loads its
 * SDK only when called.
 */

export async function listOpenAiModels(settings: OpenAiSettings, options: { timeoutMs: number; signal: AbortSignal }): Promise<string[]> {
  return (await import("./adapters/openai.js")).listOpenAiModels(settings, options);
}

export async function listAnthropicModels(
  settings: AnthropicSettings,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<{ id: string; lifecycle: "active" | "deprecated" | "retired"; retiresAt: string | null }[]> {
  return (await import("./adapters/anthropic.js")).listAnthropicModels(settings, options);
}
