import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerManagerFactory } from "../../lambda/story-generator/src/generator.js";
import { createHandler, type StoryHandler } from "../../lambda/story-generator/src/index.js";
import { createLogger } from "../../lambda/story-generator/src/logger.js";
import { createSecretSource } from "../../lambda/story-generator/src/secrets.js";
import { createDynamoSessionStore } from "../../lambda/story-generator/src/sessions.js";
import { apiEvent, eventBridgeEvent, lambdaContext, seededRandom } from "../../lambda/story-generator/testing/harness.js";
import { startPrivateMoto, type PrivateMoto } from "../helpers/moto.js";
import { startOpenAiServer, type ProviderServer } from "../helpers/provider-servers.js";
import { createStoryTable } from "../helpers/story-table.js";

/**
 * Fuzz: thousands of random and malformed API Gateway requests and EventBridge events against the
 * real handler (DynamoDB on moto, the real provider manager talking to the OpenAI test server).
 * Every API answer must be a 2xx or a 4xx with a JSON body, every event must be answered without
 * throwing. Requests come from a few signed-in users (claims as the Cognito authorizer passes
 * them), with no claims, or with broken ones, under a daily beat quota, so refusals of every
 * kind (401, 404 for another user's story, 429) are fuzzed too. Seeded, so a failure names the seed and the request that reproduce it.
 */

const SEED = Number(process.env.NOVELI_FUZZ_SEED ?? 20261125);
const API_REQUESTS = 1_500;
const EVENTS = 400;
const BATCH = 25;

let moto: PrivateMoto;
let openai: ProviderServer;
let handler: StoryHandler;
const TABLE = "noveli-story-sessions-fuzz";

beforeAll(async () => {
  moto = await startPrivateMoto();
  openai = await startOpenAiServer();
  await createStoryTable(moto.env, TABLE);
  const env = { ...moto.env, DYNAMODB_TABLE: TABLE, NOVELI_ENV: "dev", NOVELI_DAILY_BEAT_QUOTA: "40", NOVELI_PROVIDERS: "openai", OPENAI_API_KEY: "sk-fuzz-key-0123456789", OPENAI_BASE_URL: openai.url };
  handler = createHandler({
    sessions: createDynamoSessionStore({ tableName: TABLE, env }),
    generator: providerManagerFactory(createSecretSource({ env }), createLogger({ write: () => undefined })),
    env,
    write: () => undefined,
  });
});

afterAll(async () => {
  await openai?.stop();
  await moto?.stop();
});

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, max: number): number => Math.floor(random() * max);

const STRINGS = [
  "",
  " ",
  "a",
  "A lighthouse keeper hears a knock",
  "🐉 dragons ".repeat(20),
  "مرحبا بالعالم",
  "line\nbreak\ttab",
  "nul\u0000char",
  "bell\u0007",
  "\ud800 lone surrogate",
  "x".repeat(2_000),
  "x".repeat(2_001),
  "y".repeat(9_000),
  "<script>alert(1)</script>",
  "'; DROP TABLE story_sessions; --",
  "../../etc/passwd",
  "${jndi:ldap://x}",
  "user@example.com",
  "with space",
];

function randomJson(random: Random, depth = 0): unknown {
  switch (int(random, depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, [0, 1, 2, 3, -1, 1.5, 1e308, -0, 2 ** 53, 99]);
    case 3:
      return pick(random, STRINGS);
    case 4:
      return pick(random, STRINGS).slice(0, 30);
    case 5:
      return Array.from({ length: int(random, 4) }, () => randomJson(random, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = int(random, 5); i > 0; i--) out[pick(random, ["prompt", "userId", "genre", "choice", "step", "sessionId", "extra", "__proto__", "constructor"])] = randomJson(random, depth + 1);
      return out;
    }
  }
}

/** A story request: events carry their userId; an API body has none, bar the odd impostor. */
function storyBody(random: Random, from: "api" | "event" = "event"): unknown {
  const body: Record<string, unknown> = {};
  if (random() < 0.9) body.prompt = random() < 0.6 ? pick(random, STRINGS.slice(3, 8)) : randomJson(random);
  if (random() < (from === "event" ? 0.9 : 0.04)) body.userId = random() < 0.7 ? `user-${int(random, 20)}` : randomJson(random);
  if (random() < 0.4) body.genre = random() < 0.6 ? pick(random, ["mystery", "horror", "romance"]) : randomJson(random);
  if (random() < 0.05) body[pick(random, ["admin", "user_id", "Prompt"])] = true;
  // Over the limits now and then: a prompt past the cap, a body past the cap.
  const oversize = random();
  if (oversize < 0.05) body.prompt = "x".repeat(2_001 + int(random, 4_000));
  else if (oversize < 0.08) body.prompt = "y".repeat(17_000 + int(random, 10_000));
  return body;
}

