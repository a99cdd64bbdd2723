import { randomUUID } from "node:crypto";
import type { LambdaRunner } from "../../local/lambda-runner.js";
import type { HealthProbe, ProbeRequest, ProbeResponse } from "./probe.js";

/**
 * Emulator targets: the color's deployed zip runs in the local Lambda-style runner, and each
 * request becomes the API Gateway REST proxy event the color's own stage would send
 * (`stageVariables.deployment` = the color), answered the way API Gateway would answer. The
 * emulator's API Gateway runs no authorizer, so a signed-in request carries the claims the
 * stage's Cognito authorizer would pass (`requestContext.authorizer.claims`).
 */
export interface LocalStageInfo {
  apiId: string;
  region: string;
  /** The color's own stage (its name is what requestContext.stage carries). */
  stageName: string;
  /** The stage variable that picks the alias. */
  deployment: string;
  /** 12-digit account of the function ARN. */
  accountId: string;
}

/** API Gateway's answer when the integration fails or answers something that is not a proxy response. */
const BAD_GATEWAY = 502;

export function proxyEvent(request: ProbeRequest, stage: LocalStageInfo, requestId: string, now: number = Date.now()): Record<string, unknown> {
  const headers: Record<string, string> = {
    accept: "application/json",
    host: `${stage.apiId}.execute-api.${stage.region}.amazonaws.com`,
    "user-agent": "noveli-health-check",
    "x-forwarded-proto": "https",
    ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
  };
  const query = request.query && Object.keys(request.query).length > 0 ? request.query : null;
  return {
    resource: "/{proxy+}",
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: { proxy: request.path.replace(/^\//, "") },
    stageVariables: { deployment: stage.deployment },
    requestContext: {
      accountId: stage.accountId,
      apiId: stage.apiId,
      resourcePath: "/{proxy+}",
      httpMethod: request.method,
      path: `/${stage.stageName}${request.path}`,
      stage: stage.stageName,
      requestId,
      requestTimeEpoch: now,
      protocol: "HTTP/1.1",
      domainName: headers.host,
      identity: { sourceIp: "127.0.0.1", userAgent: "noveli-health-check" },
      ...(request.user ? { authorizer: { claims: { ...request.user.claims } } } : {}),
    },
    body: request.body !== undefined ? JSON.stringify(request.body) : null,
    isBase64Encoded: false,
  };
}

/** What API Gateway makes of a Lambda proxy integration's result. */
export function proxyResponse(value: unknown): { status: number; body: string } {
  if (typeof value !== "object" || value === null || typeof (value as { statusCode?: unknown }).statusCode !== "number") {
    return { status: BAD_GATEWAY, body: JSON.stringify({ message: "Internal server error", detail: "malformed Lambda proxy response (no numeric statusCode)" }) };
  }
  const result = value as { statusCode: number; body?: unknown; isBase64Encoded?: boolean };
  const raw = typeof result.body === "string" ? result.body : result.body === undefined || result.body === null ? "" : JSON.stringify(result.body);
  return { status: result.statusCode, body: result.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw };
}

export function localLambdaProbe(runner: LambdaRunner, stage: LocalStageInfo, via: string): HealthProbe {
  return {
    kind: "local-lambda",
    via,
    async send(request: ProbeRequest, signal?: AbortSignal): Promise<ProbeResponse> {
      const outcome = await runner.invoke(proxyEvent(request, stage, randomUUID()), { timeoutMs: request.timeoutMs, ...(signal ? { signal } : {}) });
      if (outcome.kind === "error") {
        if (outcome.timedOut) return { kind: "error", message: `no answer within ${request.timeoutMs}ms`, timedOut: true, durationMs: outcome.durationMs };
        // API Gateway answers 502 when the function fails; the function's error is the evidence.
        return {
          kind: "response",
          status: BAD_GATEWAY,
          body: JSON.stringify({ message: "Internal server error", lambdaError: { errorType: outcome.errorType, errorMessage: outcome.errorMessage } }),
          durationMs: outcome.durationMs,
        };
      }
      return { kind: "response", ...proxyResponse(outcome.value), durationMs: outcome.durationMs };
    },
    close: () => runner.stop(),
  };
}
