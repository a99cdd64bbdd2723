import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isApiGatewayEvent, isEventBridgeEvent, isRecord, type ApiGatewayProxyResult, type LambdaContext } from "./aws-events.js";
import { verifiedCaller } from "./caller.js";
import { handleEvent, type EventOutcome } from "./events.js";
import { providerManagerFactory, type GeneratorFactory } from "./generator.js";
import { ApiError, errorResponse, isApiError } from "./http.js";
import { deploymentIdentity } from "./identity.js";
import { createLogger, errorFields, logLevelFromEnv, type LineWriter, type Logger } from "./logger.js";
import { createMetrics, enterInvocationColor } from "./metrics.js";
import { createBeatQuota, isQuotaLedger, quotaSetting, type QuotaLedger } from "./quota.js";
import { handleApiRequest } from "./routes.js";
import { SecretError, createSecretSource } from "./secrets.js";
import { StorageError, createDynamoSessionStore, type SessionStore, type StoryTable } from "./sessions.js";
import { createStoryService } from "./stories.js";
import { createTracer, daemonAddress, parseTraceHeader, type DatagramSender, type Tracer } from "./tracing.js";
import { DEFAULT_LIMITS, type Limits } from "./validate.js";

/**
 * The story-generator Lambda. `handler` (Terraform's `index.handler`) serves API Gateway REST proxy
 * events and the platform's EventBridge events. `createHandler` builds the same handler from
 * explicit dependencies (table, generator, clock, output), which is how the tests and the CLI's
 * local runner drive it; `handler` wires the real ones once per cold start.
 *
 * Nothing here needs the Lambda runtime: the handler runs in plain Node when called with a context
 * that has getRemainingTimeInMillis(), invokedFunctionArn and awsRequestId. The AWS SDK and the
 * provider SDKs load on first use, so loading the module and answering /health stay cheap.
 */

export interface HandlerDependencies {
  sessions: SessionStore;
  /**
   * Where the daily beat quota (NOVELI_DAILY_BEAT_QUOTA) is counted. Default `sessions` when it is
   * a ledger too (the DynamoDB story table is). With a limit set and no ledger, stories are refused.
   */
  quota?: QuotaLedger;
  generator: GeneratorFactory;
  /** The function's environment (identity, environment name, trace header). Default process.env. */
  env?: Record<string, string | undefined>;
  now?: () => number;
  newSessionId?: () => string;
  limits?: Partial<Limits>;
  /** Where log lines and EMF metric documents go. Default stdout. */
  write?: LineWriter;
  /** X-Ray daemon sender; undefined disables subsegments. */
  sendTrace?: DatagramSender;
  /** How long a story is kept (TTL). Default NOVELI_SESSION_TTL_DAYS or 30 days. */
  sessionTtlSeconds?: number;
  /** Kept back from the invocation's remaining time for the table write and the response. Default 1000 ms. */
  reserveMs?: number;
  /** API Gateway's integration timeout, which caps HTTP requests. Default NOVELI_API_TIMEOUT_MS or 29000 ms. */
  apiTimeoutMs?: number;
}

/** What a non-API, non-EventBridge event gets: acknowledged, never a crash. */
export interface UnsupportedEventResult {
  outcome: "ignored";
  reason: string;
}

export type StoryHandler = (event: unknown, context?: Partial<LambdaContext>) => Promise<ApiGatewayProxyResult | EventOutcome | UnsupportedEventResult>;

/** Without a usable context (plain Node callers), generation gets this much time. */
const DEFAULT_REMAINING_MS = 30_000;

const invocationTracer = new AsyncLocalStorage<Tracer>();
/** The tracer of the invocation running in this async context (for the SDK-call spans). */
export const currentTracer = (): Tracer | undefined => invocationTracer.getStore();

const positiveNumber = (value: string | undefined): number | undefined => {
  const parsed = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
};

