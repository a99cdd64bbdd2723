import { describe, expect, it } from "vitest";
import { CONFIGURE_HINTS, GenerationError, type AttemptRecord, type BeatRequest, type GenerationResult, type ProviderManager } from "@noveli/providers";
import { isNoveliError } from "../../src/errors.js";
import { failureHints, generationFailure } from "../../src/ops/generate/failure.js";
import type { StoryProviders } from "../../src/ops/generate/providers.js";
import { chooseNext, parseChoice, playStory, storyTotals, tellOneBeat, type ChoiceInput, type StoryOutput } from "../../src/ops/generate/story.js";
import { generateView } from "../../src/views/generate.js";
import { styleFor } from "../../src/output/style.js";

// The generate operation against in-memory fakes: a scripted provider manager, an output that
// records what it was asked to show, and scripted answers, so the loop is tested without stdin.

function beat(text: string, overrides: Partial<GenerationResult> = {}): GenerationResult {
  return {
    beat: { text, choices: ["Open the door", "Wait", "Run"] },
    provider: "openai",
    model: "gpt-test",
    tokens: { input: 10, output: 5, cached: 0 },
    tokensReported: true,
    costUsd: 0.001,
    latencyMs: 120,
    timeToFirstTokenMs: null,
    attempts: [{ provider: "openai", model: "gpt-test", ok: true, latencyMs: 120 }],
    ...overrides,
  };
}

function scriptedProviders(replies: Array<GenerationResult | Error>): StoryProviders & { requests: BeatRequest[] } {
  const requests: BeatRequest[] = [];
  const manager: ProviderManager = {
    async generateBeat(request) {
      requests.push(structuredClone(request));
      const reply = replies.shift();
      if (!reply) throw new Error("no scripted reply left");
      if (reply instanceof Error) throw reply;
      return reply;
    },
    status: () => [{ name: "openai", model: "gpt-test", configured: true, circuit: "closed" }],
  };
  return { manager, statuses: manager.status(), hints: CONFIGURE_HINTS, requests };
}

function recordingOutput(streaming = false): StoryOutput & { events: string[] } {
  const events: string[] = [];
  return {
    streaming,
    events,
    text: (delta) => events.push(`text:${delta}`),
    streamEnd: (closeLine) => events.push(`end:${closeLine}`),
    waiting: async (title, work) => {
      events.push(`waiting:${title}`);
      return work();
    },
    told: (result) => events.push(`told:${result.beat.text}`),
    failed: (attempts) => events.push(`failed:${attempts.length}`),
    beat: (result) => events.push(`beat:${result.beat.text}`),
  };
}

function scriptedChoices(answers: string[]): ChoiceInput & { asked: string[]; rejected: string[] } {
  const asked: string[] = [];
  const rejected: string[] = [];
  return {
    asked,
    rejected,
    ask: async (question) => {
      asked.push(question);
      return answers.shift();
    },
    reject: (message) => rejected.push(message),
  };
}

const signal = new AbortController().signal;

describe("parseChoice", () => {
  it("reads 1-based numbers within the count, q and quit", () => {
    expect(parseChoice(" 2 ", 3)).toBe(1);
    expect(parseChoice("Q", 3)).toBe("quit");
    expect(parseChoice("quit", 3)).toBe("quit");
    expect(parseChoice("4", 3)).toBeUndefined();
    expect(parseChoice("0", 3)).toBeUndefined();
    expect(parseChoice("seven", 3)).toBeUndefined();
    expect(parseChoice("", 3)).toBeUndefined();
  });
});

describe("chooseNext", () => {
  it("asks again after an answer that is no choice, saying why", async () => {
    const choices = scriptedChoices(["seven", "3"]);
    expect(await chooseNext(3, choices)).toBe(2);
    expect(choices.asked).toEqual(["choose 1-3, or q to end the story:", "choose 1-3, or q to end the story:"]);
    expect(choices.rejected).toEqual(['"seven" is not a choice: type a number from 1 to 3, or q']);
  });

  it("ends at the end of the input", async () => {
    expect(await chooseNext(3, scriptedChoices([]))).toBe("end-of-input");
  });
});

describe("playStory", () => {
  it("continues the same story with each choice, and reports every beat with the choice made after it", async () => {
    const providers = scriptedProviders([beat("one"), beat("two", { costUsd: 0.002 }), beat("three")]);
    const output = recordingOutput();
    const story = await playStory({ prompt: "a lighthouse" }, providers, output, scriptedChoices(["2", "nope", "1", "q"]), signal, {});
    expect(story.ended).toBe("quit");
    expect(story.beats.map((b) => [b.beat.beat.text, b.chosen])).toEqual([
      ["one", 2],
      ["two", 1],
      ["three", null],
    ]);
    expect(providers.requests.map((r) => r.history?.map((turn) => turn.choice))).toEqual([[], [1], [1, 0]]);
    expect(story.totals).toEqual({ tokens: { input: 30, output: 15, cached: 0 }, costUsd: 0.004, latencyMs: 360 });
    expect(output.events).toEqual(["waiting:Telling the opening beat", "told:one", "beat:one", "waiting:Telling the next beat", "told:two", "beat:two", "waiting:Telling the next beat", "told:three", "beat:three"]);
  });

  it("stops with an abort error once the signal aborted while it waited for a choice", async () => {
    const controller = new AbortController();
    const choices: ChoiceInput = {
      ask: async () => {
        controller.abort();
        return undefined;
      },
      reject: () => {},
    };
    await expect(playStory({ prompt: "p" }, scriptedProviders([beat("one")]), recordingOutput(), choices, controller.signal, {})).rejects.toMatchObject({ code: "interrupted", exitCode: 130 });
  });
});

