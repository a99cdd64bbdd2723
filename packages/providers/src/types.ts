/**
 * The provider manager's public contract, shared by `noveli generate` and the story-generator
 * Lambda. Nothing in this package may depend on the CLI, the terminal or the filesystem.
 */

export type ProviderName = "bedrock" | "anthropic" | "openai";
export const PROVIDER_NAMES: readonly ProviderName[] = ["bedrock", "anthropic", "openai"];

/** One earlier exchange of a story: the beat the model told and the choice the reader made. */
export interface StoryTurn {
  beat: StoryBeat;
  /** 0-based index into beat.choices, when a choice was made. */
  choice?: number;
}

export interface BeatRequest {
  /** The reader's premise for the story. */
  prompt: string;
  genre?: string;
  /** The story so far, oldest first; empty or absent for the first beat. */
  history?: StoryTurn[];
  maxTokens?: number;
  temperature?: number;
}

/** A structured story beat: narrative text plus 2 to 4 choices. */
export interface StoryBeat {
  text: string;
  choices: string[];
}

/** How an attempt failed, in one taxonomy across providers. */
export type ErrorClass =
  | "transient" // 429, 5xx, overloaded, connection reset, per-attempt timeout: retried with backoff
  | "provider" // auth, model not found or retired, quota, retries exhausted: fail over
  | "request" // would fail everywhere (invalid parameters), or the model refused: fail fast, no failover
  | "config" // this provider's configuration is wrong (e.g. an in-region Bedrock id that needs an inference profile): fail over
  | "malformed" // the reply was not a valid beat after one repair attempt: fail over
  | "truncated" // the reply was cut by the output-token limit or the context window: not repaired, fail over
  | "circuit-open" // skipped: the provider's circuit breaker is open
  | "deadline" // not started or cut: the overall deadline would be passed
  | "stream-interrupted" // failed after the first token: reported, never silently retried
  | "not-configured"; // skipped: no credentials

export interface AttemptRecord {
  provider: ProviderName;
  model: string;
  ok: boolean;
  /** undefined when ok. */
  error?: { class: ErrorClass; message: string; status?: number };
  latencyMs: number;
  /** This attempt re-asked the model to fix a malformed reply. */
  repair?: boolean;
  /** Tokens this attempt was billed for; absent when the provider reported none (never shown as 0). */
  tokens?: TokenUsage;
  /** USD for this attempt's tokens; null when its model has no price. */
  costUsd?: number | null;
}

export interface TokenUsage {
  /** Input tokens billed at the full input price (cache reads and writes not included). */
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache. */
  cached: number;
  /** Input tokens written to the prompt cache (Anthropic, Bedrock, OpenAI cache writes); 0 when none. */
  cacheWrite?: number;
}

export interface GenerationResult {
  beat: StoryBeat;
  /** The provider and model that told the beat. */
  provider: ProviderName;
  model: string;
  /** Tokens billed for the whole call: every attempt that reported usage (a failed or repaired reply is billed too). */
  tokens: TokenUsage;
  /**
   * false when the attempt that told the beat reported no token counts (some compatible servers):
   * `tokens` then holds only what other attempts reported. Always set by the manager.
   */
  tokensReported?: boolean;
  /** USD for `tokens` from the pricing table; null when a billed model has no price (never reported as 0). */
  costUsd: number | null;
  /** Wall time of the whole call, failovers included. */
  latencyMs: number;
  /** From the call's start to the first narrative text delivered to onText; null when not streamed. */
  timeToFirstTokenMs: number | null;
  attempts: AttemptRecord[];
  /** Adjustments the manager made, e.g. a temperature the model does not accept was left out. */
  notes?: string[];
}

export interface GenerateOptions {
  /** Absolute deadline (epoch ms); inside Lambda derived from getRemainingTimeInMillis(). */
  deadline?: number;
  signal?: AbortSignal;
  /** Called with narrative text as it streams in (after the first token failover is no longer allowed). */
  onText?: (delta: string) => void;
}

export interface ProviderStatus {
  name: ProviderName;
  model: string;
  /** false when the provider has no credentials; `reason` says why. */
  configured: boolean;
  reason?: string;
  circuit: "closed" | "open" | "half-open";
}

export interface ProviderManager {
  generateBeat(request: BeatRequest, options?: GenerateOptions): Promise<GenerationResult>;
  status(): ProviderStatus[];
}
