/**
 * One color's API as the health check sees it: requests in, responses (or failures) out, each with
 * its duration. Two implementations: `httpProbe` (real AWS, through the color's own stage URL) and
 * `localLambdaProbe` (emulator targets, the color's deployed zip run in a local Lambda-style runner).
 * The judgement (`judge.ts`) never knows which one produced the evidence.
 */
export interface ProbeRequest {
  method: "GET" | "POST";
  /** Path below the stage, starting with `/`: `/health`, `/stories`. */
  path: string;
  query?: Record<string, string>;
  /** JSON body (POST). */
  body?: unknown;
  timeoutMs: number;
  /**
   * A signed-in user: the HTTP probe sends the ID token as `Authorization` (the stage's Cognito
   * authorizer verifies it); the local probe puts the claims where that authorizer would.
   */
  user?: { idToken: string; claims: Record<string, string> };
}

export type ProbeResponse =
  | { kind: "response"; status: number; body: string; durationMs: number }
  | { kind: "error"; message: string; timedOut: boolean; durationMs: number };

export interface HealthProbe {
  readonly kind: "http" | "local-lambda";
  /** Where requests go, for messages: the stage URL, or the artifact run locally. */
  readonly via: string;
  send(request: ProbeRequest, signal?: AbortSignal): Promise<ProbeResponse>;
  /** Releases what the probe holds (the local runner's process and temp dir). Idempotent. */
  close(): Promise<void>;
}

/** A request's path with its query string, as a log line shows it. */
export function requestLine(request: Pick<ProbeRequest, "method" | "path" | "query">): string {
  const query = request.query && Object.keys(request.query).length > 0 ? `?${new URLSearchParams(request.query).toString()}` : "";
  return `${request.method} ${request.path}${query}`;
}
