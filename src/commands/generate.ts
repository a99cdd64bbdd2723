import { createInterface } from "node:readline";
import { hasSharedDefaultProfile } from "../aws/shared-config.js";
import type { CommandContext } from "../context.js";
import { AbortError, ConfigError, OperationError, UsageError } from "../errors.js";
import { StreamWrapper, wrapText } from "../output/wrap.js";
import type {
  AttemptRecord,
  GenerationError,
  GenerationResult,
  ProviderConfigOverrides,
  ProviderManager,
  ProviderName,
  StoryTurn,
} from "@noveli/providers";

/** Options of `noveli generate [prompt]`, as commander hands them over. */
export interface GenerateCommandOptions {
  /** The story premise. Required. */
  prompt?: string;
  /** Providers to try, in order, e.g. "anthropic,openai". Default: NOVELI_PROVIDERS, else bedrock,anthropic,openai. */
  provider?: string;
  /** A model id, or `provider=id,...` with several providers. Default: NOVELI_<PROVIDER>_MODEL, else the catalog default. */
  model?: string;
  /** Output token limit per beat, 64 to 32000. Default 1024. */
  maxTokens?: string;
  /** Sampling temperature, 0 to 1; left out for models that reject it. Default: the model's. */
  temperature?: string;
  /** A genre to steer the story, e.g. "gothic horror". */
  genre?: string;
  /** Play a branching story: read a choice number per line from stdin, `q` ends. Default false. */
  interactive?: boolean;
}

interface GenerateInput {
  prompt: string;
  genre?: string;
  maxTokens?: number;
  temperature?: number;
  overrides: ProviderConfigOverrides;
  interactive: boolean;
}

