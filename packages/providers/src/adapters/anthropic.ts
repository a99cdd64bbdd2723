import Anthropic from "@anthropic-ai/sdk";
import type {
  MessageCreateParamsBase,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  MessageParam,
  OutputConfig,
  RefusalStopDetails,
  StopReason as AnthropicStopReason,
  ThinkingConfigParam,
  Usage,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { beatSchema, BEAT_TOOL_DESCRIPTION, BEAT_TOOL_NAME } from "../beat.js";
import type { ModelProfile } from "../catalog.js";
import type { AnthropicSettings } from "../config.js";
import { classifyNetwork, classifyStatus, classifyStreamError, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import { messagesStopReason, type AdapterCall, type AdapterReply, type ProviderAdapter, type StopReason } from "./adapter.js";

/**
 * Anthropic Messages, API version 2026-10-21 (what @anthropic-ai/sdk 1.x sends): no sampling
 * parameters exist in it, so `temperature` is never sent (the catalog marks no Anthropic model as
 * sampling). The beat comes back through a forced `tell_story_beat` tool call, or, for models that
 * do not allow a forced tool (thinking always on), as text constrained by `output_config.format`
 * in Claude's structured-output schema subset (catalog: structured "json-schema").
 *
 * The request is built as the SDK's own parameter type, without casts: a field the SDK drops or
 * renames fails `npm run typecheck`.
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
      const base = messageParams(call);

      if (!call.onChunk) {
        const params: MessageCreateParamsNonStreaming = { ...base, stream: false };
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
        const thinking = message.usage.output_tokens_details?.thinking_tokens;
        return {
          ...(json !== undefined ? { json } : {}),
          ...(prose !== "" ? { prose } : {}),
          ...(message.stop_reason === "refusal" ? { refusal: refusalText(message.stop_details) } : {}),
          usage: usageOf(message.usage),
          ...(thinking !== undefined ? { thinkingTokens: thinking } : {}),
          ...(message.stop_reason ? { stopReason: stopReasonOf(message.stop_reason) } : {}),
        };
      }

      const params: MessageCreateParamsStreaming = { ...base, stream: true };
      const stream = await client.messages.create(params, { signal: call.signal });
      let json = "";
      let prose = "";
      let usage: TokenUsage | undefined;
      let thinkingTokens: number | undefined;
      let stopReason: StopReason | undefined;
      let refusal: string | undefined;
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
            if (event.usage.output_tokens_details) thinkingTokens = event.usage.output_tokens_details.thinking_tokens;
            if (event.delta.stop_reason) {
              stopReason = stopReasonOf(event.delta.stop_reason);
              if (event.delta.stop_reason === "refusal") refusal = refusalText(event.delta.stop_details);
            }
            break;
        }
      }
      return {
        ...(json !== "" ? { json } : {}),
        ...(prose !== "" ? { prose } : {}),
        ...(refusal !== undefined ? { refusal } : {}),
        ...(usage ? { usage } : {}),
        ...(thinkingTokens !== undefined ? { thinkingTokens } : {}),
        ...(stopReason ? { stopReason } : {}),
      };
    },
    classify: classifyAnthropicError,
  };
}

/**
 * The request both the streamed and the plain call send. Every field is written out (undefined
 * when not sent) rather than spread in, so the type checker checks each name against the SDK.
 */
function messageParams(call: AdapterCall): MessageCreateParamsBase {
  const tool = call.profile.structured === "tool";
  const effort = call.profile.thinking.mode === "always" ? call.profile.thinking.effort : undefined;
  const outputConfig: OutputConfig | undefined = tool
    ? effort
      ? { effort }
      : undefined
    : { format: { type: "json_schema", schema: beatSchema("claude-structured") }, effort };
  return {
    model: call.profile.id,
    max_tokens: call.maxTokens,
    system: call.prompt.system,
    messages: call.prompt.messages.map((m): MessageParam => ({ role: m.role, content: m.content })),
    thinking: thinkingParam(call.profile),
    output_config: outputConfig,
    tools: tool ? [{ name: BEAT_TOOL_NAME, description: BEAT_TOOL_DESCRIPTION, input_schema: beatSchema("full") }] : undefined,
    tool_choice: tool ? { type: "tool", name: BEAT_TOOL_NAME, disable_parallel_tool_use: true } : undefined,
  };
}

/**
 * The API version this SDK speaks has no sampling parameters, which is why the catalog sends no
 * Anthropic model a temperature. An SDK that brings `temperature` back stops this from compiling,
 * so that choice gets revisited rather than silently kept.
 */
const NO_SAMPLING_PARAMETERS: [Extract<keyof MessageCreateParamsBase, "temperature" | "top_p" | "top_k">] extends [never] ? true : never = true;
void NO_SAMPLING_PARAMETERS;

function thinkingParam(profile: ModelProfile): ThinkingConfigParam | undefined {
  return profile.thinking.mode === "disable" ? { type: "disabled" } : undefined;
}

function refusalText(details: RefusalStopDetails | null): string {
  if (!details) return "";
  return [details.category, details.explanation].filter((part): part is string => typeof part === "string" && part !== "").join(": ");
}

function usageOf(usage: Pick<Usage, "input_tokens" | "output_tokens" | "cache_read_input_tokens" | "cache_creation_input_tokens">): TokenUsage {
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cached: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
  };
}

/** The stop reasons that mean the model declined (or a filter stopped it). */
const ANTHROPIC_REFUSALS: readonly AnthropicStopReason[] = ["refusal"];

function stopReasonOf(reason: AnthropicStopReason): StopReason {
  return messagesStopReason(reason, ANTHROPIC_REFUSALS);
}

export function classifyAnthropicError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new ProviderCallError("transient", "timed out");
  if (error instanceof Anthropic.APIConnectionError) return classifyNetwork(error, `connection failed: ${oneLine(error.message)}`);
  if (error instanceof Anthropic.APIError) {
    const body = error.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type ?? error.type ?? undefined;
    const message = oneLine(body?.error?.message ?? error.message);
    // An `error` event in the stream (overloaded_error, authentication_error...): classified by its type.
    if (error.status === undefined) return classifyStreamError(undefined, type, message);
    if (type === "overloaded_error") return new ProviderCallError("transient", `overloaded: ${message}`, { status: error.status });
    const headers = error.headers;
    const wait = headers ? retryAfterMs((name) => headers.get(name), Date.now()) : undefined;
    return classifyStatus(error.status, message, { ...(type ? { code: type } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (error instanceof SyntaxError) return new ProviderCallError("transient", `invalid response body: ${oneLine(error.message, 120)}`);
  return classifyNetwork(error, oneLine(error instanceof Error ? error.message : String(error)));
}

/** Every model the key can see, retired ones included (`GET /v1/models?lifecycle[]=...`), at most `limit`. */
export async function listAnthropicModels(
  settings: AnthropicSettings,
  options: { timeoutMs: number; signal: AbortSignal; limit?: number },
): Promise<{ id: string; lifecycle: "active" | "deprecated" | "retired"; retiresAt: string | null }[]> {
  const client = new Anthropic({ apiKey: settings.apiKey?.reveal() ?? null, baseURL: settings.baseURL ?? "https://api.anthropic.com", maxRetries: 1, timeout: options.timeoutMs, logLevel: "off" });
  const models: { id: string; lifecycle: "active" | "deprecated" | "retired"; retiresAt: string | null }[] = [];
  for await (const model of client.models.list({ lifecycle: ["active", "deprecated", "retired"], limit: 1000 }, { signal: options.signal })) {
    models.push({ id: model.id, lifecycle: model.lifecycle, retiresAt: model.retires_at });
    if (models.length >= (options.limit ?? 5000)) break;
  }
  return models;
}
