import type { ApiGatewayProxyResult } from "./aws-events.js";

/**
 * Failures with an HTTP meaning. Everything the handler rejects is one of these, so the response
 * always carries a stable machine-readable `code` and a one-line message; anything else that
 * escapes is a bug and becomes a logged 500.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(status: number, code: string, message: string, options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    if (options.details) this.details = options.details;
    if (options.headers) this.headers = options.headers;
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(400, code, message, details ? { details } : {});
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(409, code, message, details ? { details } : {});

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

const BASE_HEADERS = Object.freeze({
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
});

export function jsonResponse(statusCode: number, body: unknown, requestId: string, headers: Record<string, string> = {}): ApiGatewayProxyResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, "x-request-id": requestId, ...headers },
    body: JSON.stringify(body),
  };
}

/** The error document every non-2xx answer carries: `{ error: { code, message, requestId, ... } }`. */
export function errorResponse(error: ApiError, requestId: string): ApiGatewayProxyResult {
  return jsonResponse(
    error.status,
    { error: { code: error.code, message: error.message, requestId, ...(error.details ? { details: error.details } : {}) } },
    requestId,
    error.headers,
  );
}