function choiceBody(random: Random): unknown {
  const body: Record<string, unknown> = {};
  if (random() < 0.9) body.choice = random() < 0.7 ? int(random, 5) : randomJson(random);
  if (random() < 0.3) body.step = random() < 0.7 ? int(random, 4) : randomJson(random);
  if (random() < 0.05) body.extra = 1;
  return body;
}

/** A raw body: valid JSON of the wrong shape, broken JSON, huge, nested, or not text at all. */
function rawBody(random: Random): string | null {
  switch (int(random, 9)) {
    case 0:
      return null;
    case 1:
      return "";
    case 2:
      return "{";
    case 3:
      return '{"prompt": "unterminated';
    case 4:
      return "[".repeat(8_000) + "]".repeat(8_000);
    case 5:
      return JSON.stringify(randomJson(random));
    case 6:
      return "\u0000\u0001\u0002";
    case 7:
      return `{"prompt":"${"z".repeat(30_000)}","userId":"u"}`;
    default:
      return "not json at all";
  }
}

function randomPath(random: Random, sessions: string[]): string {
  const known = sessions.length > 0 && random() < 0.7 ? pick(random, sessions) : undefined;
  const id = known ?? pick(random, ["0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10", "not-a-uuid", "", "%00", "..", "0B6A3B0E-8F0C-4C39-9A55-7C1B3F1D2A10", "x".repeat(500)]);
  return pick(random, [
    "/health",
    "/health/",
    "/",
    "",
    "/stories",
    "/stories/",
    `/stories/${id}`,
    `/stories/${id}/`,
    `/stories/${id}/choices`,
    `/stories/${id}/choices/extra`,
    `//stories/${id}`,
    "/stories/../health",
    `/${"a/".repeat(300)}`,
    "/Stories",
    "/health?deep=1",
    "/ünïcödé/🐉",
  ]);
}

/** Known sessions and the latest step each is known to have reached. */
type Known = Map<string, number>;

const READERS = ["reader-a", "reader-b", "reader-c"] as const;

/** Who sends a request: mostly a signed-in reader, sometimes nobody, sometimes broken claims. */
function identity(random: Random): { user?: string | null; claims?: Record<string, unknown> } {
  const roll = random();
  if (roll < 0.82) return { user: pick(random, READERS) };
  if (roll < 0.9) return { user: null };
  return { claims: pick(random, [{}, { sub: "" }, { sub: 5 }, { sub: "a b" }, { sub: "x".repeat(300) }, { sub: randomJson(random) }, { "cognito:username": "reader-a" }]) };
}

/** A request aimed at a real route, with a body that is often valid and often subtly not. */
function aimedApiEvent(random: Random, known: Known) {
  const ids = [...known.keys()];
  const id = ids.length > 0 ? pick(random, ids) : "0b6a3b0e-8f0c-4c39-9a55-7c1b3f1d2a10";
  const route = random();
  if (route < 0.3 || ids.length === 0) return apiEvent("POST", "/stories", { body: storyBody(random, "api"), ...identity(random) });
  if (route < 0.75) {
    const body = choiceBody(random) as Record<string, unknown>;
    if (random() < 0.5) body.step = known.get(id) ?? 0;
    return apiEvent("POST", `/stories/${id}/choices`, { body, base64: random() < 0.1, ...identity(random) });
  }
  if (route < 0.9) return apiEvent("GET", `/stories/${id}`, identity(random));
  return apiEvent("GET", "/health", random() < 0.5 ? { query: { deep: "1" } } : {});
}

function randomApiEvent(random: Random, known: Known) {
  if (random() < 0.55) return aimedApiEvent(random, known) as unknown as Record<string, unknown>;
  const sessions = [...known.keys()];
  const method = pick(random, ["GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post", "", "BREW"]);
  const path = randomPath(random, sessions);
  const shaped = random();
  const options =
    shaped < 0.35
      ? { body: path.endsWith("/choices") ? choiceBody(random) : storyBody(random, "api") }
      : shaped < 0.55
        ? { rawBody: rawBody(random) }
        : shaped < 0.65
          ? { body: randomJson(random), base64: random() < 0.5 }
          : {};
  const event = apiEvent(method, path, { ...options, ...identity(random), ...(random() < 0.1 ? { query: { deep: pick(random, ["1", "true", "no", ""]) } } : {}) }) as unknown as Record<string, unknown>;
  // An authorizer block API Gateway would never send: not an object, claims not an object.
  if (random() < 0.03) event.requestContext = pick(random, [null, "ctx", { authorizer: "x" }, { authorizer: { claims: ["sub"] } }, { authorizer: { claims: null } }]);
  // Now and then, fields of the wrong type where API Gateway would never put them.
  if (random() < 0.05) event.headers = pick(random, [null, "text", 5, []]);
  if (random() < 0.05) event.queryStringParameters = pick(random, ["deep", 1, ["deep"], { deep: 5 }]);
  if (random() < 0.05) event.body = pick(random, [5, { prompt: "object body" }, ["a"], true]);
  if (random() < 0.03) event.isBase64Encoded = pick(random, ["true", 1, null]);
  if (random() < 0.03) event.body = "!!!not base64!!!";
  return event;
}

