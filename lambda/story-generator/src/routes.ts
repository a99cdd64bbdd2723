import { normalizeApiEvent, type ApiGatewayProxyEvent, type ApiGatewayProxyResult } from "./aws-events.js";
import type { BeatGenerator } from "./generator.js";
import { ApiError, jsonResponse, notFound } from "./http.js";
import type { DeploymentIdentity } from "./identity.js";
import { errorFields } from "./logger.js";
import type { SessionStore } from "./sessions.js";
import type { InvocationScope, StoryService } from "./stories.js";
import { isSessionId, parseJsonBody, validateChoice, validateStartStory, type Limits } from "./validate.js";

/**
 * The REST API (API Gateway proxy integration):
 *   GET  /health[?deep=1]          who answers (color, version, code hash); deep also probes DynamoDB
 *   POST /stories                  { prompt, genre?, userId } → 201 { sessionId, step: 0, beat }
 *   GET  /stories/{id}             the story so far
 *   POST /stories/{id}/choices     { choice, step? } → 200 { sessionId, step, beat }
 */

export type Route =
  | { name: "health" }
  | { name: "start-story" }
  | { name: "get-story"; sessionId: string }
  | { name: "make-choice"; sessionId: string };

export type RouteMatch = { kind: "route"; route: Route } | { kind: "method-not-allowed"; allow: string[] } | { kind: "not-found" };

/** Pure: the route for a method and path (trailing slash ignored). */
export function matchRoute(method: string, path: string): RouteMatch {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const segments = trimmed.split("/").slice(1);
  const upper = method.toUpperCase();
  const pick = (allowed: Record<string, Route>): RouteMatch => {
    const route = allowed[upper] ?? (upper === "HEAD" ? allowed.GET : undefined);
    return route ? { kind: "route", route } : { kind: "method-not-allowed", allow: Object.keys(allowed) };
  };
  if (segments.length === 1 && segments[0] === "health") return pick({ GET: { name: "health" } });
  if (segments[0] !== "stories") return { kind: "not-found" };
  if (segments.length === 1) return pick({ POST: { name: "start-story" } });
  const sessionId = segments[1] as string;
  if (segments.length === 2 && sessionId !== "") return pick({ GET: { name: "get-story", sessionId } });
  if (segments.length === 3 && sessionId !== "" && segments[2] === "choices") return pick({ POST: { name: "make-choice", sessionId } });
  return { kind: "not-found" };
}

export interface RouteDeps {
  service: StoryService;
  sessions: SessionStore;
  generator: () => Promise<BeatGenerator>;
  identity: DeploymentIdentity;
  limits: Limits;
  now: () => number;
  /** How long the deep health check waits for DynamoDB. Default 2000 ms. */
  healthTimeoutMs?: number;
}

export async function handleApiRequest(raw: ApiGatewayProxyEvent, scope: InvocationScope, deps: RouteDeps): Promise<ApiGatewayProxyResult> {
  const event = normalizeApiEvent(raw);
  const matched = matchRoute(event.httpMethod, event.path);
  if (matched.kind === "not-found") throw notFound("route-not-found", `no route for ${event.httpMethod.slice(0, 16)} ${event.path.slice(0, 200)}`);
  if (matched.kind === "method-not-allowed") {
    throw new ApiError(405, "method-not-allowed", `${event.httpMethod.slice(0, 16)} is not allowed here (allowed: ${matched.allow.join(", ")})`, {
      headers: { allow: matched.allow.join(", ") },
    });
  }
  const { route } = matched;
  switch (route.name) {
    case "health":
      return health(event, scope, deps);
    case "start-story": {
      const input = validateStartStory(parseJsonBody(event.body, event.isBase64Encoded, deps.limits), deps.limits);
      const started = await deps.service.start(input, scope);
      return jsonResponse(201, started, scope.requestId, { location: `/stories/${started.sessionId}` });
    }
    case "get-story": {
      const sessionId = knownSessionId(route.sessionId);
      return jsonResponse(200, deps.service.view(await deps.service.session(sessionId)), scope.requestId);
    }
    case "make-choice": {
      const sessionId = knownSessionId(route.sessionId);
      const input = validateChoice(parseJsonBody(event.body, event.isBase64Encoded, deps.limits));
      return jsonResponse(200, await deps.service.choose(sessionId, input, scope), scope.requestId);
    }
  }
}

function knownSessionId(candidate: string): string {
  // Anything that is not a session id cannot name a session: 404 without a table read.
  const shown = JSON.stringify(candidate.slice(0, 80));
  if (!isSessionId(candidate)) throw notFound("session-not-found", `no story session ${shown}`);
  return candidate;
}

const truthy = (value: unknown): boolean => typeof value === "string" && ["1", "true", "yes"].includes(value.toLowerCase());

async function health(event: ApiGatewayProxyEvent, scope: InvocationScope, deps: RouteDeps): Promise<ApiGatewayProxyResult> {
  const { identity } = deps;
  const base = {
    color: identity.color,
    version: identity.version,
    codeSha256: identity.codeSha256,
    functionVersion: identity.functionVersion,
    environment: identity.environment,
  };
  if (!truthy(event.queryStringParameters?.deep ?? undefined)) {
    return jsonResponse(200, { status: "ok", ...base }, scope.requestId);
  }
  const timeoutMs = deps.healthTimeoutMs ?? 2_000;
  const started = deps.now();
  const dynamodb = await deps.sessions
    .ping(AbortSignal.timeout(timeoutMs))
    .then(() => ({ ok: true as const, latencyMs: deps.now() - started }))
    .catch((error: unknown) => {
      scope.logger.warn("deep health check: DynamoDB does not answer", errorFields(error));
      return { ok: false as const, latencyMs: deps.now() - started, error: error instanceof Error ? error.message.slice(0, 300) : "unreachable" };
    });
  // Providers are reported, not judged: a color without provider keys is still a healthy
  // deployment of the code, and `noveli health-check` decides what it requires.
  const providers = await deps
    .generator()
    .then((generator) => ({ ok: true as const, status: generator.status?.() ?? [] }))
    .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message.slice(0, 300) : "unavailable" }));
  const ok = dynamodb.ok;
  return jsonResponse(ok ? 200 : 503, { status: ok ? "ok" : "unhealthy", ...base, checks: { dynamodb, providers } }, scope.requestId);
}
