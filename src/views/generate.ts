import type { AttemptRecord, GenerationResult, ProviderStatus } from "@noveli/providers";
import { attemptDocument } from "../ops/generate/failure.js";
import type { GenerateResult, PlayedStory } from "../ops/generate/story.js";
import { wrapText } from "../output/wrap.js";
import type { Style } from "../output/style.js";
import type { View } from "./view.js";

/**
 * How `noveli generate` shows a story: the --json document of one beat (the issue's contract, plus
 * time to first token and notes) or of an interactive story, and the human lines: the text
 * (unless it was streamed), the numbered choices and a footer with provider, model, tokens, cost
 * and latency. `width` wraps the text to the terminal; none when the output is piped.
 */
export function generateView(width: number | undefined): View<GenerateResult> {
  return {
    json: (result) => (result.kind === "beat" ? beatDocument(result.beat) : storyDocument(result)),
    human: (result, style) => (result.kind === "beat" ? beatLines(result.beat, { streamed: result.streamed, width }, style) : [style.dim(storyEndLine(result))]),
  };
}

/** The lines of one beat: its text unless it was streamed, the choices, the footer, the attempts of a failover. */
export function beatLines(result: GenerationResult, options: { streamed: boolean; width: number | undefined }, style: Style): string[] {
  const { width } = options;
  const lines = options.streamed ? [] : [width ? wrapText(result.beat.text, width) : result.beat.text];
  lines.push("", ...choiceLines(result, width), "", style.dim(footer(result)));
  if (result.attempts.length > 1) lines.push(style.dim(attemptsLine(result.attempts)));
  return lines;
}

function choiceLines(result: GenerationResult, width?: number): string[] {
  return result.beat.choices.map((choice, i) => {
    const line = `  ${i + 1}. ${choice}`;
    return width ? wrapText(line, width, "     ") : line;
  });
}

/** The --json document of one beat. */
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

function storyDocument(story: PlayedStory): Record<string, unknown> {
  return {
    command: "generate",
    interactive: true,
    prompt: story.prompt,
    ended: story.ended,
    beats: story.beats.map(({ beat, chosen }) => ({ ...beatDocument(beat), chosen })),
    totals: story.totals,
  };
}

function storyEndLine(story: PlayedStory): string {
  const { totals } = story;
  const count = story.beats.length;
  const tokens = totals.tokens ? `${totals.tokens.input} in / ${totals.tokens.output} out / ${totals.tokens.cached} cached tokens` : "tokens not reported";
  return `story ended (${story.ended === "quit" ? "q" : "end of input"}) after ${count} beat${count === 1 ? "" : "s"} · ${tokens} · ${formatCost(totals.costUsd)}`;
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

/** One attempt on one line (--verbose, and before the error when every provider failed). */
export function attemptLine(attempt: AttemptRecord): string {
  const outcome = attempt.ok ? "ok" : `${attempt.error?.class}: ${attempt.error?.message}`;
  return `${attempt.provider} ${attempt.ok ? "✓" : "✗"}${attempt.repair ? " (repair)" : ""} ${outcome} (${seconds(attempt.latencyMs)})`;
}

function attemptsLine(attempts: AttemptRecord[]): string {
  return `attempts: ${attempts.map((a) => `${a.provider} ${a.ok ? "✓" : `✗ ${a.error?.class}`}${a.repair ? " (repair)" : ""}`).join(" → ")}`;
}

/** A provider as set up (--verbose): its model, or why it was skipped. */
export function statusLine(status: ProviderStatus): string {
  return `${status.name}: ${status.configured ? `model ${status.model}` : `skipped: ${status.reason}`}`;
}
