import type { AttemptRecord, BeatRequest, ErrorClass, GenerateOptions, GenerationResult, ProviderStatus } from "@noveli/providers";
import { isRecord } from "./aws-events.js";
import { ApiError } from "./http.js";
import type { Logger } from "./logger.js";
import type { SecretSource } from "./secrets.js";

/**
 * The story generator's view of the provider manager (the @noveli/providers package, shared with `noveli
 * generate`): generate one beat before a deadline, and say which providers are configured.
 */
export interface BeatGenerator {
  generateBeat(request: BeatRequest, options?: GenerateOptions): Promise<GenerationResult>;
  status?(): ProviderStatus[];
}

/** Resolves the generator for one invocation (keys may have rotated since the last one). */
export type GeneratorFactory = () => Promise<BeatGenerator>;

/**
 * The real wiring: @noveli/providers is loaded on first use (its SDKs are the heaviest part of the
 * bundle, and /health never needs them); the manager is built once and kept across invocations so
 * its circuit breakers remember failing providers, and rebuilt only when the keys change.
 */
export function providerManagerFactory(secrets: SecretSource, logger: Logger): GeneratorFactory {
  let current: { fingerprint: string; manager: BeatGenerator } | undefined;
  return async () => {
    const [{ env, warning }, providers] = await Promise.all([secrets.providerEnv(), import("@noveli/providers")]);
    if (warning) logger.warn(warning);
    const fingerprint = providerFingerprint(env);
    if (!current || current.fingerprint !== fingerprint) {
      current = { fingerprint, manager: providers.createProviderManager(providers.providerConfigFromEnv(env)) };
    }
    return current.manager;
  };
}

/**
 * A digest of the variables that configure providers, so a rotated key rebuilds the manager.
 * Hashed, not kept: the fingerprint must not hold the keys themselves.
 */
function providerFingerprint(env: Record<string, string | undefined>): string {
  const relevant = Object.keys(env)
    .filter((name) => /^(OPENAI_|ANTHROPIC_|NOVELI_|AWS_REGION$|AWS_ENDPOINT_URL)/.test(name))
    .sort()
    .map((name) => `${name}=${env[name] ?? ""}`)
    .join("\n");
  // FNV-1a, enough to notice a change; no crypto import needed on the request path.
  let hash = 0x811c9dc5;
  for (let i = 0; i < relevant.length; i++) {
    hash ^= relevant.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${relevant.length}:${hash.toString(16)}`;
}

/** The attempts a provider-manager failure carries, when it carries them. */
export function attemptsOf(error: unknown): AttemptRecord[] {
  if (!isRecord(error) && !(error instanceof Error)) return [];
  const attempts = (error as { attempts?: unknown }).attempts;
  return Array.isArray(attempts) ? attempts.filter((a): a is AttemptRecord => isRecord(a) && typeof a.provider === "string") : [];
}

/** The provider manager's failure code (GenerationError.code in packages/providers/src/errors.ts), if any. */
function failureCode(error: unknown): string | undefined {
  const code = error instanceof Error || isRecord(error) ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** Pure: the error class that best explains a failed generation. */
export function failureClass(error: unknown): ErrorClass | "unknown" {
  const code = failureCode(error);
  const declared = error instanceof Error || isRecord(error) ? (error as { class?: unknown }).class : undefined;
  const attempts = attemptsOf(error);
  const classes = attempts.map((a) => a.error?.class).filter((c): c is ErrorClass => c !== undefined);
  if (code === "invalid-request" || classes.includes("request")) return "request";
  if (code === "no-provider" || code === "invalid-config") return "not-configured";
  if (code === "deadline" || code === "aborted") return "deadline";
  if (code === "stream-interrupted") return "stream-interrupted";
  if (attempts.length > 0 && classes.length === attempts.length && classes.every((c) => c === "not-configured")) return "not-configured";
  const last = classes[classes.length - 1];
  if (last !== undefined) return last;
  if (typeof declared === "string") return declared as ErrorClass;
  return "unknown";
}

/** Pure: the HTTP answer for a failed generation. Input problems are 4xx, provider trouble 5xx. */
export function generationError(error: unknown): ApiError {
  const cls = failureClass(error);
  const code = failureCode(error);
  const attempts = attemptsOf(error).map((a) => ({
    provider: a.provider,
    model: a.model,
    ok: a.ok,
    errorClass: a.error?.class,
    ...(a.error?.status !== undefined ? { status: a.error.status } : {}),
    latencyMs: a.latencyMs,
  }));
  const details = { errorClass: cls, ...(code !== undefined ? { reason: code } : {}), attempts };
  switch (cls) {
    case "request":
      return new ApiError(422, "generation-rejected", "the story provider rejected the request as invalid", { details, cause: error });
    case "not-configured":
      return new ApiError(503, "no-provider-configured", code === "invalid-config" ? "the story providers are misconfigured for this function" : "no story provider is configured for this function", {
        details,
        cause: error,
      });
    case "deadline":
      return new ApiError(504, "generation-timeout", "no story provider answered in time", { details, cause: error });
    default:
      return new ApiError(502, "generation-failed", "every story provider failed", { details, cause: error });
  }
}
