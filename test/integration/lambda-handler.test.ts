import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerManagerFactory } from "../../lambda/story-generator/src/generator.js";
import { createHandler, type StoryHandler } from "../../lambda/story-generator/src/index.js";
import { createLogger } from "../../lambda/story-generator/src/logger.js";
import { createSecretSource } from "../../lambda/story-generator/src/secrets.js";
import { createDynamoSessionStore, type SessionStore } from "../../lambda/story-generator/src/sessions.js";
import {
  apiEvent,
  dynamoClient,
  eventBridgeEvent,
  json,
  lambdaContext,
  lineCollector,
  scriptedGenerator,
  type ScriptedGenerator,
} from "../../lambda/story-generator/testing/harness.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { DEFAULT_BEAT, startAnthropicServer, startOpenAiServer, type ProviderServer } from "../helpers/provider-servers.js";
import { createStoryTable } from "../helpers/story-table.js";

/**
 * The handler against DynamoDB on moto, the table created with Terraform's schema. Most tests use
 * a scripted generator in place of the provider manager (what they are about is the API, the table
 * and the events); the last block runs the real provider manager (@noveli/providers) with keys from
 * Secrets Manager on moto against the provider test servers, end to end.
 */

let moto: PrivateMoto;
const TABLE = "noveli-story-sessions-dev";

beforeAll(async () => {
  moto = await startPrivateMoto();
  await createStoryTable(moto.env, TABLE);
});

afterAll(async () => {
  await moto?.stop();
});

interface Harness {
  handler: StoryHandler;
  generator: ScriptedGenerator;
  out: ReturnType<typeof lineCollector>;
  sessions: SessionStore;
}

function harness(options: { env?: Record<string, string>; now?: () => number; table?: string; maxSteps?: number } = {}): Harness {
  const generator = scriptedGenerator();
  const out = lineCollector();
  const env = { ...moto.env, DYNAMODB_TABLE: options.table ?? TABLE, NOVELI_ENV: "dev", APP_VERSION: "1.4.2", AWS_LAMBDA_FUNCTION_VERSION: "4", ...options.env };
  const sessions = createDynamoSessionStore({ tableName: options.table ?? TABLE, env });
  const handler = createHandler({
    sessions,
    generator: async () => generator,
    env,
    write: out.write,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxSteps ? { limits: { maxSteps: options.maxSteps } } : {}),
  });
  return { handler, generator, out, sessions };
}

async function startStory(h: Harness, body: unknown = { prompt: "A lighthouse keeper hears a knock", genre: "mystery" }, user = "user-1") {
  const result = (await h.handler(apiEvent("POST", "/stories", { body, user }), lambdaContext())) as { statusCode: number; headers: Record<string, string> };
  return { result, body: json(result) };
}

