import { errorMessage } from "../../errors.js";
import type { HealthProbe, ProbeRequest, ProbeResponse } from "./probe.js";

/** Real AWS: requests go to the color's own API Gateway stage (`stageInvokeUrls[color]`). */
export function httpProbe(stageUrl: string, fetchImpl: typeof fetch = fetch): HealthProbe {
  const base = stageUrl.replace(/\/+$/, "");
  return {
    kind: "http",
    via: base,
    async send(request: ProbeRequest, signal?: AbortSignal): Promise<ProbeResponse> {
      const url = new URL(`${base}${request.path}`);
      for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
      const timeout = AbortSignal.timeout(request.timeoutMs);
      const started = performance.now();
      try {
        const response = await fetchImpl(url, {
          method: request.method,
          headers: {
            accept: "application/json",
            "user-agent": "noveli-health-check",
            ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
            ...(request.user ? { authorization: request.user.idToken } : {}),
          },
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const body = await response.text();
        return { kind: "response", status: response.status, body, durationMs: performance.now() - started };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const timedOut = timeout.aborted;
        return { kind: "error", message: timedOut ? `no answer within ${request.timeoutMs}ms` : `request failed: ${describeFetchError(error)}`, timedOut, durationMs: performance.now() - started };
      }
    },
    async close() {
      /* nothing held */
    },
  };
}

function describeFetchError(error: unknown): string {
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND, certificate errors) in `cause`.
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  return cause ? `${errorMessage(error)} (${errorMessage(cause)})` : errorMessage(error);
}
