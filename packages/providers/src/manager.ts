import type { AdapterReply, ProviderAdapter } from "./adapters/adapter.js";
import { beatPrompt, checkBeat, DEFAULT_MAX_TOKENS, parseJsonReply, repairPrompt, requestProblems, type BeatPrompt } from "./beat.js";
import { modelProfile, outputLimit, type ModelProfile } from "./catalog.js";
import type { ProviderConfig, ProviderSettings } from "./config.js";
import { GenerationError, oneLine, ProviderCallError } from "./errors.js";
import { redact } from "./redact.js";
import { backoffDelay, CircuitBreaker, type Clock } from "./policy.js";
import { addCosts, addUsage, costUsd, NO_USAGE } from "./pricing.js";
import { JsonTextFieldExtractor } from "./text-extractor.js";
import { sleep as realSleep } from "./time.js";
import type {
  AttemptRecord,
  BeatRequest,
  ErrorClass,
  GenerateOptions,
  GenerationResult,
  ProviderManager,
  ProviderName,
  ProviderStatus,
  StoryBeat,
  TokenUsage,
} from "./types.js";

/**
 * The provider manager: tries providers in priority order, retries transient failures with
 * backoff (honouring Retry-After), fails over on provider-level failures, fails fast on request
 * errors, keeps a circuit breaker per provider, respects a per-attempt timeout and an overall
 * deadline, streams narrative text, repairs a malformed reply once, and accounts for every attempt.
 *
 * Create one manager per process (per Lambda container) and reuse it: the circuit breakers and the
 * SDK clients' connections live in it.
 */

export interface ManagerDependencies {
  clock?: Clock;
  /** Waits between retries; rejects when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** [0, 1) for backoff jitter. */
  random?: () => number;
  /** Adapters by provider; default: the SDK adapters, loaded on first use. Tests inject fakes. */
  adapters?: Partial<Record<ProviderName, ProviderAdapter>>;
  /** Sent as the SDKs' user agent suffix where supported. */
  userAgent?: string;
  /** Told when a provider's SDK adapter is first loaded (not for injected adapters). */
  onAdapterLoad?: (name: ProviderName) => void;
}

const realClock: Clock = { now: () => Date.now() };

/** Why an attempt's signal was aborted. */
class AttemptAbort extends Error {
  constructor(readonly why: "timeout" | "deadline" | "caller") {
    super(why);
  }
}

const MISMATCH = "the repaired reply does not continue the text already shown";

/** The outcome of one provider's turn. */
type ProviderOutcome = { kind: "success"; result: GenerationResult } | { kind: "failover" } | { kind: "deadline" };

/** Text delivered to the caller so far, across attempts. */
class Delivery {
  text = "";
  firstAt: number | undefined;
  constructor(
    private readonly onText: ((delta: string) => void) | undefined,
    private readonly clock: Clock,
  ) {}
  get streaming(): boolean {
    return this.onText !== undefined;
  }
  get started(): boolean {
    return this.text !== "";
  }
  deliver(delta: string): void {
    if (delta === "" || !this.onText) return;
    this.firstAt ??= this.clock.now();
    this.text += delta;
    this.onText(delta);
  }
}

