import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseCommandInput,
  type TokenUsage as BedrockUsage,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { BEAT_SCHEMA, BEAT_TOOL_DESCRIPTION, BEAT_TOOL_NAME } from "../beat.js";
import type { BedrockSettings } from "../config.js";
import { classifyNetwork, classifyStatus, oneLine, ProviderCallError, retryAfterMs } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type { AdapterCall, AdapterReply, ProviderAdapter } from "./adapter.js";

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
      const tool = call.profile.structured === "tool";
      const input: ConverseCommandInput = {
        modelId: call.profile.id,
        system: [{ text: call.prompt.system }],
        messages: call.prompt.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
        inferenceConfig: { maxTokens: call.maxTokens, ...(call.temperature !== undefined ? { temperature: call.temperature } : {}) },
        ...(tool
          ? {
              toolConfig: {
                tools: [{ toolSpec: { name: BEAT_TOOL_NAME, description: BEAT_TOOL_DESCRIPTION, inputSchema: { json: BEAT_SCHEMA as never } } }],
                toolChoice: { tool: { name: BEAT_TOOL_NAME } },
              },
            }
          : { outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema: { name: "story_beat", schema: JSON.stringify(BEAT_SCHEMA) } } } } }),
        ...(call.profile.disableThinking ? { additionalModelRequestFields: { thinking: { type: "disabled" } } } : {}),
      };

      if (!call.onChunk) {
        const output = await client.send(new ConverseCommand(input), { abortSignal: call.signal });
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

      const output = await client.send(new ConverseStreamCommand(input), { abortSignal: call.signal });
      let json = "";
      let prose = "";
      let usage: TokenUsage | undefined;
      let stopReason: string | undefined;
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
    },
    classify: classifyBedrockError,
  };
}

function usageOf(usage: BedrockUsage): TokenUsage {
  return {
    input: usage.inputTokens ?? 0,
    output: usage.outputTokens ?? 0,
    cached: usage.cacheReadInputTokens ?? 0,
    cacheWrite: usage.cacheWriteInputTokens ?? 0,
  };
}

function stopReasonOf(reason: string): string {
  return reason === "max_tokens" ? "max-tokens" : reason === "end_turn" || reason === "tool_use" ? "end" : reason;
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
