import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { BeatRequest, GenerateOptions, GenerationResult, ProviderName } from "@noveli/providers";
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, EventBridgeEvent, LambdaContext } from "../src/aws-events.js";
import type { BeatGenerator } from "../src/generator.js";

/**
 * Test support for the story-generator handler: API Gateway and EventBridge events, a Lambda
 * context, a scripted generator standing in for the provider manager where the provider path is
 * not what a test is about, and a line collector for logs and metrics. Not part of the bundle
 * (index.ts never imports it). The story table itself is test/helpers/story-table.ts.
 */

export const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:noveli-story-generator-dev";

export function dynamoClient(env: Record<string, string>): DynamoDBClient {
  return new DynamoDBClient({
    region: env.AWS_REGION ?? "us-east-1",
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? "testing", secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "testing" },
  });
}

let requestCounter = 0;

export function lambdaContext(options: { remainingMs?: number; qualifier?: string; requestId?: string } = {}): LambdaContext {
  const deadline = Date.now() + (options.remainingMs ?? 30_000);
  return {
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    invokedFunctionArn: options.qualifier ? `${FUNCTION_ARN}:${options.qualifier}` : FUNCTION_ARN,
    awsRequestId: options.requestId ?? `req-${process.pid}-${++requestCounter}`,
  };
}

export interface ApiEventOptions {
  body?: unknown;
  /** Send `body` as this exact string (malformed JSON and the like). */
  rawBody?: string | null;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  base64?: boolean;
  /**
   * The signed-in user: the `sub` claim a Cognito authorizer would put in the event. Default
   * "user-1"; null sends no claims at all (an invocation that bypassed the authorizer).
   */
  user?: string | null;
  /** Exactly these authorizer claims (overrides `user`). */
  claims?: Record<string, unknown>;
}

/** The claims API Gateway's COGNITO_USER_POOLS authorizer passes for a user's ID token (all strings). */
export function cognitoClaims(sub: string): Record<string, string> {
  return {
    sub,
    "cognito:username": sub,
    iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TESTPOOL",
    aud: "testclient",
    token_use: "id",
    auth_time: "1764547200",
    exp: "Mon Dec 01 21:00:00 UTC 2026",
    iat: "Mon Dec 01 20:00:00 UTC 2026",
  };
}

/** An API Gateway REST proxy event as the `live` stage delivers it. */
export function apiEvent(method: string, path: string, options: ApiEventOptions = {}): ApiGatewayProxyEvent {
  let body: string | null = options.rawBody !== undefined ? options.rawBody : options.body === undefined ? null : JSON.stringify(options.body);
  if (options.base64 && body !== null) body = Buffer.from(body, "utf8").toString("base64");
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: method,
    headers: { "content-type": "application/json", ...options.headers },
    queryStringParameters: options.query ?? null,
    pathParameters: { proxy: path.replace(/^\//, "") },
    requestContext: {
      requestId: `apigw-${++requestCounter}`,
      stage: "live",
      path: `/live${path}`,
      ...(options.claims ? { authorizer: { claims: options.claims } } : options.user === null ? {} : { authorizer: { claims: cognitoClaims(options.user ?? "user-1") } }),
    },
    body,
    isBase64Encoded: options.base64 === true,
  };
}

export function eventBridgeEvent(detailType: string, detail: unknown, options: { id?: string; source?: string; time?: string } = {}): EventBridgeEvent {
  return {
    version: "0",
    id: options.id ?? `evt-${process.pid}-${++requestCounter}`,
    "detail-type": detailType,
    source: options.source ?? "noveli",
    account: "123456789012",
    time: options.time ?? new Date().toISOString(),
    region: "us-east-1",
    resources: [],
    detail,
  };
}

/** The parsed JSON body of a proxy result (throws if it is not JSON: every answer must be). */
export function json(result: unknown): any {
  const response = result as ApiGatewayProxyResult;
  return JSON.parse(response.body);
}

export interface ScriptedGenerator extends BeatGenerator {
  readonly requests: Array<{ request: BeatRequest; options: GenerateOptions | undefined }>;
  /** Makes the next calls fail with this error (then succeeds again). */
  failNext(error: unknown, times?: number): void;
}

/**
 * A deterministic stand-in for the provider manager: beat N of a story says which step and which
 * choice led to it, with 2 to 4 choices; optionally slow, to widen race windows.
 */
export function scriptedGenerator(options: { delayMs?: number; provider?: ProviderName; costUsd?: number | null } = {}): ScriptedGenerator {
  const requests: ScriptedGenerator["requests"] = [];
  const failures: unknown[] = [];
  return {
    requests,
    failNext(error, times = 1) {
      for (let i = 0; i < times; i++) failures.push(error);
    },
    async generateBeat(request, generateOptions) {
      requests.push({ request, options: generateOptions });
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      const history = request.history ?? [];
      const step = history.length;
      const lastChoice = history[history.length - 1]?.choice;
      const choiceCount = 2 + (step % 3);
      const result: GenerationResult = {
        beat: {
          text: `Beat ${step} of "${request.prompt.slice(0, 40)}"${lastChoice !== undefined ? ` after choice ${lastChoice}` : ""}.`,
          choices: Array.from({ length: choiceCount }, (_, i) => `Option ${i} at step ${step}`),
        },
        provider: options.provider ?? "openai",
        model: "scripted-model",
        tokens: { input: 100 + step, output: 40, cached: 0 },
        costUsd: options.costUsd === undefined ? 0.0005 : options.costUsd,
        latencyMs: options.delayMs ?? 1,
        timeToFirstTokenMs: null,
        attempts: [{ provider: options.provider ?? "openai", model: "scripted-model", ok: true, latencyMs: options.delayMs ?? 1 }],
      };
      return result;
    },
    status: () => [{ name: options.provider ?? "openai", model: "scripted-model", configured: true, circuit: "closed" }],
  };
}

/** Collects the JSON lines (logs and EMF documents) the handler writes. */
export function lineCollector(): { write: (line: string) => void; lines: string[]; parsed(): any[]; metrics(namespace?: string): any[]; logs(): any[] } {
  const lines: string[] = [];
  const parsed = () => lines.map((line) => JSON.parse(line));
  return {
    write: (line) => lines.push(line),
    lines,
    parsed,
    metrics: (namespace) =>
      parsed().filter((doc) => doc._aws && (namespace === undefined || doc._aws.CloudWatchMetrics.some((m: { Namespace: string }) => m.Namespace === namespace))),
    logs: () => parsed().filter((doc) => !doc._aws),
  };
}

/** A small seeded PRNG (mulberry32): fuzz runs are reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
