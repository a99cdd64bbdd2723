import OpenAI from "openai";
import { BEAT_SCHEMA } from "../beat.js";
import type { OpenAiSettings } from "../config.js";
import { classifyNetwork, classifyStatus, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type { AdapterCall, AdapterReply, ProviderAdapter } from "./adapter.js";

/**
 * OpenAI chat completions (also any OpenAI-compatible server through OPENAI_BASE_URL). The beat
 * comes back as content constrained by `response_format: json_schema` (strict).
 */
export function createOpenAiAdapter(settings: OpenAiSettings, options: { timeoutMs: number }): ProviderAdapter {
  const client = new OpenAI({
    // A compatible local server needs no key, but the SDK insists on one.
    apiKey: settings.apiKey?.reveal() ?? "no-key",
    baseURL: settings.baseURL ?? "https://api.openai.com/v1",
    // The manager retries; the SDK must not multiply attempts.
    maxRetries: 0,
    timeout: options.timeoutMs,
    // The SDK would print unparseable stream data (a provider's raw bytes) to the console, past
    // noveli's redaction; the manager reports the failure itself.
    logLevel: "off",
  });
  // api.openai.com wants max_completion_tokens; compatible servers (Ollama, llama.cpp) know max_tokens.
  const compatibleServer = settings.baseURL !== undefined && !/^https:\/\/api\.openai\.com\b/.test(settings.baseURL);

  return {
    name: "openai",
    async call(call: AdapterCall): Promise<AdapterReply> {
      const body = {
        model: call.profile.id,
        messages: [{ role: "system" as const, content: call.prompt.system }, ...call.prompt.messages],
        response_format: { type: "json_schema" as const, json_schema: { name: "story_beat", strict: true, schema: BEAT_SCHEMA as unknown as Record<string, unknown> } },
        ...(compatibleServer ? { max_tokens: call.maxTokens } : { max_completion_tokens: call.maxTokens }),
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        ...(call.profile.reasoningEffort ? { reasoning_effort: call.profile.reasoningEffort } : {}),
      };
      if (!call.onChunk) {
        const completion = await client.chat.completions.create(body, { signal: call.signal });
        const choice = completion.choices[0];
        return {
          ...(choice?.message.content ? { json: choice.message.content } : {}),
          ...(choice?.message.refusal ? { refusal: choice.message.refusal } : {}),
          ...(completion.usage ? { usage: usageOf(completion.usage) } : {}),
          ...(choice?.finish_reason ? { stopReason: stopReasonOf(choice.finish_reason) } : {}),
        };
      }
      const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal: call.signal });
      let json = "";
      let refusal = "";
      let usage: TokenUsage | undefined;
      let stopReason: string | undefined;
      for await (const chunk of stream) {
        if (chunk.usage) usage = usageOf(chunk.usage);
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta?.content) {
          json += choice.delta.content;
          call.onChunk(choice.delta.content);
        }
        if (choice.delta?.refusal) refusal += choice.delta.refusal;
        if (choice.finish_reason) stopReason = stopReasonOf(choice.finish_reason);
      }
      return {
        ...(json !== "" ? { json } : {}),
        ...(refusal !== "" ? { refusal } : {}),
        ...(usage ? { usage } : {}),
        ...(stopReason ? { stopReason } : {}),
      };
    },
    classify: classifyOpenAiError,
  };
}

interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
}

/** OpenAI counts cached tokens inside prompt_tokens; ours are disjoint. */
function usageOf(usage: OpenAiUsage): TokenUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return { input: Math.max(0, usage.prompt_tokens - cached - cacheWrite), output: usage.completion_tokens, cached, cacheWrite };
}

function stopReasonOf(reason: string): string {
  return reason === "length" ? "max-tokens" : reason === "stop" ? "end" : reason;
}

export function classifyOpenAiError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ProviderCallError("transient", "timed out");
  if (error instanceof OpenAI.APIConnectionError) return classifyNetwork(error, `connection failed: ${oneLine(error.message)}`);
  if (error instanceof OpenAI.APIError) {
    if (error.status === undefined) {
      // An error event inside a stream: the server failed mid-reply.
      return new ProviderCallError("transient", `error in stream: ${oneLine(error.message)}`);
    }
    const headers = error.headers;
    const wait = headers ? retryAfterMs((name) => headers.get(name), Date.now()) : undefined;
    const message = oneLine((error.error as { message?: string } | undefined)?.message ?? error.message);
    return classifyStatus(error.status, message, { ...(error.code ? { code: error.code } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (error instanceof SyntaxError) return new ProviderCallError("transient", `invalid response body: ${oneLine(error.message, 120)}`);
  return classifyNetwork(error, oneLine(error instanceof Error ? error.message : String(error)));
}
