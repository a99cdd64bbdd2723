import { EventStreamCodec } from "@smithy/core/event-streams";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { anthropicRefusal, bedrockRefusal, openAiRefusal } from "./provider-strict.js";

/**
 * Local HTTP servers that speak the LLM providers' wire protocols, for driving the REAL SDKs in
 * tests (no internet, no mocks inside the SDKs):
 *
 * - `startOpenAiServer`    OpenAI chat completions (`POST /v1/chat/completions`), JSON and SSE.
 *                          Point the SDK at `server.url` (already ends in `/v1`): `OPENAI_BASE_URL`.
 * - `startAnthropicServer` Anthropic messages (`POST /v1/messages`), JSON and SSE.
 *                          Point the SDK at `server.url`: `ANTHROPIC_BASE_URL`.
 * - `startBedrockServer`   Bedrock Runtime Converse (`POST /model/{id}/converse`, JSON) and
 *                          ConverseStream (`POST /model/{id}/converse-stream`,
 *                          `application/vnd.amazon.eventstream` binary framing, encoded by the
 *                          AWS SDK's own EventStreamCodec). Point the SDK at `server.url` as its
 *                          `endpoint` (`--endpoint-url`), with any credentials.
 *
 * Each server answers request N with step N of its script (see `Script`), records every request
 * (`requests`) and counts TCP connections (`connections`). Every server binds 127.0.0.1 on a free
 * port; `stop()` destroys open sockets (including hung ones) and closes it. Always stop in afterAll.
 *
 * A structured reply is the beat object (default `DEFAULT_BEAT`) delivered the way the request asked
 * for it: as the forced tool's input (Anthropic `tool_use`, Bedrock `toolUse`, OpenAI `tool_calls`)
 * when the request offered a tool, else as JSON text (OpenAI `response_format: json_schema`,
 * Anthropic `output_config.format`, Bedrock `outputConfig.textFormat`). Streamed replies split that
 * JSON into `chunkSize`-character deltas, so clients see partial JSON exactly like from the real
 * services. Errors use each provider's own error body and headers (Bedrock: `x-amzn-errortype`).
 *
 * Strict mode (`{ strict: true }`, see provider-strict.ts) makes a server refuse, with the
 * provider's own 400, whatever the real API refuses: unknown fields, sampling parameters on
 * Anthropic, schema constraints outside Claude's structured-output subset, in-region Bedrock ids of
 * newer Claude models, and so on. Refused requests are recorded with `refused` set.
 *
 * Also here: `refusedUrl()` (a loopback port where nothing listens), `startConnectionCounter(port)`
 * (counts connection attempts on a port and resets them), and `bedrockEventMessage` /
 * `bedrockExceptionMessage` (single event-stream messages, for hand-made streams).
 *
 *   const server = await startOpenAiServer([{ kind: "error", status: 429, retryAfter: 1 }, { kind: "ok" }]);
 *   ... OPENAI_BASE_URL=server.url ... expect(server.requests).toHaveLength(2) ...
 *   await server.stop();
 */

/**
 * The environment a CLI test against these servers runs in: nothing from this machine's AWS or
 * provider setup may leak in (keys, profiles, regions, base URLs, model choices).
 */
export const ISOLATED_PROVIDER_ENV: Readonly<Record<string, string | undefined>> = Object.freeze({
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_BEARER_TOKEN_BEDROCK: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/noveli-test/credentials",
  AWS_CONFIG_FILE: "/nonexistent/noveli-test/config",
  AWS_ENDPOINT_URL_BEDROCK: undefined,
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: undefined,
  OPENAI_BASE_URL: undefined,
  ANTHROPIC_BASE_URL: undefined,
  NOVELI_PROVIDERS: undefined,
  NOVELI_OPENAI_MODEL: undefined,
  NOVELI_ANTHROPIC_MODEL: undefined,
  NOVELI_BEDROCK_MODEL: undefined,
  NOVELI_FAILOVER_ON_REFUSAL: undefined,
});

/** The beat every `ok` step replies with unless it says otherwise. */
export const DEFAULT_BEAT = Object.freeze({
  text: "The lighthouse lamp flickers twice, though the keeper has been dead for a year.",
  choices: ["Climb the spiral stairs", "Row out toward the light", "Wake the village"],
});

/** Token counts a reply reports; `cached` is cache-read input tokens. */
export interface FakeUsage {
  input: number;
  output: number;
  cached: number;
  /** Cache-write (creation) input tokens, where the protocol has them (Anthropic, Bedrock). */
  cacheWrite: number;
  /** Output tokens spent thinking, reported where the protocol has them (Anthropic, OpenAI); part of `output`. */
  thinking?: number;
}

export const DEFAULT_USAGE: Readonly<FakeUsage> = Object.freeze({ input: 120, output: 48, cached: 0, cacheWrite: 0 });

