import type { BeatPrompt } from "../beat.js";
import type { ModelProfile } from "../catalog.js";
import type { ProviderCallError } from "../errors.js";
import type { ProviderName, TokenUsage } from "../types.js";

/**
 * What the manager asks of one provider: one HTTP request for a structured beat, streamed or not.
 * Adapters do no retries, no validation and no accounting: they translate the request to their
 * SDK, translate the reply back, and classify their SDK's errors into the shared taxonomy.
 */
export interface AdapterCall {
  profile: ModelProfile;
  prompt: BeatPrompt;
  maxTokens: number;
  /** Only set when the model accepts it (the manager checks the catalog). */
  temperature?: number;
  /** Aborted on the attempt timeout, the deadline, or the caller's signal. */
  signal: AbortSignal;
  /** When set, the adapter streams and hands over each raw chunk of the structured JSON as it arrives. */
  onChunk?: (chunk: string) => void;
}

export interface AdapterReply {
  /** The structured reply as JSON text (tool input or schema-constrained content); undefined when absent. */
  json?: string;
  /** Prose the model wrote instead of the structured reply. */
  prose?: string;
  /** The model refused (OpenAI refusal); its message. */
  refusal?: string;
  usage?: TokenUsage;
  /** Normalized stop reason: "end", "max-tokens", or the provider's own word. */
  stopReason?: string;
}

export interface ProviderAdapter {
  readonly name: ProviderName;
  call(call: AdapterCall): Promise<AdapterReply>;
  /** Classifies anything `call` threw. */
  classify(error: unknown): ProviderCallError;
}
