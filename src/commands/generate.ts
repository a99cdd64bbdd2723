import type { ProviderConfigOverrides, ProviderName } from "@noveli/providers";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { loadProviders, openProviders, requireConfiguredProvider } from "../ops/generate/providers.js";
import { playStory, tellOneBeat, type ChoiceInput, type GenerateResult, type StoryOutput, type StoryRequest } from "../ops/generate/story.js";
import { stdinAnswers } from "../output/prompt.js";
import { StreamWrapper } from "../output/wrap.js";
import { attemptLine, beatLines, generateView, statusLine } from "../views/generate.js";
import { render } from "../views/view.js";

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
  request: StoryRequest;
  overrides: ProviderConfigOverrides;
  interactive: boolean;
}

type ProviderListParser = (raw: string, origin: string) => ProviderName[];

export async function generate(options: GenerateCommandOptions, ctx: CommandContext): Promise<GenerateResult> {
  const providers = await loadProviders();
  let input: GenerateInput;
  try {
    input = parseInput(options, ctx, providers.parseProviderList);
  } catch (error) {
    if (providers.isGenerationError(error)) throw new UsageError(error.message);
    throw error;
  }
  const story = openProviders(providers, input.overrides, process.env);
  for (const status of story.statuses) ctx.reporter.debug(statusLine(status));
  requireConfiguredProvider(providers, story, process.env);

  const width = terminalWidth(ctx);
  const output = storyOutput(ctx, width);
  let result: GenerateResult;
  if (input.interactive) {
    const answers = stdinAnswers(ctx.signal);
    const choices: ChoiceInput = {
      ask: (question) => {
        ctx.reporter.info(question);
        return answers.next();
      },
      reject: (message) => ctx.reporter.warn(message),
    };
    try {
      result = await playStory(input.request, story, output, choices, ctx.signal, process.env);
    } finally {
      answers.close();
    }
  } else {
    result = await tellOneBeat(input.request, story, output, ctx.signal, process.env);
  }
  render(ctx.reporter, generateView(width), result);
  return result;
}

/** Parses and validates every flag before anything is called. */
function parseInput(options: GenerateCommandOptions, ctx: CommandContext, parseProviderList: ProviderListParser): GenerateInput {
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

  return {
    request: {
      prompt,
      ...(genre ? { genre } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
    },
    overrides,
    interactive: options.interactive === true,
  };
}

/** `--model id` or `--model openai=gpt-6-luna,anthropic=claude-haiku-5-5`. */
function parseModelFlag(raw: string, parseProviderList: ProviderListParser): ProviderConfigOverrides["model"] {
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

/** Text streams on an interactive terminal outside --json. */
function streams(ctx: CommandContext): boolean {
  return ctx.reporter.interactive && !ctx.reporter.json;
}

/** The width to wrap story text to: the terminal's, on a terminal; none when the output is piped (kept as told). */
function terminalWidth(ctx: CommandContext): number | undefined {
  if (!streams(ctx)) return undefined;
  const columns = ctx.reporter.columns;
  // Past 100 columns prose gets hard to read; a terminal that reports no size gets 80.
  return Math.max(20, Math.min(columns ?? 80, 100));
}

/** The story as it is told, through the reporter: streamed text wrapped to the terminal, each interactive beat, notes and attempts. */
function storyOutput(ctx: CommandContext, width: number | undefined): StoryOutput {
  const { reporter } = ctx;
  const streaming = streams(ctx);
  let wrapper: StreamWrapper | undefined;
  const wrap = () => (wrapper ??= width ? new StreamWrapper(width) : undefined);
  return {
    streaming,
    text: (delta) => {
      const w = wrap();
      reporter.write(w ? w.push(delta) : delta);
    },
    streamEnd: (closeLine) => {
      const w = wrap();
      wrapper = undefined;
      reporter.write(`${w ? w.end() : ""}${closeLine ? "\n" : ""}`);
    },
    waiting: (title, work) => reporter.phase(title, work),
    told: (result) => {
      for (const note of result.notes ?? []) reporter.warn(note);
      for (const attempt of result.attempts) if (!attempt.ok) reporter.debug(attemptLine(attempt));
    },
    failed: (attempts) => {
      for (const attempt of attempts) reporter.info(attemptLine(attempt));
    },
    beat: (result) => {
      // In interactive mode each beat is shown as it comes (the result document comes at the end).
      if (reporter.json) return;
      reporter.write(`${beatLines(result, { streamed: streaming, width }, reporter.style).join("\n")}\n\n`);
    },
  };
}