describe(`fuzz (seed ${SEED})`, () => {
  it(`${API_REQUESTS} random and malformed API requests: only 2xx and 4xx, each with a JSON body`, async () => {
    const random = seededRandom(SEED);
    const known: Known = new Map();
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    for (let sent = 0; sent < API_REQUESTS; sent += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, API_REQUESTS - sent) }, () => randomApiEvent(random, known));
      const results = await Promise.all(
        events.map(async (event) => {
          try {
            return { event, result: (await handler(event, lambdaContext())) as { statusCode: number; headers: Record<string, string>; body: string } };
          } catch (error) {
            throw new Error(`the handler threw on ${JSON.stringify(event).slice(0, 500)}: ${String(error)}`);
          }
        }),
      );
      for (const { event, result } of results) {
        const where = `${String(event.httpMethod)} ${String(event.path).slice(0, 80)} body=${String(event.body).slice(0, 120)} (seed ${SEED})`;
        expect(result.statusCode, where).toBeGreaterThanOrEqual(200);
        expect(result.statusCode, where).toBeLessThan(500);
        expect(result.headers["content-type"], where).toMatch(/^application\/json/);
        const body = JSON.parse(result.body);
        statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
        if (result.statusCode >= 400) {
          expect(typeof body.error?.code, where).toBe("string");
          expect(typeof body.error?.message, where).toBe("string");
          codes.add(body.error.code);
        } else if (result.statusCode === 201) {
          known.set(body.sessionId, 0);
        } else if (typeof body.step === "number" && typeof body.sessionId === "string") {
          known.set(body.sessionId, Math.max(known.get(body.sessionId) ?? 0, body.step));
        }
      }
    }
    // The fuzz reached deep: stories were started and advanced, and many kinds of refusal seen.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
    expect(codes.size).toBeGreaterThanOrEqual(12);
    for (const code of [
      "invalid-json",
      "invalid-field",
      "route-not-found",
      "method-not-allowed",
      "session-not-found",
      "choice-out-of-range",
      "body-too-large",
      "prompt-too-long",
      "unauthenticated",
      "user-id-not-allowed",
      "daily-quota-exceeded",
    ]) {
      expect(codes, `error code ${code} was never produced`).toContain(code);
    }
  });

  it(`${EVENTS} random EventBridge events and arbitrary values: answered, never thrown`, async () => {
    const random = seededRandom(SEED + 1);
    const known: Known = new Map();
    const outcomes = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      let event: unknown;
      const kind = random();
      if (kind < 0.15) {
        event = pick(random, [null, undefined, 0, "event", [], {}, { source: "noveli" }, { httpMethod: "GET" }, { path: "/health" }, { "detail-type": 5, source: "noveli", id: "x" }]);
      } else {
        const roll = random();
        const detailType =
          roll < 0.35 ? "Story Generation Requested" : roll < 0.8 ? "User Choice Made" : pick(random, ["Story Beat Generated", "Story Completed", "Unknown Thing", ""]);
        const ids = [...known.keys()];
        let detail: unknown;
        if (detailType === "Story Generation Requested" && random() < 0.7) detail = storyBody(random);
        else if (detailType === "User Choice Made" && random() < 0.8) {
          const sessionId = ids.length > 0 && random() < 0.85 ? pick(random, ids) : randomJson(random);
          const body = choiceBody(random) as Record<string, unknown>;
          if (random() < 0.7) body.step = typeof sessionId === "string" ? (known.get(sessionId) ?? 0) : 0;
          if (random() < 0.7) body.choice = int(random, 2);
          detail = { ...body, sessionId };
        } else detail = randomJson(random);
        event = eventBridgeEvent(detailType, detail, { source: random() < 0.9 ? "noveli" : "other", ...(random() < 0.1 ? { time: pick(random, ["garbage", "2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]) } : {}) });
      }
      let outcome: { outcome?: string; sessionId?: string };
      try {
        outcome = (await handler(event, lambdaContext())) as { outcome?: string; sessionId?: string };
      } catch (error) {
        throw new Error(`the handler threw on ${JSON.stringify(event)?.slice(0, 400)} (seed ${SEED + 1}): ${String(error)}`);
      }
      expect(["started", "advanced", "duplicate", "ignored", "rejected"]).toContain(outcome.outcome);
      const step = (outcome as { step?: number }).step;
      if ((outcome.outcome === "started" || outcome.outcome === "advanced") && outcome.sessionId && typeof step === "number") {
        known.set(outcome.sessionId, Math.max(known.get(outcome.sessionId) ?? 0, step));
      }
      outcomes.set(outcome.outcome as string, (outcomes.get(outcome.outcome as string) ?? 0) + 1);
    }
    expect(outcomes.get("started") ?? 0).toBeGreaterThan(5);
    expect(outcomes.get("advanced") ?? 0).toBeGreaterThan(5);
    expect(outcomes.get("rejected") ?? 0).toBeGreaterThan(20);
  });
});
