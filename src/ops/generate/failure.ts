import type { AttemptRecord, GenerationError, ProviderName } from "@noveli/providers";
import { AbortError, ConfigError, OperationError, UsageError } from "../../errors.js";

/** What a failed beat comes to: noveli's typed error, and the attempts worth showing before it. */
export interface GenerationFailure {
  /** The error to throw: a NoveliError for the manager's failures, the original error otherwise. */
  error: unknown;
  /** Every attempt, shown one per line before the error when every provider failed or the deadline passed. */
  attemptsToShow: AttemptRecord[];
  /** The stream broke after text was shown: the line it left open needs ending. */
  streamInterrupted: boolean;
}

/** The --json form of one attempt, also the `attempts` detail of the errors below. */
export function attemptDocument(attempt: AttemptRecord): Record<string, unknown> {
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

/**
 * Pure: turns the provider manager's GenerationError into noveli's typed errors (exit codes),
 * with hints for what the user can do. Anything else is passed through unchanged.
 */
export function generationFailure(error: unknown, hints: Readonly<Record<ProviderName, string>>, env: Record<string, string | undefined>): GenerationFailure {
  const passThrough = { error, attemptsToShow: [], streamInterrupted: false };
  if (!(error instanceof Error) || error.name !== "GenerationError") return passThrough;
  const failure = error as GenerationError;
  const attempts = failure.attempts.map(attemptDocument);
  const only = (mapped: unknown): GenerationFailure => ({ error: mapped, attemptsToShow: [], streamInterrupted: false });
  switch (failure.code) {
    case "no-provider": {
      const wanted = failure.providers.map((p) => p.name);
      return only(
        new ConfigError("no-provider", "no AI provider is configured", {
          hint: `configure at least one of:\n${wanted.map((name) => `  ${hints[name]}`).join("\n")}`,
          details: { providers: failure.providers },
        }),
      );
    }
    case "invalid-config":
      return only(new UsageError(failure.message, failure.attempts.length > 0 ? { details: { attempts } } : undefined));
    case "refused":
      return only(
        new OperationError("refused", failure.message, {
          hint: "the model declined this story; change the premise, or set NOVELI_FAILOVER_ON_REFUSAL=1 to try the next provider instead",
          details: { attempts },
        }),
      );
    case "aborted":
      return only(new AbortError("interrupted while generating"));
    case "stream-interrupted":
      return {
        error: new OperationError("stream-interrupted", failure.message, { details: { attempts, partialText: failure.partialText ?? "" } }),
        attemptsToShow: [],
        streamInterrupted: true,
      };
    case "invalid-request":
      if (failure.attempts.length === 0) return only(new UsageError(failure.message));
      return only(new OperationError("request-rejected", failure.message, { hint: "the request itself was rejected; change the premise or the flags", details: { attempts } }));
    case "deadline":
    case "all-failed": {
      const reasons = failure.reasons().map((r) => `${r.provider}: ${r.message}`);
      const specific = failureHints(failure.attempts, env);
      return {
        error: new OperationError(
          failure.code === "deadline" ? "deadline" : "all-providers-failed",
          `${failure.code === "deadline" ? "the deadline passed before any provider told the beat" : "every AI provider failed"}: ${reasons.join("; ")}`,
          {
            hint: [...specific, "run with --verbose for each attempt; --provider picks providers, NOVELI_ATTEMPT_TIMEOUT_MS and NOVELI_DEADLINE_MS set the time limits"].join("\n"),
            details: { attempts },
          },
        ),
        attemptsToShow: failure.attempts,
        streamInterrupted: false,
      };
    }
  }
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