/** A successful reply. */
export interface OkStep {
  kind: "ok";
  /** The structured reply (any JSON value, so invalid beats can be scripted). Default DEFAULT_BEAT. */
  beat?: unknown;
  /** Reply with plain text instead of the structured output (a model that ignored the schema/tool). */
  textOnly?: string;
  usage?: Partial<FakeUsage>;
  /** Characters per streamed delta (default 16). */
  chunkSize?: number;
  /** Pause between streamed deltas (default 0). */
  chunkDelayMs?: number;
  /** Pause before the response starts (default 0). */
  delayMs?: number;
  /**
   * The reply stops at a limit: only the first half of the JSON is sent, with the protocol's stop
   * reason for the output-token limit (`max_tokens`, `length`) or the context window
   * (`model_context_window_exceeded`; OpenAI has none and says `length`).
   */
  cut?: "max-tokens" | "context-window";
  /** Leave the usage out of the reply (some compatible servers report none). */
  noUsage?: boolean;
  /** A thinking block before the answer (Anthropic `thinking`, Bedrock `reasoningContent`), as always-thinking models send. */
  thinking?: string;
}

/** The model declines: Anthropic `stop_reason: refusal` with stop_details, OpenAI `message.refusal`, Bedrock `content_filtered`. */
export interface RefusalStep {
  kind: "refusal";
  explanation?: string;
}

/** An HTTP error in the provider's own error format. */
export interface ErrorStep {
  kind: "error";
  status: number;
  /** Provider error type/code (Anthropic `error.type`, OpenAI `error.code`, Bedrock `x-amzn-ErrorType`); a sensible default per status. */
  type?: string;
  message?: string;
  /** Sent as the `Retry-After` header (seconds, or an HTTP date). */
  retryAfter?: number | string;
  headers?: Record<string, string>;
  /** Append the credential the request carried to the message, as some providers do (for leak tests). */
  echoCredentials?: boolean;
}

/** The connection is destroyed before any response byte: a connection reset. */
export interface DestroyStep {
  kind: "destroy";
}

/** The request is accepted and never answered (until the client gives up or the server stops). */
export interface HangStep {
  kind: "hang";
}

/** 200 with a body that is not valid protocol output (broken JSON, or garbage framing on a stream). */
export interface MalformedBodyStep {
  kind: "malformed-body";
}

/** The reply starts and the socket is destroyed after `afterChunks` deltas (default 2). */
export interface DisconnectStep {
  kind: "disconnect-mid-stream";
  afterChunks?: number;
  chunkSize?: number;
}

/** A streamed reply that sends an in-band error event after `afterChunks` deltas (default 2). */
export interface StreamErrorStep {
  kind: "stream-error";
  afterChunks?: number;
  chunkSize?: number;
  /** Provider error type; default overloaded (Anthropic), server_error (OpenAI), throttlingException (Bedrock). */
  type?: string;
  /** OpenAI error code in the event (e.g. invalid_api_key); default null. */
  code?: string;
}

export type Step = OkStep | ErrorStep | DestroyStep | HangStep | MalformedBodyStep | DisconnectStep | StreamErrorStep | RefusalStep;

/** What a script sees of a request. */
export interface RecordedRequest {
  /** 0-based position among the requests this server received. */
  index: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Whether the client asked for a streamed reply. */
  stream: boolean;
  /** Model id from the body (OpenAI, Anthropic) or the path (Bedrock). */
  model?: string;
  /** Strict mode refused the request with this message (no script step ran). */
  refused?: string;
}

/**
 * A server's behaviour, request by request:
 * - one Step: every request gets it;
 * - an array: request N gets item N, and the last item repeats after the end;
 * - a function: called per request.
 */
export type Script = Step | Step[] | ((request: RecordedRequest) => Step);

export interface ProviderServer {
  /** Base URL for the SDK (OpenAI: ends in /v1; Anthropic and Bedrock: the origin). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Replace the script; request numbering continues (array scripts restart at their first item). */
  setScript(script: Script): void;
  /** Forget recorded requests and the connection count. */
  reset(): void;
  stop(): Promise<void>;
}

type Protocol = "openai" | "anthropic" | "bedrock";

export interface ServerOptions {
  /** Refuse what the real API refuses (see provider-strict.ts). Default false. */
  strict?: boolean;
  /**
   * The models the provider lists: OpenAI and Anthropic `GET /v1/models`, Bedrock
   * `GET /foundation-models`, `GET /inference-profiles` and `GET /foundation-model-availability/{id}`
   * (moto implements none of Bedrock's control plane). Default: `DEFAULT_LISTINGS[protocol]`.
   */
  listing?: ListedModel[];
  /** Answer every model-listing request with this error instead. */
  listingError?: ErrorStep;
}

/** One model a provider lists. */
export interface ListedModel {
  id: string;
  /** Anthropic's lifecycle (retired ones only when asked for); Bedrock: deprecated is LEGACY. Default active. */
  lifecycle?: "active" | "deprecated" | "retired";
  /** Bedrock: this id is an inference profile routing to these foundation models. */
  profileOf?: string[];
  /** Bedrock foundation models: callable on demand by this id. Default false. */
  onDemand?: boolean;
  /** Bedrock foundation models: model access granted to the account. Default true. */
  enabled?: boolean;
}

