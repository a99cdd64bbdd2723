/**
 * The strict mode of the local provider servers: it refuses what the real APIs refuse, written
 * from the providers' documentation and the installed SDKs' request types, independently of
 * noveli's catalog (which it exists to check). A strict server answers a request it would refuse
 * with the provider's own 400, before any script step runs.
 *
 * What it checks, per protocol:
 * - every protocol: no field the API does not define (the lists below are the SDKs' body params);
 * - Anthropic: `anthropic-version: 2026-10-21` has no sampling parameters (temperature, top_p,
 *   top_k: "Extra inputs are not permitted"); Claude's structured-output schema subset in
 *   `output_config.format` and strict tools (minItems 0 or 1, no other array, string or number
 *   constraints, additionalProperties false on every object); models whose thinking cannot be
 *   turned off refuse `thinking: disabled` and a forced tool; Haiku 5.5 (adaptive thinking by
 *   default) takes a forced tool only with thinking disabled; retired models are 404;
 * - OpenAI: GPT-6 models take `max_completion_tokens`, not `max_tokens`; `temperature` only with
 *   reasoning effort "none", which the GPT-6.2 models do not offer; strict json_schema needs
 *   additionalProperties false and every property required;
 * - Bedrock: newer Claude models refuse on-demand calls by in-region id; Claude Haiku 5.5 takes no
 *   temperature or top_p; always-thinking models refuse disabled thinking and a forced tool;
 *   `outputConfig.textFormat` schemas follow Claude's subset.
 */

