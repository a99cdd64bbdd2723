/**
 * The provider manager's public contract, shared by `noveli generate` and the story-generator
 * Lambda. Nothing in src/providers/ may depend on the CLI, the terminal or the filesystem.
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
  | "request" // would fail everywhere (invalid parameters): fail fast, no failover
  | "malformed" // the reply was not a valid beat after one repair attempt: fail over
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
}

export interface TokenUsage {
  input: number;
  output: number;
  cached: number;
}

export interface GenerationResult {
  beat: StoryBeat;
  provider: ProviderName;
  model: string;
  tokens: TokenUsage;
  /** USD from the pricing table; null when the model has no price (never reported as 0). */
  costUsd: number | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: AttemptRecord[];
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