export function createProviderManager(config: ProviderConfig, deps: ManagerDependencies = {}): ProviderManager {
  const clock = deps.clock ?? realClock;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const policy = config.policy;
  const secrets = config.secrets.map((s) => s.reveal());
  for (const settings of Object.values(config.providers)) {
    const key = (settings as { apiKey?: { reveal(): string } }).apiKey;
    if (key) secrets.push(key.reveal());
  }
  const scrub = (text: string) => redact(text, { secrets });

  const breakers = new Map<ProviderName, CircuitBreaker>();
  const breaker = (name: ProviderName): CircuitBreaker => {
    let b = breakers.get(name);
    if (!b) {
      b = new CircuitBreaker(policy.circuit, clock);
      breakers.set(name, b);
    }
    return b;
  };
  /** Smoothed latency of successful attempts, to judge whether an attempt can finish in time. */
  const typicalLatency = new Map<ProviderName, number>();

  const adapters = new Map<ProviderName, Promise<ProviderAdapter>>();
  const adapterFor = (name: ProviderName): Promise<ProviderAdapter> => {
    const injected = deps.adapters?.[name];
    if (injected) return Promise.resolve(injected);
    let adapter = adapters.get(name);
    if (!adapter) {
      deps.onAdapterLoad?.(name);
      adapter = loadAdapter(config.providers[name], policy.attemptTimeoutMs, deps.userAgent);
      // A failed load (e.g. an SDK that cannot be imported) is retried next call.
      adapter.catch(() => adapters.delete(name));
      adapters.set(name, adapter);
    }
    return adapter;
  };

  const settingsOf = (name: ProviderName): ProviderSettings => config.providers[name];

  function status(): ProviderStatus[] {
    return config.order.map((name) => {
      const s = settingsOf(name);
      return {
        name,
        model: s.model,
        configured: s.configured,
        ...(s.reason ? { reason: s.reason } : {}),
        circuit: breaker(name).state(),
      };
    });
  }

  async function generateBeat(request: BeatRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const started = clock.now();
    const deadline = options.deadline ?? started + policy.totalTimeoutMs;
    const problems = requestProblems(request);
    if (problems.length > 0) throw new GenerationError("invalid-request", `invalid story request: ${problems.join("; ")}`, { providers: status() });
    if (options.signal?.aborted) throw new GenerationError("aborted", "aborted before any provider was called", { providers: status() });

    const configured = config.order.filter((name) => settingsOf(name).configured);
    if (configured.length === 0) {
      const reasons = config.order.map((name) => `${name}: ${settingsOf(name).reason ?? "not configured"}`).join("; ");
      throw new GenerationError("no-provider", `no AI provider is configured (${reasons})`, { providers: status() });
    }

    const attempts: AttemptRecord[] = [];
    const delivery = new Delivery(options.onText, clock);
    const basePrompt = beatPrompt(request);
    const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
    const notes: string[] = [];

    for (const name of config.order) {
      const settings = settingsOf(name);
      if (!settings.configured) {
        attempts.push(skipped(name, settings.model, "not-configured", settings.reason ?? "not configured"));
        continue;
      }
      const decision = breaker(name).request();
      if (!decision.allowed) {
        const wait = Math.max(0, Math.ceil(decision.retryInMs / 1000));
        attempts.push(skipped(name, settings.model, "circuit-open", `circuit open after repeated failures; next probe in ${wait}s`));
        continue;
      }
      const profile = modelProfile(name, settings.model);
      if (request.temperature !== undefined && !profile.sampling) {
        notes.push(`temperature ${request.temperature} not applied: ${profile.id} (${name}) does not accept a sampling temperature`);
      }
      // A half-open circuit's probe is one attempt: a provider that was failing is not hammered.
      const maxAttempts = decision.probe ? 1 : policy.maxAttemptsPerProvider;
      const outcome = await runProvider({ name, profile, basePrompt, maxTokens, maxAttempts, request, options, deadline, attempts, delivery, started, notes });
      if (outcome.kind === "success") return outcome.result;
      if (outcome.kind === "deadline") {
        throw new GenerationError("deadline", `the deadline passed before a story beat was told (${summarize(attempts)})`, { attempts, providers: status() });
      }
    }
    const tried = attempts.filter((a) => a.error && a.error.class !== "not-configured" && a.error.class !== "circuit-open");
    if (tried.length > 0 && tried.every((a) => a.error?.class === "config")) {
      throw new GenerationError("invalid-config", `the AI provider configuration is wrong: ${summarize(attempts)}`, { attempts, providers: status() });
    }
    throw new GenerationError("all-failed", `every AI provider failed: ${summarize(attempts)}`, { attempts, providers: status() });
  }

  interface Turn {
    name: ProviderName;
    profile: ModelProfile;
    basePrompt: BeatPrompt;
    maxTokens: number;
    /** Attempts allowed for transient failures in this turn. */
    maxAttempts: number;
    request: BeatRequest;
    options: GenerateOptions;
    deadline: number;
    attempts: AttemptRecord[];
    delivery: Delivery;
    started: number;
    notes: string[];
  }

  /** One provider's turn: attempts, retries with backoff, one repair. */
  async function runProvider(turn: Turn): Promise<ProviderOutcome> {
    const { name, profile, attempts, delivery, deadline, options } = turn;
    const circuit = breaker(name);
    const adapter = await adapterFor(name).catch((error: unknown) => {
      circuit.failure();
      attempts.push(skipped(name, profile.id, "provider", `could not load the ${name} client: ${oneLine(scrub(String((error as Error)?.message ?? error)))}`));
      return undefined;
    });
    if (!adapter) return { kind: "failover" };

    let prompt = turn.basePrompt;
    let repairing = false;
    /** Narrative already delivered and complete before a repair: kept, never shown twice. */
    let keptText: string | undefined;
    let transientFailures = 0;

    for (;;) {
      const now = clock.now();
      const remaining = deadline - now;
      const needed = Math.max(policy.minAttemptMs, Math.min(typicalLatency.get(name) ?? 0, policy.attemptTimeoutMs));
      if (remaining < needed) {
        circuit.release();
        attempts.push(skipped(name, profile.id, "deadline", `not started: ${Math.max(0, remaining)} ms left before the deadline, an attempt needs about ${needed} ms`));
        return { kind: "deadline" };
      }

      // Stream only while nothing has been shown, or when a repair can still show the text.
      const stream = delivery.streaming && !(repairing && delivery.started);
      const extractor = new JsonTextFieldExtractor("text");
      const attemptStart = clock.now();
      const result = await attempt(adapter, {
        profile,
        prompt,
        maxTokens: outputLimit(profile, turn.maxTokens).total,
        ...(turn.request.temperature !== undefined && profile.sampling ? { temperature: turn.request.temperature } : {}),
        timeoutMs: Math.min(policy.attemptTimeoutMs, remaining),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(stream ? { onChunk: (chunk: string) => delivery.deliver(extractor.push(chunk)) } : {}),
      });
      const latencyMs = clock.now() - attemptStart;

      if (result.ok) {
        const reply = result.reply;
        const tokens = reply.usage;
        const cost = tokens ? costUsd(profile.price, tokens) : undefined;
        const billed = { ...(tokens ? { tokens, costUsd: cost ?? null } : {}), ...(repairing ? { repair: true } : {}) };

        if (reply.refusal !== undefined || reply.stopReason === "refusal") {
          // Asking again, or another model, would not make the story acceptable: a request error.
          circuit.release();
          const why = reply.refusal ? `: ${oneLine(scrub(reply.refusal))}` : "";
          attempts.push({ provider: name, model: profile.id, ok: false, error: { class: "request", message: `the model refused${why}` }, latencyMs, ...billed });
          if (delivery.started) throw interrupted(turn, "the model refused after the text started");
          if (policy.failoverOnRefusal) return { kind: "failover" };
          throw new GenerationError("refused", `${name} (${profile.id}) refused to tell this story${why}`, { attempts, providers: status() });
        }

        // Any answer that parses and validates as a beat is one: the structured reply, or the same
        // JSON given as text (a model or compatible server that ignored the tool).
        const candidates = [reply.json, reply.prose].filter((c): c is string => c !== undefined);
        const checks = candidates.map((c) => checkBeat(parseJsonReply(c)));
        const check = checks.find((c) => c.ok) ?? checks[0] ?? checkBeat(undefined);
        let beat: StoryBeat | undefined;
        let problem: string | undefined;
        if (check.ok) {
          beat = keptText !== undefined ? { text: keptText, choices: check.beat.choices } : check.beat;
        } else {
          problem = check.problem;
          if (reply.json === undefined && reply.prose) problem = "the model answered in prose instead of the structured beat";
        }

        const cut = !beat ? truncation(reply, profile, turn.maxTokens) : undefined;
        if (cut) {
          // Cut by a limit: a repair would be cut the same way. The provider is not at fault.
          circuit.release();
          attempts.push({ provider: name, model: profile.id, ok: false, error: { class: "truncated", message: cut }, latencyMs, ...billed });
          if (delivery.started) throw interrupted(turn, cut);
          return { kind: "failover" };
        }

        if (beat && delivery.started && keptText === undefined) {
          // Streamed text must be the beginning of the final text: deliver the rest, never repeat it.
          const shown = delivery.text.trimStart();
          if (shown.trimEnd() === beat.text) {
            // All of it was shown.
          } else if (beat.text.startsWith(shown)) {
            delivery.deliver(beat.text.slice(shown.length));
          } else {
            beat = undefined;
            problem = MISMATCH;
          }
        }

        if (beat) {
          if (!delivery.started) delivery.deliver(beat.text);
          circuit.success();
          const previous = typicalLatency.get(name);
          typicalLatency.set(name, previous === undefined ? latencyMs : Math.round(previous * 0.7 + latencyMs * 0.3));
          attempts.push({ provider: name, model: profile.id, ok: true, latencyMs, ...billed });
          return { kind: "success", result: finish(turn, beat) };
        }

        attempts.push({ provider: name, model: profile.id, ok: false, error: { class: "malformed", message: `${problem}${repairing ? "" : "; asking once for a repair"}` }, latencyMs, ...billed });
        if (!repairing && problem !== MISMATCH) {
          repairing = true;
          keptText = delivery.started && extractor.complete ? extractor.value.trim() : undefined;
          if (delivery.started && keptText === undefined) {
            // The text broke off mid-way: a repaired beat could only be shown by repeating it.
            circuit.failure();
            throw interrupted(turn, `${problem}, after part of the text was shown`);
          }
          prompt = repairPrompt(turn.basePrompt, reply.json ?? reply.prose ?? "", problem as string, keptText);
          continue;
        }
        circuit.failure();
        if (delivery.started) throw interrupted(turn, problem as string);
        return { kind: "failover" };
      }

      // The attempt failed.
      const failure = result.error;
      if (failure.errorClass === "deadline") {
        circuit.release();
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing));
        if (delivery.started) throw interrupted(turn, failure.message);
        return { kind: "deadline" };
      }
      if (result.aborted) {
        circuit.release();
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing));
        throw new GenerationError("aborted", "the call was aborted", { attempts: turn.attempts, providers: status(), ...(delivery.started ? { partialText: delivery.text } : {}) });
      }
      // Once text was shown only a (non-streamed) repair of its choices may still be retried here;
      // anything else would have to show the text again.
      const retryable = !delivery.started || (keptText !== undefined && failure.errorClass === "transient");
      if (!retryable) {
        attempts.push(failed(name, profile.id, new ProviderCallError("stream-interrupted", failure.message, failure.status !== undefined ? { status: failure.status } : {}), latencyMs, repairing));
        circuit.failure();
        throw interrupted(turn, failure.message);
      }
      /** This provider is done: fail over, unless text was shown (then nobody else may continue it). */
      const giveUp = (message: string): ProviderOutcome => {
        circuit.failure();
        if (delivery.started) throw interrupted(turn, message);
        return { kind: "failover" };
      };
      if (failure.errorClass === "config") {
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing));
        circuit.release();
        if (delivery.started) throw interrupted(turn, failure.message);
        return { kind: "failover" };
      }
      if (failure.errorClass === "request") {
        circuit.release();
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing));
        throw new GenerationError("invalid-request", `${name} rejected the request, which would fail on every provider: ${failure.message}`, { attempts, providers: status() });
      }
      if (failure.errorClass !== "transient") {
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing));
        return giveUp(failure.message);
      }

      transientFailures += 1;
      if (transientFailures >= turn.maxAttempts) {
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing, turn.maxAttempts === 1 && policy.maxAttemptsPerProvider > 1 ? "; the circuit's probe failed" : `; ${transientFailures} attempts, retries exhausted`));
        return giveUp(failure.message);
      }
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing, `; Retry-After ${Math.ceil(failure.retryAfterMs / 1000)}s is longer than ${Math.ceil(policy.maxRetryAfterMs / 1000)}s, failing over`));
        return giveUp(failure.message);
      }
      const delay = backoffDelay(transientFailures, policy, random, failure.retryAfterMs);
      if (clock.now() + delay + policy.minAttemptMs > deadline) {
        attempts.push(failed(name, profile.id, failure, latencyMs, repairing, "; no time left to retry before the deadline, failing over"));
        return giveUp(failure.message);
      }
      attempts.push(failed(name, profile.id, failure, latencyMs, repairing, `; retrying in ${delay} ms`));
      try {
        await sleep(delay, options.signal);
      } catch {
        circuit.release();
        throw new GenerationError("aborted", "the call was aborted", { attempts, providers: status() });
      }
    }
  }

  function interrupted(turn: Turn, reason: string): GenerationError {
    const shown = turn.delivery.text.length;
    return new GenerationError(
      "stream-interrupted",
      `the story stream from ${turn.name} broke after ${shown} character${shown === 1 ? "" : "s"} of text: ${oneLine(scrub(reason))}; the text shown is incomplete and was not retried, to avoid repeating it`,
      { attempts: turn.attempts, providers: status(), partialText: turn.delivery.text },
    );
  }

  function finish(turn: Turn, beat: StoryBeat): GenerationResult {
    const billed = turn.attempts.filter((a) => a.tokens !== undefined);
    const tokens = billed.reduce<TokenUsage>((sum, a) => addUsage(sum, a.tokens as TokenUsage), { ...NO_USAGE });
    // A reply without usage figures (some compatible servers) has an unknown cost: unpriced, not 0.
    const winnerReported = turn.attempts.at(-1)?.tokens !== undefined;
    const cost = winnerReported ? addCosts(billed.map((a) => a.costUsd ?? null)) : null;
    return {
      beat,
      provider: turn.name,
      model: turn.profile.id,
      tokens,
      tokensReported: winnerReported,
      costUsd: cost,
      latencyMs: clock.now() - turn.started,
      timeToFirstTokenMs: turn.delivery.firstAt !== undefined ? turn.delivery.firstAt - turn.started : null,
      attempts: turn.attempts,
      ...(turn.notes.length > 0 ? { notes: [...new Set(turn.notes)] } : {}),
    };
  }

  function failed(name: ProviderName, model: string, error: ProviderCallError, latencyMs: number, repair: boolean, suffix = ""): AttemptRecord {
    return {
      provider: name,
      model,
      ok: false,
      error: { class: error.errorClass, message: oneLine(scrub(error.message)) + suffix, ...(error.status !== undefined ? { status: error.status } : {}) },
      latencyMs,
      ...(repair ? { repair: true } : {}),
    };
  }

  function skipped(name: ProviderName, model: string, errorClass: ErrorClass, message: string): AttemptRecord {
    return { provider: name, model, ok: false, error: { class: errorClass, message: scrub(message) }, latencyMs: 0 };
  }

  interface AttemptInput {
    profile: ModelProfile;
    prompt: BeatPrompt;
    maxTokens: number;
    temperature?: number;
    timeoutMs: number;
    signal?: AbortSignal;
    onChunk?: (chunk: string) => void;
  }

  type AttemptResult =
    | { ok: true; reply: Awaited<ReturnType<ProviderAdapter["call"]>> }
    | { ok: false; error: ProviderCallError; aborted?: boolean };

  /** One request with its own timeout; abort reasons are told apart from provider errors. */
  async function attempt(adapter: ProviderAdapter, input: AttemptInput): Promise<AttemptResult> {
    const controller = new AbortController();
    const deadlineHit = input.timeoutMs < policy.attemptTimeoutMs;
    const timer = setTimeout(() => controller.abort(new AttemptAbort(deadlineHit ? "deadline" : "timeout")), input.timeoutMs);
    const onCallerAbort = () => controller.abort(new AttemptAbort("caller"));
    if (input.signal?.aborted) onCallerAbort();
    else input.signal?.addEventListener("abort", onCallerAbort, { once: true });
    try {
      const reply = await adapter.call({
        profile: input.profile,
        prompt: input.prompt,
        maxTokens: input.maxTokens,
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
        signal: controller.signal,
        ...(input.onChunk ? { onChunk: input.onChunk } : {}),
      });
      if (controller.signal.aborted) return abortResult(controller.signal.reason, input.timeoutMs);
      return { ok: true, reply };
    } catch (error) {
      if (controller.signal.aborted) return abortResult(controller.signal.reason, input.timeoutMs);
      return { ok: false, error: adapter.classify(error) };
    } finally {
      clearTimeout(timer);
      input.signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  function abortResult(reason: unknown, timeoutMs: number): AttemptResult {
    const why = reason instanceof AttemptAbort ? reason.why : "caller";
    if (why === "timeout") return { ok: false, error: new ProviderCallError("transient", `timed out after ${timeoutMs} ms`) };
    if (why === "deadline") return { ok: false, error: new ProviderCallError("deadline", `cut at the overall deadline after ${timeoutMs} ms`) };
    return { ok: false, error: new ProviderCallError("provider", "aborted by the caller"), aborted: true };
  }

  return { generateBeat, status };
}

/**
 * Why a reply that is not a beat was cut off, when a limit cut it: the output-token limit (with the
 * room reserved for thinking) or the model's context window. Undefined when it simply ended.
 */
export function truncation(reply: AdapterReply, profile: ModelProfile, beatTokens: number): string | undefined {
  if (reply.stopReason === "max-tokens") {
    const limit = outputLimit(profile, beatTokens);
    const reserve = limit.thinkingReserve > 0 ? ` (${beatTokens} for the beat + ${limit.thinkingReserve} reserved for thinking)` : "";
    const thought = reply.thinkingTokens ? `; ${reply.thinkingTokens} of the tokens went to thinking` : "";
    return `the reply was cut off at the ${limit.total}-token output limit${reserve} before the beat was complete${thought}; a larger token limit is needed`;
  }
  if (reply.stopReason === "context-window") {
    const u = reply.usage;
    const size = u ? ` at ${u.input + u.cached + (u.cacheWrite ?? 0)} input + ${u.output} output tokens` : "";
    return `the conversation reached ${profile.id}'s context window${size} before the beat was complete; a shorter story history is needed`;
  }
  return undefined;
}

function summarize(attempts: AttemptRecord[]): string {
  const last = new Map<ProviderName, string>();
  for (const a of attempts) if (a.error) last.set(a.provider, `${a.provider}: ${a.error.class}: ${a.error.message}`);
  return [...last.values()].join("; ") || "no attempt was made";
}

async function loadAdapter(settings: ProviderSettings, timeoutMs: number, userAgent: string | undefined): Promise<ProviderAdapter> {
  switch (settings.name) {
    case "openai":
      return (await import("./adapters/openai.js")).createOpenAiAdapter(settings, { timeoutMs });
    case "anthropic":
      return (await import("./adapters/anthropic.js")).createAnthropicAdapter(settings, { timeoutMs });
    case "bedrock":
      return (await import("./adapters/bedrock.js")).createBedrockAdapter(settings, { timeoutMs, ...(userAgent ? { userAgent } : {}) });
  }
}
