import type { AttemptRecord, ErrorClass, ProviderName, ProviderStatus } from "./types.js";

/**
 * The one error taxonomy across providers (see ErrorClass in types.ts), the errors the manager
 * throws, and the helpers every adapter uses to classify its SDK's failures. No SDK imports here.
 */

/** One failed attempt, classified. Adapters throw it; the manager decides retry or failover. */
export class ProviderCallError extends Error {
  readonly errorClass: ErrorClass;
  readonly status?: number;
  /** The provider asked to wait this long before retrying (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(errorClass: ErrorClass, message: string, options: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "ProviderCallError";
    this.errorClass = errorClass;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export type GenerationErrorCode =
  | "invalid-request" // the request would fail everywhere: fixed by the caller
  | "invalid-config" // the provider configuration is wrong (e.g. an ambiguous model)
  | "no-provider" // no provider has credentials
  | "all-failed" // every configured provider failed
  | "deadline" // the overall deadline passed before a beat was told
  | "stream-interrupted" // text was already delivered when the stream failed
  | "refused" // the model refused to tell this story (not failed over unless the policy says so)
  | "aborted"; // the caller's signal aborted the call

/** Why generateBeat failed, with the evidence: every attempt and every provider's state. */
export class GenerationError extends Error {
  readonly code: GenerationErrorCode;
  readonly attempts: AttemptRecord[];
  readonly providers: ProviderStatus[];
  /** Narrative text already delivered to onText (stream-interrupted only). */
  readonly partialText?: string;

  constructor(code: GenerationErrorCode, message: string, details: { attempts?: AttemptRecord[]; providers?: ProviderStatus[]; partialText?: string } = {}) {
    super(message);
    this.name = "GenerationError";
    this.code = code;
    this.attempts = details.attempts ?? [];
    this.providers = details.providers ?? [];
    if (details.partialText !== undefined) this.partialText = details.partialText;
  }

  /** Each provider's last reason, in the order they were tried. */
  reasons(): { provider: ProviderName; class: ErrorClass; message: string }[] {
    const last = new Map<ProviderName, { provider: ProviderName; class: ErrorClass; message: string }>();
    for (const attempt of this.attempts) {
      if (attempt.error) last.set(attempt.provider, { provider: attempt.provider, class: attempt.error.class, message: attempt.error.message });
    }
    return [...last.values()];
  }
}

export function isGenerationError(error: unknown): error is GenerationError {
  return error instanceof GenerationError;
}

// ---------------------------------------------------------------- classification helpers

/** Network failures where retrying the same address soon is pointless: fail over at once. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_FAIL", "EHOSTUNREACH", "ENETUNREACH", "ERR_INVALID_URL", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);
/** Network failures that a retry may fix. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED", "ERR_STREAM_PREMATURE_CLOSE", "ERR_HTTP2_STREAM_ERROR", "ENETRESET", "EPROTO"]);

/** The first system error code (ECONNREFUSED...) in an error's cause chain. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+|ERR_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*)$/.test(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkCode(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies a connection-level failure (no HTTP status). */
export function classifyNetwork(error: unknown, fallbackMessage: string): ProviderCallError {
  const code = networkCode(error);
  if (code && UNREACHABLE_CODES.has(code)) return new ProviderCallError("provider", `unreachable (${code})`);
  if (code && TRANSIENT_CODES.has(code)) return new ProviderCallError("transient", `connection failed (${code})`);
  return new ProviderCallError("transient", code ? `connection failed (${code})` : fallbackMessage);
}

/** Words in a 400/404/422 message that make it the model's problem, not the request's. */
const MODEL_SPECIFIC = /\b(model|tool_choice|thinking|temperature|response_format|json_schema|reasoning|unsupported|not supported|does not support|inference profile|on-demand throughput|deprecated|retired|access|maximum allowed)\b/i;

/**
 * Classifies an HTTP error status the same way for every provider:
 * 408/409/425/429/5xx transient; 401/402/403/404 provider-level; 400/413/422 request-level unless
 * the message shows it is this model's limitation (then provider-level, so another provider may
 * still succeed).
 */
export function classifyStatus(status: number, message: string, details: { code?: string; retryAfterMs?: number } = {}): ProviderCallError {
  const options = { status, ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}) };
  const code = details.code ?? "";
  if (status === 429 && /insufficient_quota|quota|billing/i.test(`${code} ${message}`) && !/rate/i.test(code)) {
    return new ProviderCallError("provider", `quota exhausted: ${message}`, options);
  }
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) {
    return new ProviderCallError("transient", message, options);
  }
  if (status === 401 || status === 403) return new ProviderCallError("provider", `authentication failed: ${message}`, options);
  if (status === 402) return new ProviderCallError("provider", `billing: ${message}`, options);
  if (status === 404) return new ProviderCallError("provider", `model or endpoint not found: ${message}`, options);
  if ((status === 400 || status === 422) && MODEL_SPECIFIC.test(`${code} ${message}`)) {
    return new ProviderCallError("provider", `rejected for this model: ${message}`, options);
  }
  if (status === 400 || status === 413 || status === 422) return new ProviderCallError("request", message, options);
  return new ProviderCallError("provider", message, options);
}

/**
 * The HTTP status each provider's error code or type stands for (OpenAI `error.code`/`error.type`,
 * Anthropic `error.type`), so an error that arrives inside a stream (HTTP 200 already sent) is
 * classified exactly as the same error in a response status would be.
 */
const ERROR_CODE_STATUS: Readonly<Record<string, number>> = {
  invalid_api_key: 401,
  authentication_error: 401,
  invalid_authentication: 401,
  permission_error: 403,
  permission_denied: 403,
  unsupported_country_region_territory: 403,
  billing_error: 402,
  insufficient_quota: 429,
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  model_not_found: 404,
  not_found_error: 404,
  invalid_request_error: 400,
  context_length_exceeded: 400,
  request_too_large: 413,
  server_error: 500,
  api_error: 500,
  overloaded_error: 529,
};

/** Classifies an error event inside a stream by its code or type; unknown ones are transient (the server failed mid-reply). */
export function classifyStreamError(code: string | undefined, type: string | undefined, message: string): ProviderCallError {
  const label = code ?? type;
  // "(code)" rather than "code:", so a code like invalid_api_key is not mistaken for a key by the redaction.
  const text = `error in stream${label ? ` (${label})` : ""}: ${message}`;
  const status = (code !== undefined ? ERROR_CODE_STATUS[code] : undefined) ?? (type !== undefined ? ERROR_CODE_STATUS[type] : undefined);
  if (status === undefined) return new ProviderCallError("transient", text);
  // The response itself was a 200: the status stays off the record.
  const classified = classifyStatus(status, text, label ? { code: label } : {});
  return new ProviderCallError(classified.errorClass, classified.message);
}

/**
 * Retry-After in milliseconds from response headers: `retry-after-ms` (OpenAI, Anthropic), or
 * `retry-after` in seconds or as an HTTP date. Undefined when absent or unparseable.
 */
export function retryAfterMs(get: (name: string) => string | null | undefined, now: number): number | undefined {
  const ms = get("retry-after-ms");
  if (ms) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = get("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** One line, at most `max` characters: provider messages can be long JSON dumps. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