export function createHandler(deps: HandlerDependencies): StoryHandler {
  const env = deps.env ?? process.env;
  const now = deps.now ?? Date.now;
  const limits: Limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const baseLogger = createLogger({ level: logLevelFromEnv(env), ...(deps.write ? { write: deps.write } : {}), now });
  const metrics = createMetrics({ environment: env.NOVELI_ENV?.trim() || "unknown", ...(deps.write ? { write: deps.write } : {}), now });
  const reserveMs = deps.reserveMs ?? 1_000;
  const apiTimeoutMs = deps.apiTimeoutMs ?? positiveNumber(env.NOVELI_API_TIMEOUT_MS) ?? 29_000;
  const sessionTtlSeconds = deps.sessionTtlSeconds ?? Math.round((positiveNumber(env.NOVELI_SESSION_TTL_DAYS) ?? 30) * 86_400);
  const service = createStoryService({
    sessions: deps.sessions,
    generator: deps.generator,
    metrics,
    now,
    newSessionId: deps.newSessionId ?? randomUUID,
    limits,
    sessionTtlSeconds,
    quota: createBeatQuota({ setting: quotaSetting(env), ledger: deps.quota ?? (isQuotaLedger(deps.sessions) ? deps.sessions : undefined), now }),
  });

  return async (event, context) => {
    const started = now();
    const requestId = typeof context?.awsRequestId === "string" && context.awsRequestId !== "" ? context.awsRequestId.slice(0, 128) : randomUUID();
    const remaining = remainingTime(context);
    const identity = deploymentIdentity(typeof context?.invokedFunctionArn === "string" ? context.invokedFunctionArn : undefined, env);
    enterInvocationColor(identity.color);
    const api = isApiGatewayEvent(event);
    const headerTrace = api && isRecord(event.headers) ? headerValue(event.headers, "x-amzn-trace-id") : undefined;
    const traceHeader = parseTraceHeader(env._X_AMZN_TRACE_ID) ?? parseTraceHeader(headerTrace);
    const tracer = createTracer({ header: traceHeader, ...(deps.sendTrace ? { send: deps.sendTrace } : {}), now });
    const logger = baseLogger.child({
      requestId,
      ...(traceHeader ? { xrayTraceId: traceHeader.root } : {}),
      color: identity.color,
      version: identity.version,
    });
    const budget = api ? Math.min(remaining, apiTimeoutMs) : remaining;
    const scope = { requestId, logger, tracer, deadline: started + budget - reserveMs };

    return invocationTracer.run(tracer, async () => {
      if (api) {
        let response: ApiGatewayProxyResult;
        try {
          response = await handleApiRequest(event, scope, { service, sessions: deps.sessions, generator: deps.generator, identity, limits, now });
        } catch (error) {
          response = errorResponse(toApiError(error, logger), requestId);
        }
        const caller = verifiedCaller(event);
        logger.info("request", {
          http: { method: event.httpMethod.slice(0, 16), path: event.path.slice(0, 200), status: response.statusCode },
          ...(caller ? { userSub: caller.sub } : {}),
          latencyMs: now() - started,
        });
        return response;
      }
      if (isEventBridgeEvent(event)) {
        try {
          const outcome = await handleEvent(event, scope, service, limits, now);
          logger.info("event", { ...outcome, latencyMs: now() - started });
          return outcome;
        } catch (error) {
          // Thrown on purpose: Lambda retries the event, then sends it to the dead-letter queue.
          logger.error("event failed; it will be retried", { eventId: String(event.id).slice(0, 128), detailType: event["detail-type"], ...errorFields(error, !isExpected(error)) });
          throw error;
        }
      }
      logger.warn("unsupported event shape ignored", { eventKeys: isRecord(event) ? Object.keys(event).slice(0, 10) : typeof event });
      return { outcome: "ignored", reason: "not an API Gateway proxy event nor an EventBridge event" };
    });
  };
}