describe("tellOneBeat", () => {
  it("streams through the output and ends the line", async () => {
    const providers = scriptedProviders([beat("streamed")]);
    const output = recordingOutput(true);
    const result = await tellOneBeat({ prompt: "p", genre: "noir", maxTokens: 256 }, providers, output, signal, {});
    expect(result).toMatchObject({ kind: "beat", streamed: true });
    expect(providers.requests[0]).toMatchObject({ prompt: "p", genre: "noir", maxTokens: 256, history: [] });
    expect(output.events).toEqual(["end:true", "told:streamed"]);
  });

  it("shows every attempt and throws noveli's error when every provider failed", async () => {
    const attempts: AttemptRecord[] = [
      { provider: "anthropic", model: "m", ok: false, error: { class: "transient", message: "overloaded" }, latencyMs: 5 },
      { provider: "openai", model: "g", ok: false, error: { class: "provider", message: "authentication failed" }, latencyMs: 7 },
    ];
    const output = recordingOutput(true);
    const failing = scriptedProviders([new GenerationError("all-failed", "every provider failed", { attempts })]);
    const error = await tellOneBeat({ prompt: "p" }, failing, output, signal, {}).catch((e: unknown) => e);
    expect(isNoveliError(error)).toBe(true);
    expect(error).toMatchObject({ code: "all-providers-failed", message: "every AI provider failed: anthropic: overloaded; openai: authentication failed" });
    expect(output.events).toEqual(["end:false", "failed:2"]);
  });

  it("ends the line a stream cut mid-way left open", async () => {
    const output = recordingOutput(true);
    const cut = scriptedProviders([new GenerationError("stream-interrupted", "the stream broke", { partialText: "Once" })]);
    await expect(tellOneBeat({ prompt: "p" }, cut, output, signal, {})).rejects.toMatchObject({ code: "stream-interrupted", details: { partialText: "Once" } });
    expect(output.events).toEqual(["end:true"]);
  });
});

describe("generationFailure", () => {
  it.each([
    ["no-provider", "no-provider", 2],
    ["invalid-config", "usage", 2],
    ["refused", "refused", 1],
    ["aborted", "interrupted", 130],
    ["deadline", "deadline", 1],
  ] as const)("maps %s to %s (exit %i)", (code, noveliCode, exitCode) => {
    const { error } = generationFailure(new GenerationError(code, "m"), CONFIGURE_HINTS, {});
    expect(error).toMatchObject({ code: noveliCode, exitCode });
  });

  it("passes anything else through", () => {
    const other = new Error("boom");
    expect(generationFailure(other, CONFIGURE_HINTS, {})).toEqual({ error: other, attemptsToShow: [], streamInterrupted: false });
  });

  it("hints at /v1 for an OpenAI-compatible URL that answered 404, and at --max-tokens for a cut beat", () => {
    const notFound: AttemptRecord = { provider: "openai", model: "g", ok: false, error: { class: "provider", message: "not found", status: 404 }, latencyMs: 1 };
    const cut: AttemptRecord = { provider: "anthropic", model: "m", ok: false, error: { class: "truncated", message: "hit the output limit" }, latencyMs: 1 };
    expect(failureHints([notFound, cut], { OPENAI_BASE_URL: "http://127.0.0.1:8000" })).toEqual([
      "OPENAI_BASE_URL (http://127.0.0.1:8000) has no /v1: OpenAI-compatible servers serve the API under it, e.g. http://127.0.0.1:8000/v1",
      "the beat did not fit in the output-token limit: raise it with --max-tokens (default 1024, up to 32000)",
    ]);
    expect(failureHints([notFound], { OPENAI_BASE_URL: "http://127.0.0.1:8000/v1" })).toEqual([]);
  });
});

describe("storyTotals", () => {
  it("is unknown once one beat was unpriced or reported no tokens", () => {
    expect(storyTotals([beat("a"), beat("b", { costUsd: null })]).costUsd).toBeNull();
    expect(storyTotals([beat("a"), beat("b", { tokensReported: false })]).tokens).toBeNull();
  });
});

describe("generateView", () => {
  const style = styleFor(false);
  it("shows one beat's text unless it was streamed, its choices and footer", () => {
    const view = generateView(undefined);
    const told = beat("The door creaks.");
    expect(view.human({ kind: "beat", beat: told, streamed: false }, style)).toEqual([
      "The door creaks.",
      "",
      "  1. Open the door",
      "  2. Wait",
      "  3. Run",
      "",
      "openai · gpt-test · 10 in / 5 out tokens · $0.0010 · 120 ms",
    ]);
    expect(view.human({ kind: "beat", beat: told, streamed: true }, style)[0]).toBe("");
    expect(view.json({ kind: "beat", beat: told, streamed: false })).toMatchObject({ text: "The door creaks.", provider: "openai", tokens: { input: 10, output: 5, cached: 0, cacheWrite: 0 } });
  });
});