/** Parses and validates every flag before anything is called. */
function parseInput(options: GenerateCommandOptions, ctx: CommandContext, parseProviderList: (raw: string, origin: string) => ProviderName[]): GenerateInput {
  const prompt = options.prompt?.trim() ?? "";
  if (prompt === "") throw new UsageError('give a story premise: noveli generate "a lighthouse keeper hears a knock from the sea"');
  if (prompt.length > 4000) throw new UsageError("the premise is longer than 4000 characters");

  let maxTokens: number | undefined;
  if (options.maxTokens !== undefined) {
    maxTokens = Number(options.maxTokens);
    if (!/^\d+$/.test(options.maxTokens) || maxTokens < 64 || maxTokens > 32_000) {
      throw new UsageError(`--max-tokens must be a whole number from 64 to 32000, got ${JSON.stringify(options.maxTokens)}`);
    }
  }
  let temperature: number | undefined;
  if (options.temperature !== undefined) {
    temperature = Number(options.temperature);
    if (options.temperature.trim() === "" || !Number.isFinite(temperature) || temperature < 0 || temperature > 1) {
      throw new UsageError(`--temperature must be a number from 0 to 1, got ${JSON.stringify(options.temperature)}`);
    }
  }
  const genre = options.genre?.trim();
  if (genre !== undefined && (genre === "" || genre.length > 100)) throw new UsageError("--genre needs a name of at most 100 characters");

  const overrides: ProviderConfigOverrides = {};
  if (options.provider !== undefined) overrides.providers = parseProviderList(options.provider, "--provider");
  if (options.model !== undefined) overrides.model = parseModelFlag(options.model, parseProviderList);
  // Bedrock follows the AWS target flags; the embedded moto emulator (--local) has no Bedrock.
  if (ctx.globals.local) ctx.reporter.warn("--local does not apply to generate: the local emulator has no Bedrock, which uses your AWS credentials");
  if (ctx.globals.endpointUrl) overrides.endpointUrl = ctx.globals.endpointUrl;
  if (ctx.globals.region) overrides.region = ctx.globals.region;
  if (ctx.globals.profile) overrides.profile = ctx.globals.profile;
  if (hasSharedDefaultProfile(process.env)) overrides.awsSharedDefaultProfile = true;

  return {
    prompt,
    ...(genre ? { genre } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    overrides,
    interactive: options.interactive === true,
  };
}

/** `--model id` or `--model openai=gpt-6-luna,anthropic=claude-haiku-5-5`. */
function parseModelFlag(raw: string, parseProviderList: (raw: string, origin: string) => ProviderName[]): ProviderConfigOverrides["model"] {
  const value = raw.trim();
  if (value === "") throw new UsageError("--model needs a model id");
  if (!/^[a-z]+=/.test(value)) return value;
  const models: Partial<Record<ProviderName, string>> = {};
  for (const pair of value.split(",")) {
    const [name, id] = pair.split("=", 2).map((s) => s.trim());
    const [provider] = parseProviderList(name ?? "", "--model");
    if (!id) throw new UsageError(`--model ${JSON.stringify(pair)} has no model id after "="`);
    models[provider as ProviderName] = id;
  }
  return models;
}

export async function generate(options: GenerateCommandOptions, ctx: CommandContext): Promise<void> {
  const providers = await import("@noveli/providers");
  let input: GenerateInput;
  let manager: ProviderManager;
  try {
    input = parseInput(options, ctx, providers.parseProviderList);
    manager = providers.createProviderManager(providers.providerConfigFromEnv(process.env, input.overrides), { userAgent: "noveli" });
  } catch (error) {
    if (providers.isGenerationError(error)) throw new UsageError(error.message);
    throw error;
  }
  const statuses = manager.status();
  for (const status of statuses) {
    ctx.reporter.debug(`${status.name}: ${status.configured ? `model ${status.model}` : `skipped: ${status.reason}`}`);
  }
  if (!statuses.some((status) => status.configured)) {
    throw toNoveliError(new providers.GenerationError("no-provider", "no AI provider is configured", { providers: statuses }), ctx, providers.CONFIGURE_HINTS);
  }
  if (input.interactive) await playInteractive(input, manager, ctx, providers.CONFIGURE_HINTS);
  else await tellOneBeat(input, manager, ctx, providers.CONFIGURE_HINTS);
}

async function tellOneBeat(input: GenerateInput, manager: ProviderManager, ctx: CommandContext, hints: Readonly<Record<ProviderName, string>>): Promise<void> {
  const result = await nextBeat(input, [], manager, ctx, hints);
  const width = terminalWidth(ctx);
  ctx.reporter.result(beatDocument(result), (lines, style) => {
    if (!streamed(ctx)) lines.push(width ? wrapText(result.beat.text, width) : result.beat.text);
    lines.push("", ...choiceLines(result, width), "", style.dim(footer(result)));
    if (result.attempts.length > 1) lines.push(style.dim(attemptsLine(result.attempts)));
  });
}

function streamed(ctx: CommandContext): boolean {
  return ctx.reporter.interactive && !ctx.reporter.json;
}

/** The width to wrap story text to: the terminal's, on a terminal; none when the output is piped (kept as told). */
function terminalWidth(ctx: CommandContext): number | undefined {
  if (!ctx.reporter.interactive || ctx.reporter.json) return undefined;
  const columns = process.stdout.columns;
  // Past 100 columns prose gets hard to read; a terminal that reports no size gets 80.
  return Math.max(20, Math.min(columns && columns > 0 ? columns : 80, 100));
}

/** Tells one beat, streaming on a terminal; turns the manager's failures into noveli's errors. */
async function nextBeat(input: GenerateInput, history: StoryTurn[], manager: ProviderManager, ctx: CommandContext, hints: Readonly<Record<ProviderName, string>>): Promise<GenerationResult> {
  const stream = streamed(ctx);
  const width = terminalWidth(ctx);
  const wrapper = stream && width ? new StreamWrapper(width) : undefined;
  const show = (delta: string) => ctx.reporter.write(wrapper ? wrapper.push(delta) : delta);
  const call = () =>
    manager.generateBeat(
      {
        prompt: input.prompt,
        ...(input.genre ? { genre: input.genre } : {}),
        history,
        ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      },
      { signal: ctx.signal, ...(stream ? { onText: show } : {}) },
    );
  let result: GenerationResult;
  try {
    result = stream ? await call() : await ctx.reporter.phase(history.length === 0 ? "Telling the opening beat" : "Telling the next beat", call);
  } catch (error) {
    if (wrapper) ctx.reporter.write(wrapper.end());
    throw toNoveliError(error, ctx, hints);
  }
  if (stream) ctx.reporter.write(`${wrapper ? wrapper.end() : ""}\n`);
  for (const note of result.notes ?? []) ctx.reporter.warn(note);
  for (const attempt of result.attempts) if (!attempt.ok) ctx.reporter.debug(attemptLine(attempt));
  return result;
}

function toNoveliError(error: unknown, ctx: CommandContext, hints: Readonly<Record<ProviderName, string>>): unknown {
  if (!(error instanceof Error) || error.name !== "GenerationError") return error;
  const failure = error as GenerationError;
  const attempts = failure.attempts.map(attemptDocument);
  switch (failure.code) {
    case "no-provider": {
      const wanted = failure.providers.map((p) => p.name);
      return new ConfigError("no-provider", "no AI provider is configured", {
        hint: `configure at least one of:\n${wanted.map((name) => `  ${hints[name]}`).join("\n")}`,
        details: { providers: failure.providers },
      });
    }
    case "invalid-config":
      return new UsageError(failure.message, failure.attempts.length > 0 ? { details: { attempts } } : undefined);
    case "refused":
      return new OperationError("refused", failure.message, {
        hint: "the model declined this story; change the premise, or set NOVELI_FAILOVER_ON_REFUSAL=1 to try the next provider instead",
        details: { attempts },
      });
    case "aborted":
      return new AbortError("interrupted while generating");
    case "stream-interrupted":
      if (streamed(ctx)) ctx.reporter.write("\n");
      return new OperationError("stream-interrupted", failure.message, { details: { attempts, partialText: failure.partialText ?? "" } });
    case "invalid-request":
      if (failure.attempts.length === 0) return new UsageError(failure.message);
      return new OperationError("request-rejected", failure.message, { hint: "the request itself was rejected; change the premise or the flags", details: { attempts } });
    case "deadline":
    case "all-failed": {
      for (const attempt of failure.attempts) ctx.reporter.info(attemptLine(attempt));
      const reasons = failure.reasons().map((r) => `${r.provider}: ${r.message}`);
      const specific = failureHints(failure.attempts, process.env);
      return new OperationError(
        failure.code === "deadline" ? "deadline" : "all-providers-failed",
        `${failure.code === "deadline" ? "the deadline passed before any provider told the beat" : "every AI provider failed"}: ${reasons.join("; ")}`,
        {
          hint: [...specific, "run with --verbose for each attempt; --provider picks providers, NOVELI_ATTEMPT_TIMEOUT_MS and NOVELI_DEADLINE_MS set the time limits"].join("\n"),
          details: { attempts },
        },
      );
    }
  }
}

async function playInteractive(input: GenerateInput, manager: ProviderManager, ctx: CommandContext, hints: Readonly<Record<ProviderName, string>>): Promise<void> {
  const reader = createInterface({ input: process.stdin, terminal: false });
  const lines = reader[Symbol.asyncIterator]();
  const closeOnAbort = () => reader.close();
  ctx.signal.addEventListener("abort", closeOnAbort, { once: true });
  const history: StoryTurn[] = [];
  const results: GenerationResult[] = [];
  let ended: "quit" | "end-of-input" = "end-of-input";
  try {
    for (;;) {
      const result = await nextBeat(input, history, manager, ctx, hints);
      results.push(result);
      showBeat(result, ctx);
      const choice = await askChoice(result.beat.choices.length, lines, ctx);
      if (ctx.signal.aborted) throw new AbortError("interrupted");
      if (choice === "quit" || choice === "end-of-input") {
        ended = choice;
        history.push({ beat: result.beat });
        break;
      }
      history.push({ beat: result.beat, choice });
    }
  } finally {
    ctx.signal.removeEventListener("abort", closeOnAbort);
    reader.close();
  }
  const totals = storyTotals(results);
  ctx.reporter.result(
    {
      command: "generate",
      interactive: true,
      prompt: input.prompt,
      ended,
      beats: results.map((result, i) => ({ ...beatDocument(result), chosen: history[i]?.choice !== undefined ? (history[i]?.choice as number) + 1 : null })),
      totals,
    },
    (out, style) => {
      out.push(
        style.dim(
          `story ended (${ended === "quit" ? "q" : "end of input"}) after ${results.length} beat${results.length === 1 ? "" : "s"} · ${totals.tokens ? `${totals.tokens.input} in / ${totals.tokens.output} out / ${totals.tokens.cached} cached tokens` : "tokens not reported"} · ${formatCost(totals.costUsd)}`,
        ),
      );
    },
  );
}

/** In interactive mode each beat is shown as it comes (the result document comes at the end). */
function showBeat(result: GenerationResult, ctx: CommandContext): void {
  if (ctx.reporter.json) return;
  const style = ctx.reporter.style;
  const width = terminalWidth(ctx);
  const text = width ? wrapText(result.beat.text, width) : result.beat.text;
  const lines = [...(streamed(ctx) ? [] : [text]), "", ...choiceLines(result, width), "", style.dim(footer(result))];
  if (result.attempts.length > 1) lines.push(style.dim(attemptsLine(result.attempts)));
  ctx.reporter.write(`${lines.join("\n")}\n\n`);
}

type Choice = number | "quit" | "end-of-input";

async function askChoice(count: number, lines: AsyncIterator<string>, ctx: CommandContext): Promise<Choice> {
  for (;;) {
    ctx.reporter.info(`choose 1-${count}, or q to end the story:`);
    const next = await lines.next();
    if (next.done) return "end-of-input";
    const answer = String(next.value).trim().toLowerCase();
    if (answer === "q" || answer === "quit") return "quit";
    if (/^\d+$/.test(answer)) {
      const n = Number(answer);
      if (n >= 1 && n <= count) return n - 1;
    }
    ctx.reporter.warn(`"${answer}" is not a choice: type a number from 1 to ${count}, or q`);
  }
}

// ---------------------------------------------------------------- rendering (pure)

function choiceLines(result: GenerationResult, width?: number): string[] {
  return result.beat.choices.map((choice, i) => {
    const line = `  ${i + 1}. ${choice}`;
    return width ? wrapText(line, width, "     ") : line;
  });
}

/**
 * What the user can do about the failures seen, one line each: a 404 from an OpenAI-compatible
 * base URL without /v1, a reply cut by the token limit. Pure.
 */
export function failureHints(attempts: readonly AttemptRecord[], env: Record<string, string | undefined>): string[] {
  const hints: string[] = [];
  const base = env.OPENAI_BASE_URL?.trim();
  if (base && attempts.some((a) => a.provider === "openai" && a.error?.status === 404)) {
    let path = "";
    try {
      path = new URL(base).pathname.replace(/\/+$/, "");
    } catch {
      // An unparseable URL fails earlier with its own message.
    }
    if (!/\/v\d+$/.test(path)) {
      hints.push(`OPENAI_BASE_URL (${base}) has no /v1: OpenAI-compatible servers serve the API under it, e.g. ${base.replace(/\/+$/, "")}/v1`);
    }
  }
  if (attempts.some((a) => a.error?.class === "truncated" && /output limit/.test(a.error.message))) {
    hints.push("the beat did not fit in the output-token limit: raise it with --max-tokens (default 1024, up to 32000)");
  }
  return hints;
}

/** The --json document of one beat: the issue's contract, plus time to first token and notes. */
export function beatDocument(result: GenerationResult): Record<string, unknown> {
  return {
    text: result.beat.text,
    choices: result.beat.choices,
    provider: result.provider,
    model: result.model,
    // null, like an unknown cost: a server that reported no counts did not bill 0 tokens.
    tokens: result.tokensReported === false ? null : { input: result.tokens.input, output: result.tokens.output, cached: result.tokens.cached, cacheWrite: result.tokens.cacheWrite ?? 0 },
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    timeToFirstTokenMs: result.timeToFirstTokenMs,
    attempts: result.attempts.map(attemptDocument),
    ...(result.notes ? { notes: result.notes } : {}),
  };
}

function attemptDocument(attempt: AttemptRecord): Record<string, unknown> {
  return {
    provider: attempt.provider,
    model: attempt.model,
    ok: attempt.ok,
    error: attempt.error ? { class: attempt.error.class, message: attempt.error.message, ...(attempt.error.status !== undefined ? { status: attempt.error.status } : {}) } : null,
    latencyMs: attempt.latencyMs,
    ...(attempt.repair ? { repair: true } : {}),
    ...(attempt.tokens ? { tokens: attempt.tokens, costUsd: attempt.costUsd ?? null } : {}),
  };
}

export function formatCost(cost: number | null): string {
  if (cost === null) return "unpriced";
  if (cost === 0) return "$0";
  return cost < 0.01 ? `$${cost.toPrecision(2)}` : `$${cost.toFixed(4)}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function footer(result: GenerationResult): string {
  const t = result.tokens;
  const cached = t.cached > 0 || (t.cacheWrite ?? 0) > 0 ? ` / ${t.cached} cached` : "";
  const ttft = result.timeToFirstTokenMs !== null ? ` (first text ${seconds(result.timeToFirstTokenMs)})` : "";
  const tokens = result.tokensReported === false ? "tokens not reported" : `${t.input} in / ${t.output} out${cached} tokens`;
  return `${result.provider} · ${result.model} · ${tokens} · ${formatCost(result.costUsd)} · ${seconds(result.latencyMs)}${ttft}`;
}

function attemptLine(attempt: AttemptRecord): string {
  const outcome = attempt.ok ? "ok" : `${attempt.error?.class}: ${attempt.error?.message}`;
  return `${attempt.provider} ${attempt.ok ? "✓" : "✗"}${attempt.repair ? " (repair)" : ""} ${outcome} (${seconds(attempt.latencyMs)})`;
}

function attemptsLine(attempts: AttemptRecord[]): string {
  return `attempts: ${attempts.map((a) => `${a.provider} ${a.ok ? "✓" : `✗ ${a.error?.class}`}${a.repair ? " (repair)" : ""}`).join(" → ")}`;
}

function storyTotals(results: GenerationResult[]): { tokens: { input: number; output: number; cached: number } | null; costUsd: number | null; latencyMs: number } {
  const tokens = { input: 0, output: 0, cached: 0 };
  let cost: number | null = 0;
  let latencyMs = 0;
  // One beat without counts makes the story's count unknown, as one unpriced beat makes its cost unknown.
  const reported = results.every((r) => r.tokensReported !== false);
  for (const r of results) {
    tokens.input += r.tokens.input;
    tokens.output += r.tokens.output;
    tokens.cached += r.tokens.cached;
    cost = cost === null || r.costUsd === null ? null : Number((cost + r.costUsd).toPrecision(12));
    latencyMs += r.latencyMs;
  }
  return { tokens: reported ? tokens : null, costUsd: cost, latencyMs };
}
