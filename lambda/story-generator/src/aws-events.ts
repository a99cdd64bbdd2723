/**
 * The shapes the Lambda runtime hands the handler, reduced to what the story generator reads.
 * Written here instead of depending on @types/aws-lambda: the handler also runs in plain Node
 * (the CLI's local Lambda-style runner, the tests), so it relies on nothing but these fields.
 */

/** The invocation context; only these members are used, so a plain object works outside Lambda. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  /** `arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>]`. */
  invokedFunctionArn: string;
  awsRequestId: string;
  functionVersion?: string;
}

/** API Gateway REST API proxy integration event (payload format 1.0). */
export interface ApiGatewayProxyEvent {
  httpMethod: string;
  path: string;
  resource?: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  pathParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: {
    requestId?: string;
    stage?: string;
    path?: string;
    /** Set by API Gateway's authorizer: a COGNITO_USER_POOLS authorizer puts the verified token's claims here. */
    authorizer?: { claims?: Record<string, unknown> | null; [key: string]: unknown } | null;
  } | null;
}

export interface ApiGatewayProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/** An EventBridge event as delivered to a Lambda target. */
export interface EventBridgeEvent {
  version?: string;
  id: string;
  "detail-type": string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: unknown;
}

export function isApiGatewayEvent(event: unknown): event is ApiGatewayProxyEvent {
  return isRecord(event) && typeof event.httpMethod === "string" && typeof event.path === "string";
}

export function isEventBridgeEvent(event: unknown): event is EventBridgeEvent {
  return isRecord(event) && typeof event["detail-type"] === "string" && typeof event.source === "string" && typeof event.id === "string";
}

/** Keeps only string values of a string map (headers, query string): anything else is dropped. */
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === "string") out[key] = entry;
  return out;
}

/**
 * The proxy event with every field the handler reads in the type the contract promises: API
 * Gateway never sends otherwise, but a test tool or a hand-made event might, and a malformed event
 * must be a 4xx, never a crash. A non-string body stays as it is (validation rejects it).
 */
export function normalizeApiEvent(event: ApiGatewayProxyEvent): ApiGatewayProxyEvent {
  return {
    ...event,
    headers: stringMap(event.headers),
    queryStringParameters: stringMap(event.queryStringParameters),
    pathParameters: stringMap(event.pathParameters),
    body: event.body === undefined ? null : event.body,
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