/** A refusal: the status, the provider's error type, and its message. */
export interface StrictRefusal {
  status: number;
  type: string;
  message: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

const ANTHROPIC_BODY_FIELDS = new Set([
  "model",
  "max_tokens",
  "messages",
  "cache_control",
  "container",
  "diagnostics",
  "inference_geo",
  "metadata",
  "output_config",
  "service_tier",
  "speed",
  "stop_sequences",
  "stream",
  "system",
  "thinking",
  "tool_choice",
  "tools",
]);
/** The members of the nested objects noveli sends (the SDK's OutputConfig, ThinkingConfigParam, ToolChoiceTool). */
const ANTHROPIC_NESTED_FIELDS: readonly [string, ReadonlySet<string>][] = [
  ["output_config", new Set(["effort", "format"])],
  ["thinking", new Set(["type", "budget_tokens", "display"])],
  ["tool_choice", new Set(["type", "name", "disable_parallel_tool_use"])],
];
/** What anthropic-version 2023-06-01 still took. */
const ANTHROPIC_SAMPLING_FIELDS = new Set(["temperature", "top_p", "top_k"]);
const ANTHROPIC_ALWAYS_THINKING = /^claude-(opus|sonnet)-5-5\b/;
const ANTHROPIC_ADAPTIVE_DEFAULT = /^claude-haiku-5-5\b/;
const ANTHROPIC_RETIRED = new Set(["claude-3-sonnet-20240229", "claude-3-haiku-20240307", "claude-3-opus-20240229", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"]);

const OPENAI_BODY_FIELDS = new Set([
  "messages",
  "model",
  "audio",
  "frequency_penalty",
  "function_call",
  "functions",
  "logit_bias",
  "logprobs",
  "max_completion_tokens",
  "max_tokens",
  "metadata",
  "modalities",
  "moderation",
  "n",
  "parallel_tool_calls",
  "prediction",
  "presence_penalty",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "reasoning_effort",
  "response_format",
  "safety_identifier",
  "seed",
  "service_tier",
  "stop",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "user",
  "verbosity",
  "web_search_options",
]);
const OPENAI_EFFORTS = new Set(["none", "minimal", "low", "medium", "high", "xhigh", "max"]);

const BEDROCK_BODY_FIELDS = new Set([
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "promptVariables",
  "additionalModelResponseFieldPaths",
  "requestMetadata",
  "performanceConfig",
  "serviceTier",
  "outputConfig",
]);
const BEDROCK_INFERENCE_FIELDS = new Set(["maxTokens", "temperature", "topP", "stopSequences"]);

const invalid = (message: string): StrictRefusal => ({ status: 400, type: "invalid_request_error", message });

/** Why the Anthropic Messages API would refuse this request; undefined when it would take it. */
export function anthropicRefusal(body: Body, headers: Record<string, string | string[] | undefined>): StrictRefusal | undefined {
  const version = String(headers["anthropic-version"] ?? "");
  if (version === "") return invalid("anthropic-version: header is required");
  if (!body || typeof body !== "object") return invalid("body: not a JSON object");
  for (const key of Object.keys(body)) {
    if (ANTHROPIC_BODY_FIELDS.has(key)) continue;
    if (ANTHROPIC_SAMPLING_FIELDS.has(key) && version === "2023-06-01") continue;
    return invalid(`${key}: Extra inputs are not permitted`);
  }
  if (typeof body.model !== "string") return invalid("model: Field required");
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return invalid("max_tokens: Field required");
  for (const [field, allowed] of ANTHROPIC_NESTED_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null || typeof value !== "object") continue;
    for (const key of Object.keys(value)) if (!allowed.has(key)) return invalid(`${field}.${key}: Extra inputs are not permitted`);
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("messages: Field required");
  const model: string = body.model;
  if (ANTHROPIC_RETIRED.has(model)) return { status: 404, type: "not_found_error", message: `model: ${model} has been retired` };

  const schema = body.output_config?.format?.schema;
  if (body.output_config?.format !== undefined) {
    if (body.output_config.format.type !== "json_schema") return invalid("output_config.format.type: Input should be 'json_schema'");
    const problem = claudeSchemaProblem(schema);
    if (problem) return invalid(`output_config.format.schema: ${problem}`);
  }
  for (const [i, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (tool?.strict === true) {
      const problem = claudeSchemaProblem(tool.input_schema);
      if (problem) return invalid(`tools.${i}.input_schema: ${problem}`);
    }
  }
  const forcedTool = body.tool_choice?.type === "tool" || body.tool_choice?.type === "any";
  const thinkingOff = body.thinking?.type === "disabled";
  if (ANTHROPIC_ALWAYS_THINKING.test(model)) {
    if (thinkingOff) return invalid(`thinking.type: 'disabled' is not supported for ${model}: its thinking cannot be turned off`);
    if (forcedTool) return invalid(`tool_choice: forcing tool use is not supported for ${model} while thinking is on`);
  }
  if (ANTHROPIC_ADAPTIVE_DEFAULT.test(model) && forcedTool && !thinkingOff) {
    return invalid(`tool_choice: forcing tool use on ${model} requires thinking.type 'disabled'`);
  }
  if (body.thinking?.type === "enabled" && !(body.thinking.budget_tokens >= 1024 && body.thinking.budget_tokens < body.max_tokens)) {
    return invalid("thinking.budget_tokens: must be at least 1024 and less than max_tokens");
  }
  return undefined;
}

/** Why OpenAI chat completions would refuse this request. */
export function openAiRefusal(body: Body): StrictRefusal | undefined {
  if (!body || typeof body !== "object") return invalid("We could not parse the JSON body of your request.");
  for (const key of Object.keys(body)) {
    if (!OPENAI_BODY_FIELDS.has(key)) return invalid(`Unrecognized request argument supplied: ${key}`);
  }
  if (typeof body.model !== "string") return invalid("you must provide a model parameter");
  const model: string = body.model;
  if (/^gpt-6/.test(model)) {
    if (body.max_tokens !== undefined) {
      return { status: 400, type: "unsupported_parameter", message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." };
    }
    const effort: string = body.reasoning_effort ?? (/^gpt-6\.2/.test(model) ? "low" : "none");
    if (!OPENAI_EFFORTS.has(effort)) return { status: 400, type: "invalid_value", message: `Invalid value for 'reasoning_effort': '${effort}'` };
    if (/^gpt-6\.2/.test(model) && (effort === "none" || effort === "minimal")) {
      return { status: 400, type: "unsupported_value", message: `Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: 'low', 'medium', 'high', 'xhigh' and 'max'.` };
    }
    for (const sampling of ["temperature", "top_p"]) {
      if (body[sampling] !== undefined && effort !== "none") {
        return { status: 400, type: "unsupported_parameter", message: `Unsupported parameter: '${sampling}' is not supported with reasoning effort '${effort}' on this model.` };
      }
    }
  }
  const format = body.response_format;
  if (format?.type === "json_schema" && format.json_schema?.strict === true) {
    const problem = openAiStrictSchemaProblem(format.json_schema.schema, "");
    if (problem) return invalid(`Invalid schema for response_format '${format.json_schema.name}': ${problem}`);
  }
  return undefined;
}

/** Why Bedrock Converse would refuse this request for `modelId`. */
export function bedrockRefusal(modelId: string, body: Body): StrictRefusal | undefined {
  const validation = (message: string): StrictRefusal => ({ status: 400, type: "ValidationException", message });
  if (!body || typeof body !== "object") return validation("The request body is not valid JSON");
  for (const key of Object.keys(body)) {
    if (!BEDROCK_BODY_FIELDS.has(key)) return validation(`Unknown parameter in input: "${key}"`);
  }
  for (const key of Object.keys(body.inferenceConfig ?? {})) {
    if (!BEDROCK_INFERENCE_FIELDS.has(key)) return validation(`Unknown parameter in inferenceConfig: "${key}"`);
  }
  if (/^anthropic\.claude-(haiku|sonnet|opus)-5/.test(modelId)) {
    return validation(`Invocation of model ID ${modelId} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`);
  }
  const claude = /(^|\.)anthropic\.claude-/.test(modelId);
  if (/anthropic\.claude-haiku-5-5/.test(modelId) && (body.inferenceConfig?.temperature !== undefined || body.inferenceConfig?.topP !== undefined)) {
    return validation(`The model ${modelId} does not support the parameters temperature and topP.`);
  }
  const forcedTool = body.toolConfig?.toolChoice?.tool !== undefined || body.toolConfig?.toolChoice?.any !== undefined;
  const thinkingOff = body.additionalModelRequestFields?.thinking?.type === "disabled";
  if (/anthropic\.claude-(opus|sonnet)-5-5/.test(modelId)) {
    if (thinkingOff) return validation(`thinking.type: 'disabled' is not supported for ${modelId}: its thinking cannot be turned off`);
    if (forcedTool) return validation(`toolChoice: forcing tool use is not supported for ${modelId} while thinking is on`);
  }
  if (/anthropic\.claude-haiku-5-5/.test(modelId) && forcedTool && !thinkingOff) {
    return validation(`toolChoice: forcing tool use on ${modelId} requires thinking to be disabled`);
  }
  const jsonSchema = body.outputConfig?.textFormat?.structure?.jsonSchema;
  if (body.outputConfig?.textFormat !== undefined) {
    if (body.outputConfig.textFormat.type !== "json_schema" || typeof jsonSchema?.schema !== "string") return validation("outputConfig.textFormat: a json_schema with a schema string is required");
    let schema: unknown;
    try {
      schema = JSON.parse(jsonSchema.schema);
    } catch {
      return validation("outputConfig.textFormat.structure.jsonSchema.schema: not valid JSON");
    }
    const problem = claude ? claudeSchemaProblem(schema) : undefined;
    if (problem) return validation(`outputConfig.textFormat.structure.jsonSchema.schema: ${problem}`);
  }
  return undefined;
}

const CLAUDE_UNSUPPORTED: Readonly<Record<string, readonly string[]>> = {
  array: ["maxItems", "uniqueItems", "contains", "minContains", "maxContains"],
  string: ["minLength", "maxLength"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  object: ["minProperties", "maxProperties", "patternProperties"],
};

/** The first thing in a schema outside Claude's structured-output subset. */
export function claudeSchemaProblem(schema: unknown): string | undefined {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return "must be a JSON schema object";
  const node = schema as Record<string, unknown>;
  const type = typeof node.type === "string" ? node.type : undefined;
  if (type) {
    for (const keyword of CLAUDE_UNSUPPORTED[type] ?? []) {
      if (node[keyword] !== undefined) return `For '${type}' type, property '${keyword}' is not supported`;
    }
  }
  if (type === "array" && node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1) {
    return `For 'array' type, 'minItems' values other than 0 or 1 are not supported`;
  }
  if (type === "object" && node.additionalProperties !== false) return "For 'object' type, 'additionalProperties' must be explicitly set to false";
  for (const child of [...Object.values((node.properties as Record<string, unknown>) ?? {}), node.items].filter((c) => c !== undefined)) {
    const problem = claudeSchemaProblem(child);
    if (problem) return problem;
  }
  return undefined;
}

function openAiStrictSchemaProblem(schema: unknown, path: string): string | undefined {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return `In context=(${path || "root"}), schema must be a JSON schema object.`;
  const node = schema as Record<string, unknown>;
  if (node.type === "object") {
    if (node.additionalProperties !== false) return `In context=(${path || "root"}), 'additionalProperties' is required to be supplied and to be false.`;
    const properties = Object.keys((node.properties as Record<string, unknown>) ?? {});
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = properties.filter((p) => !required.includes(p));
    if (missing.length > 0) return `In context=(${path || "root"}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
  }
  for (const [name, child] of Object.entries((node.properties as Record<string, unknown>) ?? {})) {
    const problem = openAiStrictSchemaProblem(child, `${path}properties.${name}`);
    if (problem) return problem;
  }
  if (node.items !== undefined) return openAiStrictSchemaProblem(node.items, `${path}items`);
  return undefined;
}