describe("GET /health", () => {
  it("answers who is serving: color from the alias, version from the environment, the published version the runtime runs", async () => {
    const h = harness();
    const result = await h.handler(apiEvent("GET", "/health"), lambdaContext({ qualifier: "green" }));
    expect(result).toMatchObject({ statusCode: 200 });
    expect(json(result)).toEqual({
      status: "ok",
      color: "green",
      version: "1.4.2",
      functionVersion: "4",
      environment: "dev",
    });
  });

  it("is open: answers without claims, and says nothing beyond color, version, Lambda version and environment", async () => {
    const h = harness({ env: { AWS_LAMBDA_FUNCTION_VERSION: "7" } });
    const result = await h.handler(apiEvent("GET", "/health", { user: null }), lambdaContext({ qualifier: "blue" }));
    expect(result).toMatchObject({ statusCode: 200 });
    expect(Object.keys(json(result)).sort()).toEqual(["color", "environment", "functionVersion", "status", "version"]);
    expect(json(result)).toMatchObject({ functionVersion: "7" });
  });

  it("deep: proves DynamoDB answers", async () => {
    const h = harness();
    const result = await h.handler(apiEvent("GET", "/health", { query: { deep: "1" } }), lambdaContext({ qualifier: "blue" }));
    expect(result).toMatchObject({ statusCode: 200 });
    const body = json(result);
    expect(body.status).toBe("ok");
    expect(body.color).toBe("blue");
    expect(body.checks.dynamodb.ok).toBe(true);
    // How many providers are configured, not which ones or their models.
    expect(body.checks.providers).toEqual({ ok: true, configured: 1 });
  });

  it("deep: 503 when the table does not answer", async () => {
    const h = harness({ table: "no-such-table" });
    const result = await h.handler(apiEvent("GET", "/health", { query: { deep: "1" } }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 503 });
    const body = json(result);
    expect(body.status).toBe("unhealthy");
    expect(body.checks.dynamodb.ok).toBe(false);
    expect(body.checks.dynamodb.error).toMatch(/ResourceNotFound/);
    // The open route names the kind of failure, not the table or the SDK's message.
    expect(JSON.stringify(body)).not.toContain("no-such-table");
  });

  it("deep: 503 when DynamoDB is unreachable", async () => {
    const h = harness({ env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
    const result = await h.handler(apiEvent("GET", "/health", { query: { deep: "true" } }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 503 });
    expect(json(result).checks.dynamodb.ok).toBe(false);
  });
});

describe("a story through the API", () => {
  it("starts, advances by choices, and reads back exactly what was told", async () => {
    const h = harness();
    const { result, body: started } = await startStory(h);
    expect(result.statusCode).toBe(201);
    expect(result.headers.location).toBe(`/stories/${started.sessionId}`);
    expect(started.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.step).toBe(0);
    expect(started.beat.text).toContain("Beat 0");
    expect(started.beat.choices).toHaveLength(2);
    expect(started.generation).toMatchObject({ provider: "openai", model: "scripted-model", costUsd: 0.0005, attempts: 1 });

    const first = await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 1 } }), lambdaContext());
    expect(first).toMatchObject({ statusCode: 200 });
    expect(json(first)).toMatchObject({ sessionId: started.sessionId, step: 1, choice: 1, choiceText: "Option 1 at step 0" });
    expect(json(first).beat.text).toBe(`Beat 1 of "A lighthouse keeper hears a knock" after choice 1.`);

    const second = await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 2, step: 1 } }), lambdaContext());
    expect(json(second)).toMatchObject({ step: 2, choice: 2 });

    // The provider saw the premise, the genre and the whole history with the choices made.
    const last = h.generator.requests[h.generator.requests.length - 1]!.request;
    expect(last.prompt).toBe("A lighthouse keeper hears a knock");
    expect(last.genre).toBe("mystery");
    expect(last.history?.map((turn) => turn.choice)).toEqual([1, 2]);

    const read = await h.handler(apiEvent("GET", `/stories/${started.sessionId}`), lambdaContext());
    expect(read).toMatchObject({ statusCode: 200 });
    const story = json(read);
    expect(story).toMatchObject({ sessionId: started.sessionId, userId: "user-1", prompt: "A lighthouse keeper hears a knock", genre: "mystery", step: 2, complete: false });
    expect(story.beats.map((b: { step: number; chosen?: number }) => [b.step, b.chosen])).toEqual([
      [0, 1],
      [1, 2],
      [2, undefined],
    ]);
    expect(story.beats[0].text).toBe(started.beat.text);
  });

  it("stores each beat as its own item, with a deterministic sort key and one TTL for the story", async () => {
    const h = harness();
    const { body: started } = await startStory(h, { prompt: "Items" }, "user-items");
    await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 0 }, user: "user-items" }), lambdaContext());
    const client = dynamoClient(moto.env);
    try {
      const out = await client.send(
        new QueryCommand({ TableName: TABLE, KeyConditionExpression: "session_id = :id", ExpressionAttributeValues: { ":id": { S: started.sessionId } }, ConsistentRead: true }),
      );
      const items = out.Items ?? [];
      expect(items).toHaveLength(2);
      const [first, second] = items;
      expect(Number(second!.timestamp!.N) - Number(first!.timestamp!.N)).toBe(1);
      expect(first!.user_id).toEqual({ S: "user-items" });
      expect(second!.user_id).toBeUndefined(); // UserStoryIndex lists stories, not beats
      expect(first!.expires_at).toEqual(second!.expires_at);
      expect(Number(first!.expires_at!.N)).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
      expect(second!.choice).toEqual({ N: "0" });

      const byUser = await client.send(
        new QueryCommand({ TableName: TABLE, IndexName: "UserStoryIndex", KeyConditionExpression: "user_id = :u", ExpressionAttributeValues: { ":u": { S: "user-items" } } }),
      );
      expect(byUser.Items?.map((item) => item.session_id?.S)).toEqual([started.sessionId]);
    } finally {
      client.destroy();
    }
  });

  it("a write that reached the table but whose answer was lost (the SDK retries it) is the request's success, not a 409", async () => {
    const real = createDynamoSessionStore({ tableName: TABLE, env: { ...moto.env } });
    // Every write lands, then is sent again, as the SDK does after a timeout on a put that succeeded.
    const retried: SessionStore = { ...real, write: async (session, beat) => (await real.write(session, beat), real.write(session, beat)) };
    const generator = scriptedGenerator();
    const handler = createHandler({ sessions: retried, generator: async () => generator, env: { ...moto.env }, write: () => undefined });
    const started = await handler(apiEvent("POST", "/stories", { body: { prompt: "Retried" } }), lambdaContext());
    expect(started).toMatchObject({ statusCode: 201 });
    const chosen = await handler(apiEvent("POST", `/stories/${json(started).sessionId}/choices`, { body: { choice: 1 } }), lambdaContext());
    expect(chosen).toMatchObject({ statusCode: 200 });
    // A conflict names who holds the step, so only the same request counts as its own success.
    const head = { sessionId: "5d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", userId: "u", prompt: "p", startedAt: 1_000, expiresAt: 2_000_000_000 };
    const beat = { step: 0, text: "t", choices: ["a", "b"], provider: "openai", model: "m", tokens: { input: 0, output: 0, cached: 0 }, costUsd: null, latencyMs: 0, writtenAt: 0 };
    expect(await real.write(head, { ...beat, requestId: "someone-else" })).toEqual({ kind: "written" });
    const taken = await real.write(head, { ...beat, requestId: "a-third-request" });
    expect(taken).toMatchObject({ kind: "conflict", existing: { requestId: "someone-else", step: 0 } });
  });

  it("passes the invocation's remaining time to the provider manager as its deadline", async () => {
    const h = harness();
    const before = Date.now();
    await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Deadline" } }), lambdaContext({ remainingMs: 12_000 }));
    const deadline = h.generator.requests[0]!.options!.deadline!;
    // 12 s remaining, less the 1 s kept back for the table write and the response.
    expect(deadline).toBeGreaterThanOrEqual(before + 11_000 - 50);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 11_000);

    await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Capped" } }), lambdaContext({ remainingMs: 900_000 }));
    // API Gateway gives up after 29 s whatever the Lambda timeout: the deadline never exceeds it.
    expect(h.generator.requests[1]!.options!.deadline!).toBeLessThanOrEqual(Date.now() + 28_000);
  });

  it("emits EMF metrics in both namespaces and JSON logs carrying the request and trace ids", async () => {
    const h = harness({ env: { _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" } });
    await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Metrics" } }), lambdaContext({ requestId: "req-metrics" }));
    const provider = h.out.metrics("LiminalTransit/AIProviders");
    expect(provider).toHaveLength(1);
    expect(provider[0]).toMatchObject({ Provider: "openai", Environment: "dev", ResponseTime: 1, TokenCount: 140, Cost: 0.0005 });
    const story = h.out.metrics("LiminalTransit/StoryGeneration");
    const generation = story.find((doc) => doc.SuccessRate !== undefined);
    expect(generation).toMatchObject({ Environment: "dev", Provider: "openai", TokensGenerated: 40, GenerationCost: 0.0005, SuccessRate: 100 });
    expect(generation._aws.CloudWatchMetrics[0].Dimensions).toEqual([["Environment"], ["Environment", "Provider"], ["Environment", "Color"]]);
    expect(generation.Color).toBe("unknown");
    // Invoked through an alias, the metrics carry its color (the canary analysis reads them per Color).
    await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Green" } }), lambdaContext({ qualifier: "green" }));
    const green = h.out.metrics("LiminalTransit/StoryGeneration").filter((doc) => doc.SuccessRate !== undefined);
    expect(green.at(-1)).toMatchObject({ Environment: "dev", Color: "green", SuccessRate: 100 });
    expect(story.some((doc) => doc.StoriesStarted === 1)).toBe(true);
    const access = h.out.logs().find((line) => line.message === "request");
    expect(access).toMatchObject({ level: "INFO", requestId: "req-metrics", xrayTraceId: "1-5759e988-bd862e3fe1be46a994272793", color: "unknown", http: { method: "POST", path: "/stories", status: 201 } });
  });
});

describe("bad input is a 4xx with a JSON error, never a 5xx", () => {
  const cases: Array<[string, ReturnType<typeof apiEvent>, number, string]> = [
    ["invalid JSON", apiEvent("POST", "/stories", { rawBody: "{not json" }), 400, "invalid-json"],
    ["a JSON array", apiEvent("POST", "/stories", { rawBody: "[1,2]" }), 400, "invalid-body"],
    ["no body", apiEvent("POST", "/stories"), 400, "missing-body"],
    ["a number prompt", apiEvent("POST", "/stories", { body: { prompt: 42 } }), 400, "invalid-field"],
    ["no prompt", apiEvent("POST", "/stories", { body: { genre: "noir" } }), 400, "missing-field"],
    ["a userId in the body", apiEvent("POST", "/stories", { body: { prompt: "p", userId: "someone-else" } }), 400, "user-id-not-allowed"],
    ["an unknown field", apiEvent("POST", "/stories", { body: { prompt: "p", admin: true } }), 400, "unknown-field"],
    ["a prompt over the cap", apiEvent("POST", "/stories", { body: { prompt: "x".repeat(2_001) } }), 400, "prompt-too-long"],
    ["a body over the cap", apiEvent("POST", "/stories", { body: { prompt: "x".repeat(20_000) } }), 413, "body-too-large"],
    ["base64 that is not UTF-8", { ...apiEvent("POST", "/stories"), body: Buffer.from([0xff, 0xfe, 0x7b]).toString("base64"), isBase64Encoded: true }, 400, "invalid-encoding"],
    ["an unknown route", apiEvent("GET", "/admin"), 404, "route-not-found"],
    ["a wrong method", apiEvent("DELETE", "/stories"), 405, "method-not-allowed"],
    ["a malformed session id", apiEvent("GET", "/stories/not-a-session"), 404, "session-not-found"],
    ["an unknown session", apiEvent("GET", "/stories/0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10"), 404, "session-not-found"],
    ["a choice on an unknown session", apiEvent("POST", "/stories/0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10/choices", { body: { choice: 0 } }), 404, "session-not-found"],
  ];
  for (const [name, event, status, code] of cases) {
    it(`${name}: ${status} ${code}`, async () => {
      const h = harness();
      const result = await h.handler(event, lambdaContext());
      expect(result).toMatchObject({ statusCode: status });
      expect(json(result).error).toMatchObject({ code });
      expect(h.generator.requests).toHaveLength(0);
    });
  }

  it("a base64-encoded body is decoded", async () => {
    const h = harness();
    const result = await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Encoded" }, base64: true }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 201 });
  });

  it("choices: wrong type, out of range, stale step", async () => {
    const h = harness();
    const { body: started } = await startStory(h);
    const choose = (body: unknown) => h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body }), lambdaContext());
    expect(json(await choose({ choice: "1" })).error.code).toBe("invalid-field");
    expect(json(await choose({ choice: -1 })).error.code).toBe("invalid-field");
    expect(json(await choose({ choice: 1.5 })).error.code).toBe("invalid-field");
    const out = await choose({ choice: 2 });
    expect(out).toMatchObject({ statusCode: 400 });
    expect(json(out).error).toMatchObject({ code: "choice-out-of-range", details: { choices: 2, currentStep: 0 } });
    const stale = await choose({ choice: 0, step: 3 });
    expect(stale).toMatchObject({ statusCode: 409 });
    expect(json(stale).error).toMatchObject({ code: "stale-step", details: { currentStep: 0 } });
    expect(h.generator.requests).toHaveLength(1); // only the start generated
  });

  it("a story past its last beat refuses further choices with 409", async () => {
    const h = harness({ maxSteps: 2 });
    const { body: started } = await startStory(h);
    const choose = () => h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 0 } }), lambdaContext());
    expect(await choose()).toMatchObject({ statusCode: 200 });
    const done = await choose();
    expect(done).toMatchObject({ statusCode: 409 });
    expect(json(done).error.code).toBe("story-complete");
    expect(json(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`), lambdaContext())).complete).toBe(true);
  });

  it("an expired story answers 410 even before TTL removes its items", async () => {
    let clock = Date.now();
    const h = harness({ now: () => clock });
    const { body: started } = await startStory(h);
    clock += 31 * 86_400_000;
    const read = await h.handler(apiEvent("GET", `/stories/${started.sessionId}`), lambdaContext());
    expect(read).toMatchObject({ statusCode: 410 });
    expect(json(read).error.code).toBe("session-expired");
  });
});

describe("failures that are not the client's", () => {
  it("all providers failing is a 502 with each attempt's class, and a failed SuccessRate metric", async () => {
    const h = harness();
    const failure = Object.assign(new Error("every provider failed"), {
      code: "all-failed",
      attempts: [
        { provider: "anthropic", model: "m1", ok: false, error: { class: "transient", message: "overloaded", status: 529 }, latencyMs: 30 },
        { provider: "openai", model: "m2", ok: false, error: { class: "provider", message: "invalid api key sk-should-not-leak-123456", status: 401 }, latencyMs: 12 },
      ],
    });
    h.generator.failNext(failure);
    const result = await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Failing" } }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 502 });
    const body = json(result);
    expect(body.error.code).toBe("generation-failed");
    expect(body.error.details.attempts.map((a: { provider: string; errorClass: string }) => [a.provider, a.errorClass])).toEqual([
      ["anthropic", "transient"],
      ["openai", "provider"],
    ]);
    expect(JSON.stringify(body)).not.toContain("sk-should-not-leak");
    expect(h.out.lines.join("\n")).not.toContain("sk-should-not-leak");
    expect(h.out.metrics("LiminalTransit/StoryGeneration").find((doc) => doc.SuccessRate !== undefined)).toMatchObject({ SuccessRate: 0 });
    expect(h.out.metrics("LiminalTransit/AIProviders").map((doc) => [doc.Provider, doc.Failures])).toEqual([
      ["anthropic", 1],
      ["openai", 1],
    ]);
  });

  it("no provider configured is a 503; a deadline is a 504; a rejected request is a 422", async () => {
    const h = harness();
    h.generator.failNext(Object.assign(new Error("no provider"), { code: "no-provider", attempts: [] }));
    h.generator.failNext(Object.assign(new Error("deadline"), { code: "deadline", attempts: [] }));
    h.generator.failNext(Object.assign(new Error("invalid"), { code: "invalid-request", attempts: [] }));
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await h.handler(apiEvent("POST", "/stories", { body: { prompt: "x" } }), lambdaContext())) as { statusCode: number });
    }
    expect(statuses.map((r) => [r.statusCode, json(r).error.code])).toEqual([
      [503, "no-provider-configured"],
      [504, "generation-timeout"],
      [422, "generation-rejected"],
    ]);
  });

  it("an unexpected error is a logged 500 with a JSON body, not a crash", async () => {
    const h = harness();
    h.generator.failNext(new TypeError("boom"));
    const result = await h.handler(apiEvent("POST", "/stories", { body: { prompt: "x" } }), lambdaContext());
    // A plain error from the generator is a failed generation (502): the provider layer is at fault.
    expect(result).toMatchObject({ statusCode: 502 });
    const broken = createHandler({ sessions: h.sessions, generator: async () => { throw new TypeError("wiring bug"); }, env: moto.env, write: h.out.write });
    const crashed = await broken(apiEvent("POST", "/stories", { body: { prompt: "x" } }), lambdaContext());
    expect(crashed).toMatchObject({ statusCode: 500 });
    expect(json(crashed).error.code).toBe("internal-error");
    expect(h.out.logs().some((line) => line.message === "unexpected error" && typeof line.stack === "string")).toBe(true);
  });

  it("DynamoDB unavailable during a story is a 503 storage-unavailable", async () => {
    const h = harness({ env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9" } });
    const result = await h.handler(apiEvent("GET", "/stories/0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10"), lambdaContext());
    expect(result).toMatchObject({ statusCode: 503 });
    expect(json(result).error.code).toBe("storage-unavailable");
  });

  it("events that are neither API nor EventBridge are acknowledged, never thrown", async () => {
    const h = harness();
    for (const event of [null, undefined, 42, "text", [], {}, { httpMethod: 7 }, { "detail-type": "x" }]) {
      await expect(h.handler(event, lambdaContext())).resolves.toMatchObject({ outcome: "ignored" });
    }
    // And a missing or odd context does not matter either.
    await expect(h.handler(apiEvent("GET", "/health"), undefined)).resolves.toMatchObject({ statusCode: 200 });
    await expect(h.handler(apiEvent("GET", "/health"), { getRemainingTimeInMillis: () => { throw new Error("x"); } } as never)).resolves.toMatchObject({ statusCode: 200 });
  });
});

describe("only the verified user: claims from the authorizer, nothing from the body", () => {
  const SESSION = "5d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5c";

  it.each([
    ["no authorizer at all", { user: null }],
    ["an authorizer without claims", { claims: undefined, user: null }],
    ["claims without a sub", { claims: { "cognito:username": "alice", token_use: "id" } }],
    ["an empty sub", { claims: { sub: "" } }],
    ["a sub that is not a string", { claims: { sub: 42 } }],
    ["a sub with whitespace", { claims: { sub: "alice bob" } }],
  ] as const)("401 for every story route with %s, and no model call", async (_label, identity) => {
    const h = harness();
    for (const event of [
      apiEvent("POST", "/stories", { body: { prompt: "Nobody signed in" }, ...identity }),
      apiEvent("GET", `/stories/${SESSION}`, identity),
      apiEvent("POST", `/stories/${SESSION}/choices`, { body: { choice: 0 }, ...identity }),
    ]) {
      const result = (await h.handler(event, lambdaContext())) as { statusCode: number; headers: Record<string, string> };
      expect(result.statusCode).toBe(401);
      expect(result.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(json(result).error.code).toBe("unauthenticated");
    }
    expect(h.generator.requests).toHaveLength(0);
  });

  it("400 for a userId in the body, whoever it names, before any model call", async () => {
    const h = harness();
    for (const userId of ["user-1", "someone-else", ""]) {
      const result = await h.handler(apiEvent("POST", "/stories", { body: { prompt: "Impersonation", userId } }), lambdaContext());
      expect(result).toMatchObject({ statusCode: 400 });
      expect(json(result).error).toMatchObject({ code: "user-id-not-allowed", details: { field: "userId" } });
    }
    expect(h.generator.requests).toHaveLength(0);
  });

  it("the story belongs to the caller's sub", async () => {
    const h = harness();
    const { body: started } = await startStory(h, { prompt: "Whose story" }, "sub-owner-1");
    const read = json(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-owner-1" }), lambdaContext()));
    expect(read.userId).toBe("sub-owner-1");
  });

  it("another user gets the same 404 for a story as for one that does not exist, and cannot continue it", async () => {
    const h = harness();
    const { body: started } = await startStory(h, { prompt: "Private" }, "sub-alice");
    const strip = (result: unknown) => {
      const error = json(result).error;
      return { status: (result as { statusCode: number }).statusCode, code: error.code, message: error.message.replace(/[0-9a-f-]{36}/, "<id>") };
    };
    const theirs = await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-mallory" }), lambdaContext());
    const nobodys = await h.handler(apiEvent("GET", `/stories/${SESSION}`, { user: "sub-mallory" }), lambdaContext());
    expect(strip(theirs)).toEqual({ status: 404, code: "session-not-found", message: "no story session <id>" });
    expect(strip(theirs)).toEqual(strip(nobodys));

    const requestsBefore = h.generator.requests.length;
    const choice = await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 0 }, user: "sub-mallory" }), lambdaContext());
    const choiceOnNothing = await h.handler(apiEvent("POST", `/stories/${SESSION}/choices`, { body: { choice: 0 }, user: "sub-mallory" }), lambdaContext());
    expect(strip(choice)).toEqual({ status: 404, code: "session-not-found", message: "no story session <id>" });
    expect(strip(choice)).toEqual(strip(choiceOnNothing));
    expect(h.generator.requests).toHaveLength(requestsBefore);

    // The owner still sees their story untouched and can go on.
    const own = json(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-alice" }), lambdaContext()));
    expect(own.step).toBe(0);
    const next = await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 1 }, user: "sub-alice" }), lambdaContext());
    expect(next).toMatchObject({ statusCode: 200 });
  });

  it("an expired story of another user is a 404, not the owner's 410", async () => {
    let clock = Date.UTC(2026, 0, 10, 12);
    const h = harness({ now: () => clock, env: { NOVELI_SESSION_TTL_DAYS: "1" } });
    const { body: started } = await startStory(h, { prompt: "Old" }, "sub-old-owner");
    clock += 2 * 86_400_000;
    expect(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-old-owner" }), lambdaContext())).toMatchObject({ statusCode: 410 });
    expect(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-stranger" }), lambdaContext())).toMatchObject({ statusCode: 404 });
  });

  it("the request log names the user's sub", async () => {
    const h = harness();
    await startStory(h, { prompt: "Logged" }, "sub-logged");
    const request = h.out.logs().find((line) => line.msg === "request" || line.message === "request");
    expect(request).toMatchObject({ userSub: "sub-logged" });
  });
});

describe("the daily beat quota (NOVELI_DAILY_BEAT_QUOTA)", () => {
  const at = Date.UTC(2026, 11, 1, 21, 30, 0);
  const quota = (limit: string, now: () => number = () => at) => harness({ env: { NOVELI_DAILY_BEAT_QUOTA: limit }, now });

  it("past the limit: 429 with Retry-After in seconds to the next UTC day, and no model call", async () => {
    const h = quota("2");
    const { result, body: started } = await startStory(h, { prompt: "Counted" }, "sub-quota-1");
    expect(result.statusCode).toBe(201);
    const choice = await h.handler(apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 0 }, user: "sub-quota-1" }), lambdaContext());
    expect(choice).toMatchObject({ statusCode: 200 });
    expect(h.generator.requests).toHaveLength(2);

    for (const event of [
      apiEvent("POST", `/stories/${started.sessionId}/choices`, { body: { choice: 0 }, user: "sub-quota-1" }),
      apiEvent("POST", "/stories", { body: { prompt: "One more" }, user: "sub-quota-1" }),
    ]) {
      const refused = (await h.handler(event, lambdaContext())) as { statusCode: number; headers: Record<string, string> };
      expect(refused.statusCode).toBe(429);
      // 21:30:00 UTC: 2.5 hours to midnight.
      expect(refused.headers["retry-after"]).toBe(String(2.5 * 3600));
      expect(json(refused).error).toMatchObject({ code: "daily-quota-exceeded", details: { limit: 2, retryAfterSeconds: 9000 } });
    }
    expect(h.generator.requests).toHaveLength(2);

    // Another user has a quota of their own; reading a story spends nothing.
    expect((await startStory(h, { prompt: "Mine" }, "sub-quota-2")).result.statusCode).toBe(201);
    expect(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`, { user: "sub-quota-1" }), lambdaContext())).toMatchObject({ statusCode: 200 });
  });

  it("a new UTC day starts a new count", async () => {
    let clock = Date.UTC(2026, 11, 1, 23, 59, 59);
    const h = quota("1", () => clock);
    expect((await startStory(h, { prompt: "Late" }, "sub-quota-day")).result.statusCode).toBe(201);
    const refused = await startStory(h, { prompt: "Too late" }, "sub-quota-day");
    expect(refused.result.statusCode).toBe(429);
    expect(refused.result.headers["retry-after"]).toBe("1");
    clock = Date.UTC(2026, 11, 2, 0, 0, 1);
    expect((await startStory(h, { prompt: "Tomorrow" }, "sub-quota-day")).result.statusCode).toBe(201);
  });

  it("concurrent requests of one user: a model call only after a granted count, refusals call nothing", async () => {
    // That concurrent updates never pass the limit together is DynamoDB's guarantee for one
    // conditional UpdateItem. moto's threaded server does not serialise them (two updates can both
    // read the same count), so here the exact limit is proven sequentially (above) and this test
    // holds what is true on any backend: no model call without a grant, none for a refusal.
    const h = quota("3");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.handler(apiEvent("POST", "/stories", { body: { prompt: `Race ${i}` }, user: "sub-quota-race" }), lambdaContext()) as Promise<{ statusCode: number }>),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.every((status) => status === 201 || status === 429)).toBe(true);
    const granted = statuses.filter((status) => status === 201).length;
    expect(granted).toBeGreaterThanOrEqual(3);
    expect(h.generator.requests).toHaveLength(granted);
    // Once the count has reached the limit, the next request is refused without a model call.
    expect((await startStory(h, { prompt: "After the race" }, "sub-quota-race")).result.statusCode).toBe(429);
    expect(h.generator.requests).toHaveLength(granted);
  });

  it("a failed generation gives its beat back", async () => {
    const h = quota("1");
    h.generator.failNext(Object.assign(new Error("every provider failed"), { class: "server" }));
    const failed = await startStory(h, { prompt: "Fails" }, "sub-quota-refund");
    expect(failed.result.statusCode).toBeGreaterThanOrEqual(500);
    expect((await startStory(h, { prompt: "Works" }, "sub-quota-refund")).result.statusCode).toBe(201);
    expect((await startStory(h, { prompt: "Over" }, "sub-quota-refund")).result.statusCode).toBe(429);
  });

  it("counts in the story table, outside the users' story index", async () => {
    const h = quota("5");
    await startStory(h, { prompt: "Ledger" }, "sub-quota-ledger");
    const client = dynamoClient(moto.env);
    try {
      const out = await client.send(
        new QueryCommand({ TableName: TABLE, KeyConditionExpression: "session_id = :id", ExpressionAttributeValues: { ":id": { S: "quota#sub-quota-ledger" } }, ConsistentRead: true }),
      );
      expect(out.Items).toHaveLength(1);
      const item = out.Items![0]!;
      expect(item).toMatchObject({ timestamp: { N: String(Math.floor(at / 86_400_000)) }, beats: { N: "1" } });
      expect(item.user_id).toBeUndefined();
      expect(Number(item.expires_at!.N)).toBeGreaterThan(at / 1000);
    } finally {
      client.destroy();
    }
  });

  it("unset means no limit; a value that is not a whole number refuses stories (503) without a model call", async () => {
    const open = harness();
    for (let i = 0; i < 3; i++) expect((await startStory(open, { prompt: `Free ${i}` }, "sub-quota-free")).result.statusCode).toBe(201);
    const broken = quota("lots");
    const refused = await startStory(broken, { prompt: "Misconfigured" }, "sub-quota-broken");
    expect(refused.result.statusCode).toBe(503);
    expect(refused.body.error.code).toBe("quota-misconfigured");
    expect(broken.generator.requests).toHaveLength(0);
  });

  it("events count against their story owner's quota and are rejected past it (never retried)", async () => {
    const h = quota("1");
    const first = await h.handler(eventBridgeEvent("Story Generation Requested", { prompt: "Evented", userId: "sub-quota-evt" }), lambdaContext());
    expect(first).toMatchObject({ outcome: "started" });
    const second = await h.handler(eventBridgeEvent("Story Generation Requested", { prompt: "Evented again", userId: "sub-quota-evt" }), lambdaContext());
    expect(second).toMatchObject({ outcome: "rejected", code: "daily-quota-exceeded" });
    expect(h.generator.requests).toHaveLength(1);
  });
});