function remainingTime(context: Partial<LambdaContext> | undefined): number {
  if (typeof context?.getRemainingTimeInMillis !== "function") return DEFAULT_REMAINING_MS;
  try {
    const value = context.getRemainingTimeInMillis();
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : DEFAULT_REMAINING_MS;
  } catch {
    return DEFAULT_REMAINING_MS;
  }
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name && typeof value === "string") return value;
  return undefined;
}

const isExpected = (error: unknown): boolean => isApiError(error) || error instanceof StorageError || error instanceof SecretError;

/** Maps whatever a request threw onto its HTTP answer; unexpected errors are logged with their stack. */
function toApiError(error: unknown, logger: Logger): ApiError {
  if (isApiError(error)) {
    if (error.status >= 500) logger.warn("request failed", { code: error.code, status: error.status, ...errorFields(error.cause ?? error) });
    return error;
  }
  if (error instanceof StorageError) {
    logger.error("storage failed", errorFields(error));
    return new ApiError(503, "storage-unavailable", "the story table is unavailable; retry shortly", { headers: { "retry-after": "1" } });
  }
  if (error instanceof SecretError) {
    logger.error("provider secret unavailable", errorFields(error));
    return new ApiError(503, "provider-secret-unavailable", "the provider keys cannot be read; retry shortly", { headers: { "retry-after": "5" } });
  }
  logger.error("unexpected error", errorFields(error, true));
  return new ApiError(500, "internal-error", "an unexpected error occurred");
}

// ---------------------------------------------------------------- the real wiring

/** Sends subsegments to the X-Ray daemon over UDP (fire and forget; never keeps the process alive). */
export function xrayDaemonSender(value: string | undefined): DatagramSender | undefined {
  const address = daemonAddress(value);
  if (!address) return undefined;
  let socket: Socket | undefined;
  return (datagram) => {
    if (!socket) {
      socket = createSocket("udp4");
      socket.on("error", () => undefined);
      socket.unref();
    }
    socket.send(datagram, address.port, address.host);
  };
}

/** The table named by DYNAMODB_TABLE, resolved on first use so a misconfiguration is a clear 503, not a crash at import. */
function tableFromEnv(env: Record<string, string | undefined>): StoryTable {
  let store: StoryTable | undefined;
  const resolve = (): StoryTable => {
    if (store) return store;
    const tableName = env.DYNAMODB_TABLE?.trim();
    if (!tableName) throw new ApiError(503, "not-configured", "DYNAMODB_TABLE is not set for this function");
    return (store = createDynamoSessionStore({ tableName, env, tracer: currentTracer }));
  };
  return {
    load: (sessionId) => resolve().load(sessionId),
    write: (session, beat) => resolve().write(session, beat),
    ping: (signal) => resolve().ping(signal),
    consume: (userId, day, limit) => resolve().consume(userId, day, limit),
    release: (userId, day) => resolve().release(userId, day),
  };
}

/** The real dependencies: DynamoDB from DYNAMODB_TABLE, providers keyed from NOVELI_PROVIDER_SECRET. */
export function productionDependencies(env: Record<string, string | undefined> = process.env): HandlerDependencies {
  const logger = createLogger({ level: logLevelFromEnv(env) });
  const secrets = createSecretSource({ env, tracer: currentTracer });
  const sendTrace = xrayDaemonSender(env.AWS_XRAY_DAEMON_ADDRESS);
  return {
    sessions: tableFromEnv(env),
    generator: providerManagerFactory(secrets, logger),
    env,
    ...(sendTrace ? { sendTrace } : {}),
  };
}

/** Loads the SDK chunks ahead of the first request (Lambda's init phase); errors surface on use instead. */
export async function prewarm(): Promise<void> {
  await Promise.allSettled([import("@aws-sdk/client-dynamodb"), import("@aws-sdk/client-secrets-manager"), import("@noveli/providers")]);
}

/** Terraform's `index.handler`. */
export const handler: StoryHandler = createHandler(productionDependencies());

if (process.env.AWS_LAMBDA_FUNCTION_NAME && process.env.NOVELI_PREWARM !== "0") await prewarm();