/** What each fake provider lists by default: today's ids as the providers publish them (written here, not taken from noveli's catalog). */
export const DEFAULT_LISTINGS: Readonly<Record<"openai" | "anthropic" | "bedrock", readonly ListedModel[]>> = {
  openai: ["gpt-6-luna", "gpt-6.1-terra", "gpt-6.2-sol", "gpt-6.2-astra", "gpt-5.6-luna", "text-embedding-3-small"].map((id) => ({ id })),
  anthropic: [
    ...["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-8"].map((id) => ({ id })),
    { id: "claude-opus-4-5", lifecycle: "deprecated" as const },
    { id: "claude-sonnet-4-5", lifecycle: "retired" as const },
    { id: "claude-3-haiku-20240307", lifecycle: "retired" as const },
  ],
  bedrock: [
    { id: "anthropic.claude-haiku-5-5" },
    { id: "anthropic.claude-sonnet-5-5" },
    { id: "anthropic.claude-haiku-4-5-20251001-v1:0" },
    { id: "anthropic.claude-3-haiku-20240307-v1:0", lifecycle: "deprecated" as const, onDemand: true },
    { id: "us.anthropic.claude-haiku-5-5", profileOf: ["anthropic.claude-haiku-5-5"] },
    { id: "global.anthropic.claude-sonnet-5-5", profileOf: ["anthropic.claude-sonnet-5-5"] },
    { id: "us.anthropic.claude-haiku-4-5-20251001-v1:0", profileOf: ["anthropic.claude-haiku-4-5-20251001-v1:0"] },
    { id: "global.anthropic.claude-haiku-4-5-20251001-v1:0", profileOf: ["anthropic.claude-haiku-4-5-20251001-v1:0"] },
  ],
};

export function startOpenAiServer(script: Script = { kind: "ok" }, options: ServerOptions = {}): Promise<ProviderServer> {
  return startProviderServer("openai", script, options);
}

export function startAnthropicServer(script: Script = { kind: "ok" }, options: ServerOptions = {}): Promise<ProviderServer> {
  return startProviderServer("anthropic", script, options);
}

export function startBedrockServer(script: Script = { kind: "ok" }, options: ServerOptions = {}): Promise<ProviderServer> {
  return startProviderServer("bedrock", script, options);
}