describe("EventBridge events", () => {
  it("Story Generation Requested starts a story; its redelivery is a duplicate, not a second story", async () => {
    const h = harness();
    const event = eventBridgeEvent("Story Generation Requested", { prompt: "From an event", userId: "user-evt" }, { id: "6f1c-event-1" });
    const first = (await h.handler(event, lambdaContext())) as { outcome: string; sessionId: string };
    expect(first).toMatchObject({ outcome: "started", step: 0, detailType: "Story Generation Requested" });
    const again = await h.handler(event, lambdaContext());
    expect(again).toMatchObject({ outcome: "duplicate", sessionId: first.sessionId });
    expect(h.generator.requests).toHaveLength(1);
    // The event's user owns the story: only they can read it.
    const read = json(await h.handler(apiEvent("GET", `/stories/${first.sessionId}`, { user: "user-evt" }), lambdaContext()));
    expect(read).toMatchObject({ userId: "user-evt", prompt: "From an event", step: 0 });
  });

  it("User Choice Made advances the story once, even when delivered twice", async () => {
    const h = harness();
    const { body: started } = await startStory(h);
    const event = eventBridgeEvent("User Choice Made", { sessionId: started.sessionId, step: 0, choice: 1 });
    expect(await h.handler(event, lambdaContext())).toMatchObject({ outcome: "advanced", step: 1 });
    expect(await h.handler(event, lambdaContext())).toMatchObject({ outcome: "duplicate", step: 1 });
    expect(json(await h.handler(apiEvent("GET", `/stories/${started.sessionId}`), lambdaContext())).step).toBe(1);
  });

  it("bad events are rejected without throwing (no retry); transient failures throw (Lambda retries them)", async () => {
    const h = harness();
    const { body: started } = await startStory(h);
    const rejected = [
      eventBridgeEvent("Story Generation Requested", { prompt: 5, userId: "u" }),
      eventBridgeEvent("Story Generation Requested", "not an object"),
      eventBridgeEvent("User Choice Made", { sessionId: "nope", step: 0, choice: 0 }),
      eventBridgeEvent("User Choice Made", { sessionId: started.sessionId, choice: 0 }),
      eventBridgeEvent("User Choice Made", { sessionId: started.sessionId, step: 0, choice: 9 }),
      eventBridgeEvent("User Choice Made", { sessionId: "0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10", step: 0, choice: 0 }),
    ];
    const outcomes = [];
    for (const event of rejected) outcomes.push(await h.handler(event, lambdaContext()));
    expect(outcomes.map((o) => (o as { outcome: string; code: string }).code)).toEqual([
      "invalid-field",
      "invalid-detail",
      "invalid-field",
      "missing-field",
      "choice-out-of-range",
      "session-not-found",
    ]);
    expect(outcomes.every((o) => (o as { outcome: string }).outcome === "rejected")).toBe(true);

    expect(await h.handler(eventBridgeEvent("Story Beat Generated", { sessionId: started.sessionId }), lambdaContext())).toMatchObject({ outcome: "ignored" });
    expect(await h.handler(eventBridgeEvent("Story Completed", {}), lambdaContext())).toMatchObject({ outcome: "ignored" });
    expect(await h.handler(eventBridgeEvent("Something Else", {}), lambdaContext())).toMatchObject({ outcome: "ignored" });
    expect(await h.handler(eventBridgeEvent("User Choice Made", {}, { source: "elsewhere" }), lambdaContext())).toMatchObject({ outcome: "ignored" });

    h.generator.failNext(Object.assign(new Error("all failed"), { code: "all-failed", attempts: [] }));
    await expect(h.handler(eventBridgeEvent("User Choice Made", { sessionId: started.sessionId, step: 0, choice: 0 }), lambdaContext())).rejects.toMatchObject({
      code: "generation-failed",
    });
  });
});

