import { normalizeApiEvent, type ApiGatewayProxyEvent, type ApiGatewayProxyResult } from "./aws-events.js";
import { requireCaller } from "./caller.js";
import type { BeatGenerator } from "./generator.js";
import { ApiError, jsonResponse, notFound } from "./http.js";
import type { DeploymentIdentity } from "./identity.js";
import { errorFields } from "./logger.js";
import type { SessionStore } from "./sessions.js";
import type { InvocationScope, StoryService } from "./stories.js";
import { isSessionId, parseJsonBody, validateChoice, validateStoryRequest, type Limits } from "./validate.js";

/**
 * The REST API (API Gateway proxy integration):
 *   GET  /health[?deep=1]          open: who answers (color, version, code hash, environment); deep also probes DynamoDB
 *   POST /stories                  { prompt, genre? } → 201 { sessionId, step: 0, beat }
 *   GET  /stories/{id}             the story so far
 *   POST /stories/{id}/choices     { choice, step? } → 200 { sessionId, step, beat }
 *
 * Every story route belongs to the verified caller (`requestContext.authorizer.claims.sub`, see
 * caller.ts): without claims 401, a story of another user is the same 404 as an unknown one, and
 * each beat counts against the caller's daily quota (429 with Retry-After, no model call).
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
      const caller = requireCaller(event);
      const premise = validateStoryRequest(parseJsonBody(event.body, event.isBase64Encoded, deps.limits), deps.limits);
      const started = await deps.service.start({ ...premise, userId: caller.sub }, scope);
      return jsonResponse(201, started, scope.requestId, { location: `/stories/${started.sessionId}` });
    }
    case "get-story": {
      const caller = requireCaller(event);
      const sessionId = knownSessionId(route.sessionId);
      return jsonResponse(200, deps.service.view(await deps.service.session(sessionId, { owner: caller.sub })), scope.requestId);
    }
    case "make-choice": {
      const caller = requireCaller(event);
      const sessionId = knownSessionId(route.sessionId);
      const input = validateChoice(parseJsonBody(event.body, event.isBase64Encoded, deps.limits));
      return jsonResponse(200, await deps.service.choose(sessionId, input, scope, { owner: caller.sub }), scope.requestId);
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
  // The route is open to the internet: it says what a health check compares and nothing more.
  const base = {
    color: identity.color,
    version: identity.version,
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
      // The cause (table name, SDK message) goes to the function's log, not to the open route.
      scope.logger.warn("deep health check: DynamoDB does not answer", errorFields(error));
      return { ok: false as const, latencyMs: deps.now() - started, error: errorKind(error) };
    });
  // Providers are reported, not judged: a color without provider keys is still a healthy
  // deployment of the code, and `noveli health-check` decides what it requires. Only how many
  // are configured is told; which providers and models stay in the logs.
  const providers = await deps
    .generator()
    .then((generator) => ({ ok: true as const, configured: (generator.status?.() ?? []).filter((p) => p.configured).length }))
    .catch((error: unknown) => {
      scope.logger.warn("deep health check: the provider manager is unavailable", errorFields(error));
      return { ok: false as const, error: "unavailable" };
    });
  const ok = dynamodb.ok;
  return jsonResponse(ok ? 200 : 503, { status: ok ? "ok" : "unhealthy", ...base, checks: { dynamodb, providers } }, scope.requestId);
}

/** What an open route may say about a failure: its error name (e.g. ResourceNotFoundException), never its message. */
function errorKind(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const name = cause instanceof Error ? cause.name : "";
  return /^[A-Za-z]{1,64}$/.test(name) && name !== "Error" ? name : "unreachable";
}
