import OpenAI from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { beatSchema } from "../beat.js";
import { isCatalogModel } from "../catalog.js";
import type { OpenAiSettings } from "../config.js";
import { classifyNetwork, classifyStatus, classifyStreamError, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type { AdapterCall, AdapterReply, ProviderAdapter, StopReason } from "./adapter.js";

/**
 * OpenAI chat completions (also any OpenAI-compatible server through OPENAI_BASE_URL). The beat
 * comes back as content constrained by `response_format: json_schema` (strict). The request is
 * built as the SDK's own `ChatCompletionCreateParams`, without casts: a field the SDK drops or
 * renames fails `npm run typecheck`.
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

  return {
    name: "openai",
    async call(call: AdapterCall): Promise<AdapterReply> {
      const body = completionParams(call, settings.baseURL);
      if (!call.onChunk) {
        const params: ChatCompletionCreateParamsNonStreaming = { ...body, stream: false };
        const completion = await client.chat.completions.create(params, { signal: call.signal });
        const choice = completion.choices[0];
        const thinking = completion.usage?.completion_tokens_details?.reasoning_tokens;
        return {
          ...(choice?.message.content ? { json: choice.message.content } : {}),
          ...(choice?.message.refusal ? { refusal: choice.message.refusal } : {}),
          ...(completion.usage ? { usage: usageOf(completion.usage) } : {}),
          ...(thinking !== undefined ? { thinkingTokens: thinking } : {}),
          ...(choice?.finish_reason ? { stopReason: stopReasonOf(choice.finish_reason) } : {}),
        };
      }
      const params: ChatCompletionCreateParamsStreaming = { ...body, stream: true, stream_options: { include_usage: true } };
      const stream = await client.chat.completions.create(params, { signal: call.signal });
      let json = "";
      let refusal = "";
      let usage: TokenUsage | undefined;
      let thinkingTokens: number | undefined;
      let stopReason: StopReason | undefined;
      for await (const chunk of stream) {
        if (chunk.usage) {
          usage = usageOf(chunk.usage);
          thinkingTokens = chunk.usage.completion_tokens_details?.reasoning_tokens;
        }
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
        ...(thinkingTokens !== undefined ? { thinkingTokens } : {}),
        ...(stopReason ? { stopReason } : {}),
      };
    },
    classify: classifyOpenAiError,
  };
}

/**
 * The request both the streamed and the plain call send. Catalog models are OpenAI's and get
 * `max_completion_tokens` (reasoning models refuse `max_tokens`) wherever they are served; a model
 * the catalog does not know, on a compatible server (Ollama, llama.cpp), gets `max_tokens`.
 */
function completionParams(call: AdapterCall, baseURL: string | undefined): ChatCompletionCreateParamsBase {
  const compatibleServer = baseURL !== undefined && !/^https:\/\/api\.openai\.com\b/.test(baseURL);
  const legacyLimit = compatibleServer && !isCatalogModel("openai", call.profile.id);
  const effort = call.profile.thinking.mode === "reasoning" ? call.profile.thinking.effort : undefined;
  // Every field is written out (undefined when not sent), so the type checker checks each name against the SDK.
  return {
    model: call.profile.id,
    messages: [{ role: "system", content: call.prompt.system }, ...call.prompt.messages.map((m) => ({ role: m.role, content: m.content }))],
    response_format: { type: "json_schema", json_schema: { name: "story_beat", strict: true, schema: beatSchema("full") } },
    max_tokens: legacyLimit ? call.maxTokens : undefined,
    max_completion_tokens: legacyLimit ? undefined : call.maxTokens,
    temperature: call.temperature,
    reasoning_effort: effort,
  };
}

/** OpenAI counts cached tokens inside prompt_tokens; ours are disjoint. */
function usageOf(usage: CompletionUsage): TokenUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return { input: Math.max(0, usage.prompt_tokens - cached - cacheWrite), output: usage.completion_tokens, cached, cacheWrite };
}

function stopReasonOf(reason: ChatCompletionChunk.Choice["finish_reason"] & string): StopReason {
  switch (reason) {
    case "length":
      return "max-tokens";
    case "stop":
    case "tool_calls":
    case "function_call":
      return "end";
    case "content_filter":
      return "refusal";
    default:
      return reason;
  }
}

export function classifyOpenAiError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new ProviderCallError("transient", "timed out");
  if (error instanceof OpenAI.APIConnectionError) return classifyNetwork(error, `connection failed: ${oneLine(error.message)}`);
  if (error instanceof OpenAI.APIError) {
    if (error.status === undefined) {
      // An error event inside a stream (HTTP 200, then {"error": {...}}): classified by its code and
      // type as the same error in a response status would be, so a bad key is not retried.
      const body = error.error as { message?: unknown } | undefined;
      const message = oneLine(typeof body?.message === "string" ? body.message : error.message);
      return classifyStreamError(typeof error.code === "string" ? error.code : undefined, typeof error.type === "string" ? error.type : undefined, message);
    }
    const headers = error.headers;
    const wait = headers ? retryAfterMs((name) => headers.get(name), Date.now()) : undefined;
    const message = oneLine((error.error as { message?: string } | undefined)?.message ?? error.message);
    return classifyStatus(error.status, message, { ...(error.code ? { code: error.code } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (error instanceof SyntaxError) return new ProviderCallError("transient", `invalid response body: ${oneLine(error.message, 120)}`);
  return classifyNetwork(error, oneLine(error instanceof Error ? error.message : String(error)));
}

/** The model ids this key may use (`GET /models`), at most `limit` of them. */
export async function listOpenAiModels(settings: OpenAiSettings, options: { timeoutMs: number; signal: AbortSignal; limit?: number }): Promise<string[]> {
  const client = new OpenAI({ apiKey: settings.apiKey?.reveal() ?? "no-key", baseURL: settings.baseURL ?? "https://api.openai.com/v1", maxRetries: 1, timeout: options.timeoutMs, logLevel: "off" });
  const ids: string[] = [];
  for await (const model of client.models.list({ signal: options.signal })) {
    ids.push(model.id);
    if (ids.length >= (options.limit ?? 5000)) break;
  }
  return ids;
}