describe("provider keys from Secrets Manager", () => {
  it("reads the secret once, caches it, and overlays it on the environment", async () => {
    const client = new SecretsManagerClient({ region: "us-east-1", endpoint: moto.url, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    try {
      await client.send(new CreateSecretCommand({ Name: "noveli/dev/providers" }));
      const env = { ...moto.env, NOVELI_PROVIDER_SECRET: "noveli/dev/providers", OPENAI_API_KEY: "from-env" };
      // Terraform creates the secret without a value: only the environment's keys apply then.
      const empty = await createSecretSource({ env, ttlMs: 0 }).providerEnv();
      expect(empty.env.OPENAI_API_KEY).toBe("from-env");
      expect(empty.warning).toMatch(/no value yet/);

      await client.send(new PutSecretValueCommand({ SecretId: "noveli/dev/providers", SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-secret-openai", ANTHROPIC_API_KEY: "sk-ant-secret", OTHER: "ignored" }) }));
      const source = createSecretSource({ env });
      const first = await source.providerEnv();
      expect(first).toMatchObject({ source: "secret", env: { OPENAI_API_KEY: "sk-secret-openai", ANTHROPIC_API_KEY: "sk-ant-secret" } });
      expect(first.env.OTHER).toBeUndefined();

      // Cached across invocations: a rotated value is not seen until the cache expires.
      await client.send(new PutSecretValueCommand({ SecretId: "noveli/dev/providers", SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-rotated" }) }));
      expect((await source.providerEnv()).env.OPENAI_API_KEY).toBe("sk-secret-openai");
      expect((await createSecretSource({ env, ttlMs: 0 }).providerEnv()).env.OPENAI_API_KEY).toBe("sk-rotated");
    } finally {
      client.destroy();
    }
  });
});

describe("end to end: the real provider manager, keys from Secrets Manager, the provider test servers", () => {
  const ANTHROPIC_KEY = "sk-ant-e2e-0123456789abcdef";
  const OPENAI_KEY = "sk-proj-e2e-0123456789abcdef";
  let anthropic: ProviderServer;
  let openai: ProviderServer;

  beforeAll(async () => {
    anthropic = await startAnthropicServer();
    openai = await startOpenAiServer();
    const client = new SecretsManagerClient({ region: "us-east-1", endpoint: moto.url, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    try {
      await client.send(new CreateSecretCommand({ Name: "noveli/dev/e2e", SecretString: JSON.stringify({ ANTHROPIC_API_KEY: ANTHROPIC_KEY, OPENAI_API_KEY: OPENAI_KEY }) }));
    } finally {
      client.destroy();
    }
  });

  afterAll(async () => {
    await anthropic?.stop();
    await openai?.stop();
  });

  /** The production wiring (providerManagerFactory + secret source), pointed at moto and the servers. */
  function realHarness() {
    anthropic.setScript({ kind: "ok" });
    openai.setScript({ kind: "ok" });
    anthropic.reset();
    openai.reset();
    const out = lineCollector();
    const env = {
      ...moto.env,
      DYNAMODB_TABLE: TABLE,
      NOVELI_ENV: "dev",
      NOVELI_PROVIDER_SECRET: "noveli/dev/e2e",
      NOVELI_PROVIDERS: "anthropic,openai",
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_BASE_URL: openai.url,
    };
    const logger = createLogger({ write: out.write });
    const handler = createHandler({
      sessions: createDynamoSessionStore({ tableName: TABLE, env }),
      generator: providerManagerFactory(createSecretSource({ env }), logger),
      env,
      write: out.write,
    });
    const leaks = () => out.lines.filter((line) => line.includes(ANTHROPIC_KEY) || line.includes(OPENAI_KEY));
    return { handler, out, leaks };
  }

  it("starts a story through Anthropic with the key from the secret, then continues it with the history", async () => {
    const { handler, out, leaks } = realHarness();
    const started = await handler(apiEvent("POST", "/stories", { body: { prompt: "The lighthouse at Dunmore", genre: "gothic" } }), lambdaContext());
    expect(started).toMatchObject({ statusCode: 201 });
    const body = json(started);
    expect(body.beat).toEqual({ text: DEFAULT_BEAT.text, choices: DEFAULT_BEAT.choices });
    expect(body.generation).toMatchObject({ provider: "anthropic", tokens: { input: 120, output: 48, cached: 0 } });
    expect(anthropic.requests).toHaveLength(1);
    const headers = anthropic.requests[0]!.headers;
    // The SDK sends the key as x-api-key or as a bearer token, depending on its version.
    expect(headers["x-api-key"] ?? String(headers.authorization).replace(/^Bearer /, "")).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(anthropic.requests[0]!.body)).toContain("The lighthouse at Dunmore");
    expect(openai.requests).toHaveLength(0);

    const next = await handler(apiEvent("POST", `/stories/${body.sessionId}/choices`, { body: { choice: 2, step: 0 } }), lambdaContext());
    expect(next).toMatchObject({ statusCode: 200 });
    expect(json(next)).toMatchObject({ step: 1, choice: 2, choiceText: DEFAULT_BEAT.choices[2] });
    // The second request carries the story so far: the first beat and the choice taken.
    const sent = JSON.stringify(anthropic.requests[1]!.body);
    expect(sent).toContain(DEFAULT_BEAT.text);
    expect(sent).toContain(DEFAULT_BEAT.choices[2]);

    const provider = out.metrics("LiminalTransit/AIProviders");
    expect(provider.length).toBeGreaterThanOrEqual(2);
    expect(provider.every((doc) => doc.Provider === "anthropic" && doc.Environment === "dev" && doc.TokenCount > 0)).toBe(true);
    expect(leaks()).toEqual([]);
  });

  it("fails over to OpenAI when Anthropic refuses the key, and records both", async () => {
    const { handler, out, leaks } = realHarness();
    anthropic.setScript({ kind: "error", status: 401, echoCredentials: true });
    const started = await handler(apiEvent("POST", "/stories", { body: { prompt: "Failover" } }), lambdaContext());
    expect(started).toMatchObject({ statusCode: 201 });
    expect(json(started).generation).toMatchObject({ provider: "openai", attempts: 2 });
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const failures = out.metrics("LiminalTransit/AIProviders").filter((doc) => doc.Failures === 1);
    expect(failures.map((doc) => [doc.Provider, doc.ErrorClass])).toEqual([["anthropic", "provider"]]);
    expect(out.metrics("LiminalTransit/AIProviders").some((doc) => doc.Provider === "openai" && doc.Succeeded === true)).toBe(true);
    // Anthropic echoed the key it was sent; it reaches neither the logs nor the answer.
    expect(leaks()).toEqual([]);
    expect((started as { body: string }).body).not.toContain(ANTHROPIC_KEY);
  });

  it("every provider failing is a 502 listing the attempts; no key in the answer", async () => {
    const { handler, leaks } = realHarness();
    anthropic.setScript({ kind: "error", status: 403, echoCredentials: true });
    openai.setScript({ kind: "error", status: 401, echoCredentials: true });
    const result = await handler(apiEvent("POST", "/stories", { body: { prompt: "Nobody answers" } }), lambdaContext());
    expect(result).toMatchObject({ statusCode: 502 });
    const body = json(result);
    expect(body.error.code).toBe("generation-failed");
    expect(body.error.details.attempts.map((a: { provider: string }) => a.provider)).toEqual(["anthropic", "openai"]);
    expect((result as { body: string }).body).not.toMatch(/sk-(ant|proj)-e2e/);
    expect(leaks()).toEqual([]);
  });

  it("a provider that hangs is cut at the deadline from the invocation's remaining time: 504", async () => {
    const { handler } = realHarness();
    anthropic.setScript({ kind: "hang" });
    openai.setScript({ kind: "hang" });
    const result = await handler(apiEvent("POST", "/stories", { body: { prompt: "Silence" } }), lambdaContext({ remainingMs: 2_500 }));
    expect(result).toMatchObject({ statusCode: 504 });
    expect(json(result).error.code).toBe("generation-timeout");
  });

  it("deep health counts the configured providers without calling them or naming them", async () => {
    const { handler } = realHarness();
    const result = await handler(apiEvent("GET", "/health", { query: { deep: "1" }, user: null }), lambdaContext({ qualifier: "blue" }));
    expect(result).toMatchObject({ statusCode: 200 });
    expect(json(result).checks.providers).toEqual({ ok: true, configured: 2 });
    expect((result as { body: string }).body).not.toMatch(/anthropic|openai|claude|gpt/i);
    expect(anthropic.requests).toHaveLength(0);
    expect(openai.requests).toHaveLength(0);
  });
});
