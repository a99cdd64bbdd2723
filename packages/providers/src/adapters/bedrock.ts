import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseCommandInput,
  type ConverseStreamCommandInput,
  type InferenceConfiguration,
  type Message,
  type OutputConfig,
  type StopReason as BedrockStopReason,
  type TokenUsage as BedrockUsage,
  type SystemContentBlock,
  type ToolConfiguration,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { beatSchema, BEAT_TOOL_DESCRIPTION, BEAT_TOOL_NAME } from "../beat.js";
import { inferenceProfilesFor } from "../catalog.js";
import type { BedrockSettings } from "../config.js";
import { classifyNetwork, classifyStatus, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import { messagesStopReason, type AdapterCall, type AdapterReply, type ProviderAdapter, type StopReason } from "./adapter.js";

/**
 * Bedrock Runtime through Converse / ConverseStream. The beat comes back through a forced tool
 * (`toolConfig.toolChoice.tool`), or as text constrained by `outputConfig.textFormat` for models
 * that do not allow a forced tool.
 *
 * HTTP/1.1 (NodeHttpHandler) instead of the client's default HTTP/2 handler: Converse needs no
 * HTTP/2, and HTTP/1.1 also works against plain-http emulators and proxies (--endpoint-url), where
 * the HTTP/2 handler cannot connect.
 */
export function createBedrockAdapter(settings: BedrockSettings, options: { timeoutMs: number; userAgent?: string }): ProviderAdapter {
  const client = new BedrockRuntimeClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.envCredentials
      ? {
          credentials: {
            accessKeyId: settings.envCredentials.accessKeyId,
            secretAccessKey: settings.envCredentials.secretAccessKey.reveal(),
            ...(settings.envCredentials.sessionToken ? { sessionToken: settings.envCredentials.sessionToken.reveal() } : {}),
          },
        }
      : settings.testCredentials
        ? { credentials: settings.testCredentials }
        : {}),
    // The manager retries; the SDK must not multiply attempts.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(options.timeoutMs, 10_000) }),
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
  });

  return {
    name: "bedrock",
    async call(call: AdapterCall): Promise<AdapterReply> {
      try {
        return await converse(call);
      } catch (error) {
        throw onDemandRefusal(error, call.profile.id, settings.region) ?? error;
      }
    },
    classify: classifyBedrockError,
  };

  async function converse(call: AdapterCall): Promise<AdapterReply> {
      const tool = call.profile.structured === "tool";
      const parts = converseParts(call);
      if (!call.onChunk) {
        const output = await client.send(new ConverseCommand(converseInput(call.profile.id, parts)), { abortSignal: call.signal });
        const content: ContentBlock[] = output.output?.message?.content ?? [];
        let json: string | undefined;
        let prose = "";
        for (const block of content) {
          if (block.toolUse && block.toolUse.name === BEAT_TOOL_NAME && json === undefined) json = JSON.stringify(block.toolUse.input);
          else if (block.text !== undefined) prose += block.text;
        }
        if (!tool && prose !== "") {
          json = prose;
          prose = "";
        }
        return {
          ...(json !== undefined ? { json } : {}),
          ...(prose !== "" ? { prose } : {}),
          ...(output.usage ? { usage: usageOf(output.usage) } : {}),
          ...(output.stopReason ? { stopReason: stopReasonOf(output.stopReason) } : {}),
        };
      }

      const output = await client.send(new ConverseStreamCommand(converseStreamInput(call.profile.id, parts)), { abortSignal: call.signal });
      let json = "";
      let prose = "";
      let usage: TokenUsage | undefined;
      let stopReason: StopReason | undefined;
      const beatBlocks = new Set<number>();
      for await (const event of output.stream ?? []) {
        if (event.contentBlockStart) {
          const start = event.contentBlockStart;
          if (tool && start.start?.toolUse?.name === BEAT_TOOL_NAME && beatBlocks.size === 0) beatBlocks.add(start.contentBlockIndex ?? 0);
        } else if (event.contentBlockDelta) {
          const delta = event.contentBlockDelta.delta;
          const index = event.contentBlockDelta.contentBlockIndex ?? 0;
          if (delta?.toolUse?.input !== undefined && beatBlocks.has(index)) {
            json += delta.toolUse.input;
            call.onChunk(delta.toolUse.input);
          } else if (delta?.text !== undefined) {
            if (!tool) {
              json += delta.text;
              call.onChunk(delta.text);
            } else prose += delta.text;
          }
        } else if (event.messageStop) {
          if (event.messageStop.stopReason) stopReason = stopReasonOf(event.messageStop.stopReason);
        } else if (event.metadata) {
          if (event.metadata.usage) usage = usageOf(event.metadata.usage);
        } else {
          // In-band exceptions arrive as their own event members.
          const failure =
            event.throttlingException ?? event.serviceUnavailableException ?? event.internalServerException ?? event.modelStreamErrorException ?? event.validationException;
          if (failure) throw failure;
        }
      }
      return {
        ...(json !== "" ? { json } : {}),
        ...(prose !== "" ? { prose } : {}),
        ...(usage ? { usage } : {}),
        ...(stopReason ? { stopReason } : {}),
      };
  }
}

/**
 * The parts Converse and ConverseStream share. Claude on Bedrock shares Anthropic's structured-output
 * schema subset, so `outputConfig.textFormat` gets the "claude-structured" schema; the forced tool's
 * input schema may say everything. Each request is then written out field by field (undefined when
 * not sent), so the type checker checks every name against the SDK's own input type.
 */
interface ConverseParts {
  system: SystemContentBlock[];
  messages: Message[];
  inferenceConfig: InferenceConfiguration;
  toolConfig: ToolConfiguration | undefined;
  outputConfig: OutputConfig | undefined;
  additionalModelRequestFields: ConverseCommandInput["additionalModelRequestFields"];
}

