import type { BeatPrompt } from "../beat.js";
import type { ModelProfile } from "../catalog.js";
import type { ProviderCallError } from "../errors.js";
import type { ProviderName, TokenUsage } from "../types.js";

/**
 * What the manager asks of one provider: one HTTP request for a structured beat, streamed or not.
 * Adapters do no retries, no validation and no accounting: they translate the request to their
 * SDK's own parameter type (so an SDK upgrade that renames a field fails the type check), translate
 * the reply back, and classify their SDK's errors into the shared taxonomy.
 */
export interface AdapterCall {
  profile: ModelProfile;
  prompt: BeatPrompt;
  /** The output-token limit to send: the beat's budget plus the model's thinking reserve. */
  maxTokens: number;
  /** Only set when the model accepts it (the manager checks the catalog). */
  temperature?: number;
  /** Aborted on the attempt timeout, the deadline, or the caller's signal. */
  signal: AbortSignal;
  /** When set, the adapter streams and hands over each raw chunk of the structured JSON as it arrives. */
  onChunk?: (chunk: string) => void;
}

/**
 * Why the model stopped, in one vocabulary: "end" (finished, tool call included), "max-tokens"
 * (cut by the output limit), "context-window" (cut by the model's context window), "refusal"
 * (declined, or a content filter stopped it), or the provider's own word for anything else.
 */
export type StopReason = "end" | "max-tokens" | "context-window" | "refusal" | (string & {});

/**
 * A stop reason in the words Anthropic's Messages API and Bedrock's Converse API share
 * (`end_turn`, `tool_use`, `stop_sequence`, `max_tokens`, `model_context_window_exceeded`), with
 * the provider's own words for a refusal (`refusal`; `content_filtered`, `guardrail_intervened`).
 */
export function messagesStopReason(reason: string, refusals: readonly string[]): StopReason {
  switch (reason) {
    case "end_turn":
    case "tool_use":
    case "stop_sequence":
      return "end";
    case "max_tokens":
      return "max-tokens";
    case "model_context_window_exceeded":
      return "context-window";
    default:
      return refusals.includes(reason) ? "refusal" : reason;
  }
}

export interface AdapterReply {
  /** The structured reply as JSON text (tool input or schema-constrained content); undefined when absent. */
  json?: string;
  /** Text the model wrote outside the structured reply (it may still be the beat as JSON). */
  prose?: string;
  /** The model refused; its explanation ("" when it gave none). */
  refusal?: string;
  usage?: TokenUsage;
  /** Output tokens spent on reasoning, when the provider says. */
  thinkingTokens?: number;
  stopReason?: StopReason;
}

export interface ProviderAdapter {
  readonly name: ProviderName;
  call(call: AdapterCall): Promise<AdapterReply>;
  /** Classifies anything `call` threw. */
  classify(error: unknown): ProviderCallError;
}
