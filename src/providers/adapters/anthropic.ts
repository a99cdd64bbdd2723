import Anthropic from "@anthropic-ai/sdk";
import { BEAT_SCHEMA, BEAT_TOOL_DESCRIPTION, BEAT_TOOL_NAME } from "../beat.js";
import type { AnthropicSettings } from "../config.js";
import { classifyNetwork, classifyStatus, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type { AdapterCall, AdapterReply, ProviderAdapter } from "./adapter.js";

/**
 * Anthropic Messages. The beat comes back through a forced `tell_story_beat` tool call, or, for
 * models that do not allow a forced tool (thinking always on), as text constrained by
 * `output_config.format` (catalog: structured "json-schema").
 */
export function createAnthropicAdapter(settings: AnthropicSettings, options: { timeoutMs: number }): ProviderAdapter {
  const client = new Anthropic({
    apiKey: settings.apiKey?.reveal() ?? null,
    baseURL: settings.baseURL ?? "https://api.anthropic.com",
    maxRetries: 0,
    timeout: options.timeoutMs,
    // The SDK would print unparseable stream data (a provider's raw bytes) to the console, past
    // noveli's redaction; the manager reports the failure itself.
    logLevel: "off",
  });

  return {
    name: "anthropic",
    async call(call: AdapterCall): Promise<AdapterReply> {
      const tool = call.profile.structured === "tool";
      const params = {
        model: call.profile.id,
        max_tokens: call.maxTokens,
        system: call.prompt.system,
        messages: call.prompt.messages,
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        ...(call.profile.disableThinking ? { thinking: { type: "disabled" as const } } : {}),
        ...(tool
          ? {
              tools: [{ name: BEAT_TOOL_NAME, description: BEAT_TOOL_DESCRIPTION, input_schema: BEAT_SCHEMA as unknown as Anthropic.Tool.InputSchema }],
              tool_choice: { type: "tool" as const, name: BEAT_TOOL_NAME, disable_parallel_tool_use: true },
            }
          : { output_config: { format: { type: "json_schema" as const, schema: BEAT_SCHEMA as unknown as Record<string, unknown> } } }),
      };

      if (!call.onChunk) {
        const message = await client.messages.create(params, { signal: call.signal });
        let json: string | undefined;
        let prose = "";
        for (const block of message.content) {
          if (block.type === "tool_use" && block.name === BEAT_TOOL_NAME && json === undefined) json = JSON.stringify(block.input);
          else if (block.type === "text") prose += block.text;
        }
        if (!tool && prose !== "") {
          json = prose;
          prose = "";
        }
        return {
          ...(json !== undefined ? { json } : {}),
          ...(prose !== "" ? { prose } : {}),
          usage: usageOf(message.usage),
          ...(message.stop_reason ? { stopReason: stopReasonOf(message.stop_reason) } : {}),
        };
      }

      const stream = await client.messages.create({ ...params, stream: true }, { signal: call.signal });
      let json = "";
      let prose = "";
      let usage: TokenUsage | undefined;
      let stopReason: string | undefined;
      // Which content block carries the beat (the tool call, or the text in json-schema mode).
      const beatBlocks = new Set<number>();
      for await (const event of stream) {
        switch (event.type) {
          case "message_start":
            usage = usageOf(event.message.usage);
            break;
          case "content_block_start":
            if (tool ? event.content_block.type === "tool_use" && event.content_block.name === BEAT_TOOL_NAME && beatBlocks.size === 0 : event.content_block.type === "text") {
              beatBlocks.add(event.index);
            }
            break;
          case "content_block_delta":
            if (event.delta.type === "input_json_delta" && beatBlocks.has(event.index)) {
              json += event.delta.partial_json;
              call.onChunk(event.delta.partial_json);
            } else if (event.delta.type === "text_delta") {
              if (beatBlocks.has(event.index)) {
                json += event.delta.text;
                call.onChunk(event.delta.text);
              } else prose += event.delta.text;
            }
            break;
          case "message_delta":
            if (usage) usage = { ...usage, output: event.usage.output_tokens };
            if (event.delta.stop_reason) stopReason = stopReasonOf(event.delta.stop_reason);
            break;
        }
      }
      return {
        ...(json !== "" ? { json } : {}),
        ...(prose !== "" ? { prose } : {}),
        ...(usage ? { usage } : {}),
        ...(stopReason ? { stopReason } : {}),
      };
    },
    classify: classifyAnthropicError,
  };
}

function usageOf(usage: Pick<Anthropic.Usage, "input_tokens" | "output_tokens" | "cache_read_input_tokens" | "cache_creation_input_tokens">): TokenUsage {
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cached: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
  };
}

function stopReasonOf(reason: string): string {
  return reason === "max_tokens" ? "max-tokens" : reason === "end_turn" || reason === "tool_use" ? "end" : reason;
}

export function classifyAnthropicError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new ProviderCallError("transient", "timed out");
  if (error instanceof Anthropic.APIConnectionError) return classifyNetwork(error, `connection failed: ${oneLine(error.message)}`);
  if (error instanceof Anthropic.APIError) {
    const body = error.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type ?? error.type ?? undefined;
    const message = oneLine(body?.error?.message ?? error.message);
    if (error.status === undefined) {
      // An `error` event in the stream (overloaded_error, api_error...): the server failed mid-reply.
      return new ProviderCallError(type === "invalid_request_error" ? "request" : "transient", `error in stream: ${type ? `${type}: ` : ""}${message}`);
    }
    if (type === "overloaded_error") return new ProviderCallError("transient", `overloaded: ${message}`, { status: error.status });
    const headers = error.headers;
    const wait = headers ? retryAfterMs((name) => headers.get(name), Date.now()) : undefined;
    return classifyStatus(error.status, message, { ...(type ? { code: type } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (error instanceof SyntaxError) return new ProviderCallError("transient", `invalid response body: ${oneLine(error.message, 120)}`);
  return classifyNetwork(error, oneLine(error instanceof Error ? error.message : String(error)));
}