function converseParts(call: AdapterCall): ConverseParts {
  const thinking = call.profile.thinking;
  const tool = call.profile.structured === "tool";
  const effort = thinking.mode === "always" ? thinking.effort : undefined;
  return {
    system: [{ text: call.prompt.system }],
    messages: call.prompt.messages.map((m): Message => ({ role: m.role, content: [{ text: m.content }] })),
    inferenceConfig: { maxTokens: call.maxTokens, temperature: call.temperature },
    toolConfig: tool
      ? {
          tools: [{ toolSpec: { name: BEAT_TOOL_NAME, description: BEAT_TOOL_DESCRIPTION, inputSchema: { json: beatSchema("full") } } }],
          toolChoice: { tool: { name: BEAT_TOOL_NAME } },
        }
      : undefined,
    outputConfig: tool
      ? effort
        ? { effort }
        : undefined
      : { textFormat: { type: "json_schema", structure: { jsonSchema: { name: "story_beat", schema: JSON.stringify(beatSchema("claude-structured")) } } }, effort },
    additionalModelRequestFields: thinking.mode === "disable" ? { thinking: { type: "disabled" } } : undefined,
  };
}

function converseInput(modelId: string, parts: ConverseParts): ConverseCommandInput {
  return {
    modelId,
    system: parts.system,
    messages: parts.messages,
    inferenceConfig: parts.inferenceConfig,
    toolConfig: parts.toolConfig,
    outputConfig: parts.outputConfig,
    additionalModelRequestFields: parts.additionalModelRequestFields,
  };
}

function converseStreamInput(modelId: string, parts: ConverseParts): ConverseStreamCommandInput {
  return {
    modelId,
    system: parts.system,
    messages: parts.messages,
    inferenceConfig: parts.inferenceConfig,
    toolConfig: parts.toolConfig,
    outputConfig: parts.outputConfig,
    additionalModelRequestFields: parts.additionalModelRequestFields,
  };
}

/**
 * Newer Claude models refuse an in-region id on demand ("Invocation of model ID ... with on-demand
 * throughput isn't supported. Retry your request with the ID or ARN of an inference profile that
 * contains this model."): a configuration error that names the inference profile to use.
 */
export function onDemandRefusal(error: unknown, modelId: string, region: string | undefined): ProviderCallError | undefined {
  const e = error as { name?: unknown; message?: unknown } | null;
  if (!e || e.name !== "ValidationException" || typeof e.message !== "string") return undefined;
  if (!/on-demand throughput isn.?t supported|inference profile/i.test(e.message)) return undefined;
  const profiles = inferenceProfilesFor(modelId, region);
  const use = profiles.length > 0 ? `use an inference profile instead, e.g. --model bedrock=${profiles[0]}${profiles.length > 1 ? ` (or ${profiles.slice(1).join(", ")})` : ""}` : "use the id or ARN of an inference profile that contains this model";
  return new ProviderCallError("config", `Bedrock refuses on-demand calls to ${modelId} by its in-region id: ${use}`, { status: 400 });
}

function usageOf(usage: BedrockUsage): TokenUsage {
  return {
    input: usage.inputTokens ?? 0,
    output: usage.outputTokens ?? 0,
    cached: usage.cacheReadInputTokens ?? 0,
    cacheWrite: usage.cacheWriteInputTokens ?? 0,
  };
}

/** The stop reasons that mean the model declined (or a filter stopped it). */
const BEDROCK_REFUSALS: readonly BedrockStopReason[] = ["content_filtered", "guardrail_intervened"];

function stopReasonOf(reason: BedrockStopReason): StopReason {
  return messagesStopReason(reason, BEDROCK_REFUSALS);
}

const TRANSIENT = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "InternalServerException",
  "ModelNotReadyException",
  "ModelTimeoutException",
  "ModelStreamErrorException",
  "TimeoutError",
  "RequestTimeout",
]);
const AUTH = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
]);

export function classifyBedrockError(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const name = e?.name ?? "";
  const status = e?.$metadata?.httpStatusCode;
  const message = oneLine(e?.message ?? String(error));
  const headers = e?.$response?.headers;
  const wait = headers ? retryAfterMs((h) => headers[h] ?? headers[h.toLowerCase()], Date.now()) : undefined;
  const withStatus = { ...(status !== undefined ? { status } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) };

  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) return new ProviderCallError("provider", `no AWS credentials: ${message}`);
  if (/region is missing/i.test(message)) return new ProviderCallError("provider", "no AWS region: set AWS_REGION or --region");
  if (TRANSIENT.has(name)) return new ProviderCallError("transient", `${name}: ${message}`, withStatus);
  if (AUTH.has(name)) return new ProviderCallError("provider", `authentication failed: ${name}: ${message}`, withStatus);
  if (name === "ResourceNotFoundException") return new ProviderCallError("provider", `model not found: ${message}`, withStatus);
  if (name === "ServiceQuotaExceededException") return new ProviderCallError("provider", `quota exceeded: ${message}`, withStatus);
  if (name === "ModelErrorException") return new ProviderCallError("provider", `model error: ${message}`, withStatus);
  if (name === "ValidationException") return classifyStatus(400, message, { code: name });
  if (status !== undefined && status >= 400) return classifyStatus(status, `${name ? `${name}: ` : ""}${message}`, wait !== undefined ? { retryAfterMs: wait } : {});
  if (name === "SyntaxError" || /deserializ|unexpected token|not valid json|checksum|prelude|message length/i.test(message)) {
    return new ProviderCallError("transient", `invalid response: ${oneLine(message, 120)}`, withStatus);
  }
  return classifyNetwork(error, message);
}