/** A loopback URL where nothing listens: connecting to it is refused. */
export async function refusedUrl(pathSuffix = ""): Promise<{ url: string; port: number }> {
  const port = await freeLoopbackPort();
  return { url: `http://127.0.0.1:${port}${pathSuffix}`, port };
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Counts connection attempts on a port and resets each one at once (a listener that accepts
 * nothing). Used to prove a provider behind an open circuit receives no call at all.
 */
export async function startConnectionCounter(port = 0): Promise<{ port: number; readonly connections: number; stop(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startProviderServer(protocol: Protocol, initial: Script, options: ServerOptions): Promise<ProviderServer> {
  let script = initial;
  let scriptOffset = 0;
  let requestCount = 0;
  let connections = 0;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const stepFor = (request: RecordedRequest): Step => {
    if (typeof script === "function") return script(request);
    if (!Array.isArray(script)) return script;
    if (script.length === 0) return { kind: "ok" };
    const at = Math.min(request.index - scriptOffset, script.length - 1);
    return script[at] as Step;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      res.destroy();
    });
  });
  server.keepAliveTimeout = 1_000;
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const bedrockMatch = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
    const stream = protocol === "bedrock" ? bedrockMatch?.[2] === "converse-stream" : body?.stream === true;
    const model = protocol === "bedrock" ? (bedrockMatch ? decodeURIComponent(bedrockMatch[1] as string) : undefined) : body?.model;
    const record: RecordedRequest = {
      index: requestCount++,
      method: req.method ?? "GET",
      path,
      headers: { ...req.headers },
      body,
      stream,
      ...(typeof model === "string" ? { model } : {}),
    };
    requests.push(record);

    if (req.method === "GET" && options.listingError && /\/(models|foundation-models|inference-profiles|foundation-model-availability\/.+)$/.test(path)) {
      sendError(protocol, res, options.listingError, record);
      return;
    }
    if (req.method === "GET" && sendListing(protocol, options.listing ?? DEFAULT_LISTINGS[protocol], path, req.url ?? "", record, res)) return;
    const expectedPath =
      protocol === "openai" ? path === "/v1/chat/completions" : protocol === "anthropic" ? path === "/v1/messages" : bedrockMatch !== null;
    if (req.method !== "POST" || !expectedPath) {
      sendError(protocol, res, { kind: "error", status: 404, message: `no route for ${req.method} ${path}` }, record);
      return;
    }
    if (options.strict) {
      const refusal =
        protocol === "anthropic" ? anthropicRefusal(body, record.headers) : protocol === "openai" ? openAiRefusal(body) : bedrockRefusal(record.model ?? "", body);
      if (refusal) {
        record.refused = refusal.message;
        sendError(protocol, res, { kind: "error", status: refusal.status, type: refusal.type, message: refusal.message }, record);
        return;
      }
    }
    const step = stepFor(record);
    await respond(protocol, step, record, req, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: protocol === "openai" ? `${origin}/v1` : origin,
    port,
    requests,
    get connections() {
      return connections;
    },
    setScript(next: Script) {
      script = next;
      scriptOffset = requestCount;
    },
    reset() {
      requests.length = 0;
      connections = 0;
      scriptOffset = requestCount;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers a model-listing request; false when the path is not one. */
function sendListing(protocol: Protocol, listing: readonly ListedModel[], path: string, url: string, record: RecordedRequest, res: ServerResponse): boolean {
  const json = (body: unknown) => {
    res.writeHead(200, { "content-type": "application/json", ...(protocol === "bedrock" ? { "x-amzn-requestid": `fake-${record.index}` } : {}) });
    res.end(JSON.stringify(body));
    return true;
  };
  const query = new URL(url, "http://localhost").searchParams;
  if (protocol === "openai" && path === "/v1/models") {
    return json({ object: "list", data: listing.map((m) => ({ id: m.id, object: "model", created: 1_764_000_000, owned_by: "openai" })) });
  }
  if (protocol === "anthropic" && path === "/v1/models") {
    const wanted = [...query.getAll("lifecycle[]"), ...query.getAll("lifecycle")];
    const stages = wanted.length > 0 ? wanted : ["active", "deprecated"];
    const data = listing
      .filter((m) => stages.includes(m.lifecycle ?? "active"))
      .map((m) => ({
        type: "model",
        id: m.id,
        display_name: m.id,
        created_at: "2026-01-01T00:00:00Z",
        deprecated_at: m.lifecycle && m.lifecycle !== "active" ? "2026-06-01T00:00:00Z" : null,
        retires_at: m.lifecycle === "deprecated" ? "2027-01-22T00:00:00Z" : null,
        lifecycle: m.lifecycle ?? "active",
        line: null,
        capabilities: null,
        max_input_tokens: 200_000,
        max_tokens: 64_000,
      }));
    return json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  if (protocol !== "bedrock") return false;
  const arn = (kind: string, id: string) => `arn:aws:bedrock:us-east-1:${kind === "foundation-model" ? "" : "123456789012"}:${kind}/${id}`;
  if (path === "/foundation-models") {
    return json({
      modelSummaries: listing
        .filter((m) => !m.profileOf)
        .map((m) => ({
          modelArn: arn("foundation-model", m.id),
          modelId: m.id,
          modelName: m.id,
          providerName: "Anthropic",
          inferenceTypesSupported: m.onDemand ? ["ON_DEMAND"] : ["INFERENCE_PROFILE"],
          modelLifecycle: { status: m.lifecycle === "deprecated" ? "LEGACY" : "ACTIVE" },
        })),
    });
  }
  if (path === "/inference-profiles") {
    return json({
      inferenceProfileSummaries: listing
        .filter((m) => m.profileOf)
        .map((m) => ({
          inferenceProfileName: m.id,
          inferenceProfileArn: arn("inference-profile", m.id),
          inferenceProfileId: m.id,
          status: "ACTIVE",
          type: "SYSTEM_DEFINED",
          models: (m.profileOf ?? []).map((id) => ({ modelArn: arn("foundation-model", id) })),
        })),
    });
  }
  const availability = /^\/foundation-model-availability\/(.+)$/.exec(path);
  if (availability) {
    const id = decodeURIComponent(availability[1] as string);
    const model = listing.find((m) => m.id === id && !m.profileOf);
    if (!model) {
      sendError("bedrock", res, { kind: "error", status: 404, type: "ResourceNotFoundException", message: `The model ${id} was not found` }, record);
      return true;
    }
    const enabled = model.enabled !== false;
    return json({
      modelId: id,
      agreementAvailability: { status: enabled ? "AVAILABLE" : "NOT_AVAILABLE" },
      authorizationStatus: enabled ? "AUTHORIZED" : "NOT_AUTHORIZED",
      entitlementAvailability: enabled ? "AVAILABLE" : "NOT_AVAILABLE",
      regionAvailability: "AVAILABLE",
    });
  }
  return false;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function respond(protocol: Protocol, step: Step, request: RecordedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (step.kind) {
    case "destroy":
      req.socket.destroy();
      return;
    case "hang":
      // Keep the socket open; stop() or the client's timeout ends it.
      return;
    case "error":
      sendError(protocol, res, step, request);
      return;
    case "malformed-body":
      if (request.stream && protocol === "bedrock") {
        res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
        res.end(Buffer.from("this is not an event stream message at all, no prelude here"));
      } else if (request.stream) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end("data: {this is not json\n\n");
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "broken", "choices": [ {"message": ');
      }
      return;
    case "refusal":
    case "ok":
    case "disconnect-mid-stream":
    case "stream-error": {
      if (step.kind === "ok" && step.delayMs) await sleep(step.delayMs);
      const reply = replyFor(step, request);
      if (request.stream) await streamReply(protocol, step, reply, request, res);
      else sendJsonReply(protocol, step, reply, request, res);
      return;
    }
  }
}

/** What the "model" says: the structured beat, plain text, or a refusal; and why it stopped. */
interface Reply {
  kind: "structured" | "text" | "refusal";
  /** The JSON text of the beat (structured), the plain text, or the refusal's explanation. */
  text: string;
  usage: FakeUsage | undefined;
  stop: "end" | "max-tokens" | "context-window" | "refusal";
  /** Thinking text sent before the answer. */
  thinking?: string;
}

function replyFor(step: OkStep | DisconnectStep | StreamErrorStep | RefusalStep, request: RecordedRequest): Reply {
  void request;
  const usage = step.kind === "ok" && step.noUsage ? undefined : { ...DEFAULT_USAGE, ...(step.kind === "ok" ? step.usage : {}) };
  if (step.kind === "refusal") return { kind: "refusal", text: step.explanation ?? "I can't help with that story.", usage, stop: "refusal" };
  const stop = step.kind === "ok" && step.cut ? step.cut : "end";
  const cut = (text: string) => (stop === "end" ? text : text.slice(0, Math.floor(text.length / 2)));
  const thinking = step.kind === "ok" && step.thinking !== undefined ? { thinking: step.thinking } : {};
  if (step.kind === "ok" && step.textOnly !== undefined) return { kind: "text", text: cut(step.textOnly), usage, stop, ...thinking };
  const beat = step.kind === "ok" && step.beat !== undefined ? step.beat : DEFAULT_BEAT;
  return { kind: "structured", text: cut(JSON.stringify(beat)), usage, stop, ...thinking };
}

const NO_USAGE: FakeUsage = { input: 0, output: 0, cached: 0, cacheWrite: 0 };

function anthropicStop(reply: Reply, viaTool: boolean): string {
  return { end: viaTool ? "tool_use" : "end_turn", "max-tokens": "max_tokens", "context-window": "model_context_window_exceeded", refusal: "refusal" }[reply.stop];
}

function openAiFinish(reply: Reply, toolCall: boolean): string {
  return reply.stop === "end" || reply.stop === "refusal" ? (toolCall ? "tool_calls" : "stop") : "length";
}

function bedrockStop(reply: Reply, viaTool: boolean): string {
  return { end: viaTool ? "tool_use" : "end_turn", "max-tokens": "max_tokens", "context-window": "model_context_window_exceeded", refusal: "content_filtered" }[reply.stop];
}

function openAiUsage(u: FakeUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.input + u.cached,
    completion_tokens: u.output,
    total_tokens: u.input + u.cached + u.output,
    prompt_tokens_details: { cached_tokens: u.cached },
    ...(u.thinking !== undefined ? { completion_tokens_details: { reasoning_tokens: u.thinking } } : {}),
  };
}

function chunksOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [""];
}

function credentialOf(request: RecordedRequest): string {
  const h = request.headers;
  const value = h["x-api-key"] ?? h["authorization"] ?? "";
  return Array.isArray(value) ? value.join(",") : value;
}

// ---------------------------------------------------------------- errors

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  503: "api_error",
  529: "overloaded_error",
};

const OPENAI_ERROR_CODES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_api_key",
  403: "unsupported_country_region_territory",
  404: "model_not_found",
  429: "rate_limit_exceeded",
  500: "server_error",
  503: "server_error",
};

const BEDROCK_ERROR_TYPES: Record<number, string> = {
  400: "ValidationException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

function sendError(protocol: Protocol, res: ServerResponse, step: ErrorStep, request: RecordedRequest): void {
  let message = step.message ?? `scripted ${step.status}`;
  if (step.echoCredentials) message += ` (credential received: ${credentialOf(request)})`;
  const headers: Record<string, string> = { "content-type": "application/json", ...step.headers };
  if (step.retryAfter !== undefined) headers["retry-after"] = String(step.retryAfter);
  let body: unknown;
  switch (protocol) {
    case "openai": {
      const code = step.type ?? OPENAI_ERROR_CODES[step.status] ?? (step.status >= 500 ? "server_error" : "invalid_request_error");
      const type = step.status === 429 ? "requests" : step.status >= 500 ? "server_error" : "invalid_request_error";
      body = { error: { message, type, param: null, code } };
      headers["x-request-id"] = `req_fake_${request.index}`;
      break;
    }
    case "anthropic": {
      const type = step.type ?? ANTHROPIC_ERROR_TYPES[step.status] ?? (step.status >= 500 ? "api_error" : "invalid_request_error");
      body = { type: "error", error: { type, message }, request_id: `req_fake_${request.index}` };
      headers["request-id"] = `req_fake_${request.index}`;
      break;
    }
    case "bedrock": {
      const type = step.type ?? BEDROCK_ERROR_TYPES[step.status] ?? (step.status >= 500 ? "InternalServerException" : "ValidationException");
      body = { message };
      headers["x-amzn-errortype"] = `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
      headers["x-amzn-requestid"] = `fake-${request.index}`;
      break;
    }
  }
  res.writeHead(step.status, headers);
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------- non-streamed replies

function sendJsonReply(protocol: Protocol, step: OkStep | DisconnectStep | StreamErrorStep | RefusalStep, reply: Reply, request: RecordedRequest, res: ServerResponse): void {
  const body = JSON.stringify(jsonReplyBody(protocol, reply, request));
  res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  if (step.kind === "disconnect-mid-stream" || step.kind === "stream-error") {
    // Not a stream: cut the body halfway, the non-streamed equivalent of a dropped connection.
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setImmediate(() => res.socket?.destroy());
    return;
  }
  res.end(body);
}

function toolNameOf(protocol: Protocol, request: RecordedRequest): string {
  const b = request.body ?? {};
  if (protocol === "anthropic") return b.tool_choice?.name ?? b.tools?.[0]?.name ?? "tool";
  if (protocol === "openai") return b.tool_choice?.function?.name ?? b.tools?.[0]?.function?.name ?? "tool";
  return b.toolConfig?.toolChoice?.tool?.name ?? b.toolConfig?.tools?.[0]?.toolSpec?.name ?? "tool";
}

/** Anthropic and Bedrock reply through the tool when the request offered one, else as JSON text (output_config / outputConfig). */
function requestOffersTool(protocol: Protocol, request: RecordedRequest): boolean {
  const b = request.body ?? {};
  if (protocol === "anthropic") return Array.isArray(b.tools) && b.tools.length > 0;
  if (protocol === "bedrock") return Array.isArray(b.toolConfig?.tools) && b.toolConfig.tools.length > 0;
  return openAiUsesTools(request);
}

/** OpenAI replies in `tool_calls` when the request offered tools, else as JSON content. */
function openAiUsesTools(request: RecordedRequest): boolean {
  return Array.isArray(request.body?.tools) && request.body.tools.length > 0 && request.body?.response_format === undefined;
}

function jsonReplyBody(protocol: Protocol, reply: Reply, request: RecordedRequest): unknown {
  const model = request.model ?? "fake-model";
  const u = reply.usage ?? NO_USAGE;
  const structured = reply.kind === "structured";
  const refusal = reply.kind === "refusal";
  switch (protocol) {
    case "openai": {
      const toolCall = structured && openAiUsesTools(request);
      return {
        id: `chatcmpl-fake${request.index}`,
        object: "chat.completion",
        created: 1_764_000_000,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: toolCall || refusal ? null : reply.text,
              refusal: refusal ? reply.text : null,
              ...(toolCall
                ? { tool_calls: [{ id: `call_fake${request.index}`, type: "function", function: { name: toolNameOf(protocol, request), arguments: reply.text } }] }
                : {}),
            },
            finish_reason: openAiFinish(reply, toolCall),
            logprobs: null,
          },
        ],
        ...(reply.usage ? { usage: openAiUsage(u) } : {}),
      };
    }
    case "anthropic": {
      const viaTool = structured && requestOffersTool(protocol, request);
      return {
        id: `msg_fake${request.index}`,
        type: "message",
        role: "assistant",
        model,
        content: [
          ...(reply.thinking !== undefined ? [{ type: "thinking", thinking: reply.thinking, signature: "c2lnbmF0dXJl" }] : []),
          ...(refusal ? [] : viaTool ? [{ type: "tool_use", id: `toolu_fake${request.index}`, name: toolNameOf(protocol, request), input: toolInput(reply.text) }] : [{ type: "text", text: reply.text }]),
        ],
        stop_reason: anthropicStop(reply, viaTool),
        stop_details: refusal ? { type: "refusal", category: "general_harms", explanation: reply.text } : null,
        stop_sequence: null,
        usage: anthropicUsage(u),
      };
    }
    case "bedrock": {
      const viaTool = structured && requestOffersTool(protocol, request);
      return {
        output: {
          message: {
            role: "assistant",
            content: [
              ...(reply.thinking !== undefined ? [{ reasoningContent: { reasoningText: { text: reply.thinking, signature: "c2lnbmF0dXJl" } } }] : []),
              ...(refusal
                ? []
                : viaTool
                  ? [{ toolUse: { toolUseId: `tooluse_fake${request.index}`, name: toolNameOf(protocol, request), input: toolInput(reply.text) } }]
                  : [{ text: reply.text }]),
            ],
          },
        },
        stopReason: bedrockStop(reply, viaTool),
        ...(reply.usage
          ? {
              usage: {
                inputTokens: u.input,
                outputTokens: u.output,
                totalTokens: u.input + u.output + u.cached + u.cacheWrite,
                cacheReadInputTokens: u.cached,
                cacheWriteInputTokens: u.cacheWrite,
              },
            }
          : {}),
        metrics: { latencyMs: 42 },
      };
    }
  }
}

/** A cut tool call still arrives as an object (the API closes what it has); a whole one is the beat. */
function toolInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { text: text.replace(/^\{"text":"/, "").replace(/"[,}].*$/, "") };
  }
}

function anthropicUsage(u: FakeUsage): Record<string, unknown> {
  return {
    input_tokens: u.input,
    output_tokens: u.output,
    cache_read_input_tokens: u.cached,
    cache_creation_input_tokens: u.cacheWrite,
    ...(u.thinking !== undefined ? { output_tokens_details: { thinking_tokens: u.thinking } } : {}),
  };
}

// ---------------------------------------------------------------- streamed replies

/** One protocol frame: an SSE event or an event-stream message. */
type Frame = Buffer | string;

async function streamReply(protocol: Protocol, step: OkStep | DisconnectStep | StreamErrorStep | RefusalStep, reply: Reply, request: RecordedRequest, res: ServerResponse): Promise<void> {
  const chunkSize = step.kind === "refusal" ? 16 : (step.chunkSize ?? 16);
  const deltas = chunksOf(reply.text, chunkSize);
  const frames = protocol === "openai" ? openAiFrames(reply, deltas, request) : protocol === "anthropic" ? anthropicFrames(reply, deltas, request) : bedrockFrames(reply, deltas, request);
  res.writeHead(200, {
    "content-type": protocol === "bedrock" ? "application/vnd.amazon.eventstream" : "text/event-stream",
    "cache-control": "no-cache",
    ...(protocol === "bedrock" ? { "x-amzn-requestid": `fake-${request.index}` } : {}),
  });
  res.flushHeaders();
  const delay = step.kind === "ok" ? (step.chunkDelayMs ?? 0) : 0;
  const cut = step.kind === "ok" || step.kind === "refusal" ? Infinity : frames.head.length + (step.afterChunks ?? 2);
  const all = [...frames.head, ...frames.deltas, ...frames.tail];
  for (let i = 0; i < all.length; i++) {
    if (i >= cut) {
      if (step.kind === "stream-error") {
        res.end(streamErrorFrame(protocol, step.type, step.code));
      } else {
        // Let the written frames reach the client before the reset.
        await sleep(5);
        res.socket?.destroy();
      }
      return;
    }
    if (!res.write(all[i] as Frame)) await new Promise((resolve) => res.once("drain", resolve));
    if (delay > 0 && i >= frames.head.length && i < frames.head.length + frames.deltas.length) await sleep(delay);
  }
  res.end();
}

interface Frames {
  head: Frame[];
  deltas: Frame[];
  tail: Frame[];
}

const sse = (data: unknown, event?: string): string => `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;

function openAiFrames(reply: Reply, deltas: string[], request: RecordedRequest): Frames {
  const toolCall = reply.kind === "structured" && openAiUsesTools(request);
  const base = { id: `chatcmpl-fake${request.index}`, object: "chat.completion.chunk", created: 1_764_000_000, model: request.model ?? "fake-model" };
  const chunk = (delta: object, finish: string | null = null) => sse({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const head = [
    toolCall
      ? chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: `call_fake${request.index}`, type: "function", function: { name: toolNameOf("openai", request), arguments: "" } }] })
      : chunk({ role: "assistant", content: "", refusal: null }),
  ];
  const deltaFrames = deltas.map((d) =>
    toolCall ? chunk({ tool_calls: [{ index: 0, function: { arguments: d } }] }) : reply.kind === "refusal" ? chunk({ refusal: d }) : chunk({ content: d }),
  );
  const tail = [chunk({}, openAiFinish(reply, toolCall))];
  if (request.body?.stream_options?.include_usage === true && reply.usage) {
    tail.push(sse({ ...base, choices: [], usage: openAiUsage(reply.usage) }));
  }
  tail.push("data: [DONE]\n\n");
  return { head, deltas: deltaFrames, tail };
}

function anthropicFrames(reply: Reply, deltas: string[], request: RecordedRequest): Frames {
  const structured = reply.kind === "structured" && requestOffersTool("anthropic", request);
  const u = reply.usage ?? NO_USAGE;
  const head = [
    sse(
      {
        type: "message_start",
        message: {
          id: `msg_fake${request.index}`,
          type: "message",
          role: "assistant",
          model: request.model ?? "fake-model",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: u.input, output_tokens: 1, cache_read_input_tokens: u.cached, cache_creation_input_tokens: u.cacheWrite },
        },
      },
      "message_start",
    ),
  ];
  if (reply.kind === "refusal") {
    // A refusal streams no content: the stop reason and its details arrive in message_delta.
    const tail = [
      sse({ type: "message_delta", delta: { stop_reason: "refusal", stop_sequence: null, stop_details: { type: "refusal", category: "general_harms", explanation: reply.text } }, usage: anthropicUsage(u) }, "message_delta"),
      sse({ type: "message_stop" }, "message_stop"),
    ];
    return { head, deltas: [], tail };
  }
  // A thinking block first (index 0) when the model thinks; the answer follows in the next block.
  const index = reply.thinking !== undefined ? 1 : 0;
  if (reply.thinking !== undefined) {
    head.push(
      sse({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }, "content_block_start"),
      ...chunksOf(reply.thinking, 16).map((t) => sse({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: t } }, "content_block_delta")),
      sse({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "c2lnbmF0dXJl" } }, "content_block_delta"),
      sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
    );
  }
  head.push(
    sse(
      {
        type: "content_block_start",
        index,
        content_block: structured ? { type: "tool_use", id: `toolu_fake${request.index}`, name: toolNameOf("anthropic", request), input: {} } : { type: "text", text: "" },
      },
      "content_block_start",
    ),
    sse({ type: "ping" }, "ping"),
  );
  const deltaFrames = deltas.map((d) =>
    sse({ type: "content_block_delta", index, delta: structured ? { type: "input_json_delta", partial_json: d } : { type: "text_delta", text: d } }, "content_block_delta"),
  );
  const tail = [
    sse({ type: "content_block_stop", index }, "content_block_stop"),
    sse(
      {
        type: "message_delta",
        delta: { stop_reason: anthropicStop(reply, structured), stop_sequence: null, stop_details: null },
        usage: { output_tokens: u.output, ...(u.thinking !== undefined ? { output_tokens_details: { thinking_tokens: u.thinking } } : {}) },
      },
      "message_delta",
    ),
    sse({ type: "message_stop" }, "message_stop"),
  ];
  return { head, deltas: deltaFrames, tail };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
/** The AWS SDK's own event-stream codec (prelude, headers, both CRC32s). */
export const eventStreamCodec = new EventStreamCodec(
  (bytes: Uint8Array) => utf8Decoder.decode(bytes),
  (text: string) => utf8Encoder.encode(text),
);

/** One `application/vnd.amazon.eventstream` message carrying a Bedrock ConverseStream event. */
export function bedrockEventMessage(eventType: string, payload: unknown): Buffer {
  return Buffer.from(
    eventStreamCodec.encode({
      headers: {
        ":event-type": { type: "string", value: eventType },
        ":content-type": { type: "string", value: "application/json" },
        ":message-type": { type: "string", value: "event" },
      },
      body: utf8Encoder.encode(JSON.stringify(payload)),
    }),
  );
}

/** An in-band exception message (e.g. `throttlingException`) on a Bedrock event stream. */
export function bedrockExceptionMessage(exceptionType: string, message: string): Buffer {
  return Buffer.from(
    eventStreamCodec.encode({
      headers: {
        ":exception-type": { type: "string", value: exceptionType },
        ":content-type": { type: "string", value: "application/json" },
        ":message-type": { type: "string", value: "exception" },
      },
      body: utf8Encoder.encode(JSON.stringify({ message })),
    }),
  );
}

function bedrockFrames(reply: Reply, deltas: string[], request: RecordedRequest): Frames {
  const structured = reply.kind === "structured" && requestOffersTool("bedrock", request);
  const u = reply.usage ?? NO_USAGE;
  const head: Frame[] = [bedrockEventMessage("messageStart", { role: "assistant" })];
  if (reply.kind === "refusal") {
    return { head, deltas: [], tail: [bedrockEventMessage("messageStop", { stopReason: "content_filtered" })] };
  }
  const index = reply.thinking !== undefined ? 1 : 0;
  if (reply.thinking !== undefined) {
    head.push(
      ...chunksOf(reply.thinking, 16).map((t) => bedrockEventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: t } } })),
      bedrockEventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "c2lnbmF0dXJl" } } }),
      bedrockEventMessage("contentBlockStop", { contentBlockIndex: 0 }),
    );
  }
  if (structured) head.push(bedrockEventMessage("contentBlockStart", { contentBlockIndex: index, start: { toolUse: { toolUseId: `tooluse_fake${request.index}`, name: toolNameOf("bedrock", request) } } }));
  const deltaFrames = deltas.map((d) => bedrockEventMessage("contentBlockDelta", { contentBlockIndex: index, delta: structured ? { toolUse: { input: d } } : { text: d } }));
  const tail = [
    bedrockEventMessage("contentBlockStop", { contentBlockIndex: index }),
    bedrockEventMessage("messageStop", { stopReason: bedrockStop(reply, structured) }),
    bedrockEventMessage("metadata", {
      ...(reply.usage
        ? { usage: { inputTokens: u.input, outputTokens: u.output, totalTokens: u.input + u.output + u.cached + u.cacheWrite, cacheReadInputTokens: u.cached, cacheWriteInputTokens: u.cacheWrite } }
        : {}),
      metrics: { latencyMs: 42 },
    }),
  ];
  return { head, deltas: deltaFrames, tail };
}

function streamErrorFrame(protocol: Protocol, type?: string, code?: string): Frame {
  switch (protocol) {
    case "openai":
      return sse({ error: { message: "scripted in-stream error", type: type ?? "server_error", param: null, code: code ?? null } });
    case "anthropic":
      return sse({ type: "error", error: { type: type ?? "overloaded_error", message: "Overloaded" } }, "error");
    case "bedrock":
      return bedrockExceptionMessage(type ?? "throttlingException", "scripted in-stream exception");
  }
}
