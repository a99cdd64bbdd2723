import { DEFAULT_MODELS, MODELS, providersListing } from "./catalog.js";
import { GenerationError } from "./errors.js";
import { DEFAULT_POLICY, type ResiliencePolicy } from "./policy.js";
import { PROVIDER_NAMES, type ProviderName } from "./types.js";

/**
 * Provider configuration from the standard variables each SDK already honours, plus noveli's own
 * (NOVELI_PROVIDERS, NOVELI_<PROVIDER>_MODEL, policy knobs). Pure: it reads the env object it is
 * given and touches neither the network nor the filesystem.
 */

/** A secret value that never prints: String(), JSON and util.inspect all show "***". */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "Secret(***)";
  }
}

interface CommonSettings {
  /** false: skipped with `reason`, never attempted. */
  configured: boolean;
  reason?: string;
  model: string;
  modelSource: "default" | "env" | "override";
}

export interface OpenAiSettings extends CommonSettings {
  name: "openai";
  apiKey?: Secret;
  /** OPENAI_BASE_URL: an OpenAI-compatible server (Ollama, llama.cpp, vLLM) when set. */
  baseURL?: string;
}

export interface AnthropicSettings extends CommonSettings {
  name: "anthropic";
  apiKey?: Secret;
  baseURL?: string;
}

export interface BedrockSettings extends CommonSettings {
  name: "bedrock";
  region?: string;
  /** --endpoint-url / AWS_ENDPOINT_URL_BEDROCK_RUNTIME: an emulator or proxy. */
  endpoint?: string;
  profile?: string;
  /** Where the credential chain is expected to find credentials (for status lines). */
  credentialSource?: string;
  /** Only for endpoint targets without credentials of their own: the emulator's test keys. */
  testCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** Keys found in the env object given (so the config, not process.env, decides what is used). */
  envCredentials?: { accessKeyId: string; secretAccessKey: Secret; sessionToken?: Secret };
}

export type ProviderSettings = OpenAiSettings | AnthropicSettings | BedrockSettings;

export interface ProviderConfig {
  /** Priority order; providers not listed are not used. */
  order: ProviderName[];
  /** Where the order came from, for messages. */
  orderSource: "default" | "env" | "override";
  providers: { openai: OpenAiSettings; anthropic: AnthropicSettings; bedrock: BedrockSettings };
  policy: ResiliencePolicy;
  /** Every secret value found in the environment, scrubbed from any message the manager reports. */
  secrets: Secret[];
}

export interface ProviderConfigOverrides {
  /** Priority order (`--provider a,b`); wins over NOVELI_PROVIDERS. */
  providers?: ProviderName[];
  /**
   * Model (`--model`): a bare id applies to the single selected provider, or to the one provider
   * whose catalog lists it; `{ openai: "..." }` sets models per provider.
   */
  model?: string | Partial<Record<ProviderName, string>>;
  /** Bedrock endpoint (`--endpoint-url`). */
  endpointUrl?: string;
  /** Bedrock region (`--region`). */
  region?: string;
  /** Named AWS profile for Bedrock (`--profile`). */
  profile?: string;
  /**
   * The AWS shared config files define a default profile (the CLI checks the files; this module
   * does not read the filesystem). Counts as Bedrock credentials.
   */
  awsSharedDefaultProfile?: boolean;
  policy?: Partial<Omit<ResiliencePolicy, "circuit">> & { circuit?: Partial<ResiliencePolicy["circuit"]> };
}

/** Parses "anthropic,openai" into provider names; throws on an unknown or repeated name. */
export function parseProviderList(raw: string, origin: string): ProviderName[] {
  const names = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (names.length === 0) throw new GenerationError("invalid-config", `${origin} names no provider: use any of ${PROVIDER_NAMES.join(", ")}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
      throw new GenerationError("invalid-config", `${origin}: unknown provider ${JSON.stringify(name)}; use any of ${PROVIDER_NAMES.join(", ")}`);
    }
    if (seen.has(name)) throw new GenerationError("invalid-config", `${origin} names ${name} twice`);
    seen.add(name);
  }
  return names as ProviderName[];
}

export function providerConfigFromEnv(env: Record<string, string | undefined>, overrides: ProviderConfigOverrides = {}): ProviderConfig {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
  };

  let order: ProviderName[] = [...PROVIDER_NAMES];
  let orderSource: ProviderConfig["orderSource"] = "default";
  if (overrides.providers && overrides.providers.length > 0) {
    order = [...overrides.providers];
    orderSource = "override";
  } else if (get("NOVELI_PROVIDERS")) {
    order = parseProviderList(get("NOVELI_PROVIDERS") as string, "NOVELI_PROVIDERS");
    orderSource = "env";
  }

  const models = resolveModels(order, overrides.model, get);

  const openaiKey = get("OPENAI_API_KEY");
  const openaiBase = get("OPENAI_BASE_URL");
  const openai: OpenAiSettings = {
    name: "openai",
    ...models.openai,
    // A local OpenAI-compatible server (Ollama, llama.cpp) needs no key: a base URL is enough.
    configured: openaiKey !== undefined || openaiBase !== undefined,
    ...(openaiKey ? { apiKey: new Secret(openaiKey) } : openaiBase ? {} : { reason: "OPENAI_API_KEY is not set" }),
    ...(openaiBase ? { baseURL: openaiBase } : {}),
  };

  const anthropicKey = get("ANTHROPIC_API_KEY");
  const anthropicBase = get("ANTHROPIC_BASE_URL");
  const anthropic: AnthropicSettings = {
    name: "anthropic",
    ...models.anthropic,
    configured: anthropicKey !== undefined,
    ...(anthropicKey ? { apiKey: new Secret(anthropicKey) } : { reason: "ANTHROPIC_API_KEY is not set" }),
    ...(anthropicBase ? { baseURL: anthropicBase } : {}),
  };

  const bedrock = bedrockSettings(get, overrides, models.bedrock);

  const secrets = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"]
    .map((name) => get(name))
    .filter((value): value is string => value !== undefined)
    .map((value) => new Secret(value));

  return { order, orderSource, providers: { openai, anthropic, bedrock }, policy: policyFrom(get, overrides.policy), secrets };
}

type ModelChoice = Pick<CommonSettings, "model" | "modelSource">;

function resolveModels(
  order: ProviderName[],
  override: ProviderConfigOverrides["model"],
  get: (name: string) => string | undefined,
): Record<ProviderName, ModelChoice> {
  const result = {} as Record<ProviderName, ModelChoice>;
  for (const name of PROVIDER_NAMES) {
    const fromEnv = get(`NOVELI_${name.toUpperCase()}_MODEL`);
    result[name] = fromEnv ? { model: fromEnv, modelSource: "env" } : { model: DEFAULT_MODELS[name], modelSource: "default" };
  }
  if (override === undefined) return result;
  if (typeof override === "object") {
    for (const [name, model] of Object.entries(override)) {
      if (model) result[name as ProviderName] = { model, modelSource: "override" };
    }
    return result;
  }
  const target = modelTarget(order, override);
  result[target] = { model: override, modelSource: "override" };
  return result;
}

/** Which provider a bare `--model` id is meant for. */
function modelTarget(order: ProviderName[], model: string): ProviderName {
  if (order.length === 1) return order[0] as ProviderName;
  const listing = providersListing(model).filter((p) => order.includes(p));
  if (listing.length === 1) return listing[0] as ProviderName;
  const examples = order.map((p) => `${p}=${DEFAULT_MODELS[p]}`).join(",");
  throw new GenerationError(
    "invalid-config",
    `--model ${JSON.stringify(model)} is ambiguous with ${order.length} providers (${order.join(", ")}): pick one provider with --provider, or name each model: --model ${examples}`,
  );
}

function bedrockSettings(get: (name: string) => string | undefined, overrides: ProviderConfigOverrides, model: ModelChoice): BedrockSettings {
  const endpoint = overrides.endpointUrl ?? get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
  // Emulator endpoints need a region for signing but do not care which one.
  const region = overrides.region ?? get("AWS_REGION") ?? get("AWS_DEFAULT_REGION") ?? (endpoint ? "us-east-1" : undefined);
  const profile = overrides.profile ?? get("AWS_PROFILE");
  const base: BedrockSettings = {
    name: "bedrock",
    ...model,
    configured: false,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
  };
  // The SDK's credential chain is asynchronous and may probe instance metadata for seconds; decide
  // from the environment whether it has a source, so a machine without AWS never waits on it.
  const source = get("AWS_ACCESS_KEY_ID") && get("AWS_SECRET_ACCESS_KEY")
    ? "environment keys"
    : profile
      ? `profile ${profile}`
      : get("AWS_BEARER_TOKEN_BEDROCK")
        ? "Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)"
        : get("AWS_WEB_IDENTITY_TOKEN_FILE")
          ? "web identity"
          : get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            ? "container credentials"
            : overrides.awsSharedDefaultProfile
              ? "default profile"
              : undefined;
  if (source === "environment keys") {
    const sessionToken = get("AWS_SESSION_TOKEN");
    return {
      ...base,
      configured: true,
      credentialSource: source,
      envCredentials: {
        accessKeyId: get("AWS_ACCESS_KEY_ID") as string,
        secretAccessKey: new Secret(get("AWS_SECRET_ACCESS_KEY") as string),
        ...(sessionToken ? { sessionToken: new Secret(sessionToken) } : {}),
      },
    };
  }
  if (source) return { ...base, configured: true, credentialSource: source };
  if (endpoint) {
    // An emulator endpoint takes any credentials (as src/aws/clients.ts does for endpoint targets).
    return { ...base, configured: true, credentialSource: "emulator test credentials", testCredentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
  }
  return { ...base, reason: "no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or use --profile)" };
}

function policyFrom(get: (name: string) => string | undefined, override: ProviderConfigOverrides["policy"]): ResiliencePolicy {
  const num = (name: string, min: number, max: number): number | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new GenerationError("invalid-config", `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const fromEnv: Partial<ResiliencePolicy> = {};
  const attempt = num("NOVELI_ATTEMPT_TIMEOUT_MS", 50, 600_000);
  const total = num("NOVELI_DEADLINE_MS", 100, 3_600_000);
  const attempts = num("NOVELI_MAX_ATTEMPTS", 1, 10);
  if (attempt !== undefined) fromEnv.attemptTimeoutMs = attempt;
  if (total !== undefined) fromEnv.totalTimeoutMs = total;
  if (attempts !== undefined) fromEnv.maxAttemptsPerProvider = attempts;
  const refusal = get("NOVELI_FAILOVER_ON_REFUSAL");
  if (refusal !== undefined) {
    if (!/^(1|0|true|false)$/i.test(refusal)) throw new GenerationError("invalid-config", `NOVELI_FAILOVER_ON_REFUSAL must be 1 or 0, got ${JSON.stringify(refusal)}`);
    fromEnv.failoverOnRefusal = /^(1|true)$/i.test(refusal);
  }
  const policy: ResiliencePolicy = {
    ...DEFAULT_POLICY,
    ...fromEnv,
    ...override,
    circuit: { ...DEFAULT_POLICY.circuit, ...override?.circuit },
  };
  if (fromEnv.attemptTimeoutMs !== undefined && override?.minAttemptMs === undefined) {
    policy.minAttemptMs = Math.min(policy.minAttemptMs, policy.attemptTimeoutMs);
  }
  return policy;
}

/** One line per provider on how to configure it (for "no provider configured"). */
export const CONFIGURE_HINTS: Readonly<Record<ProviderName, string>> = {
  bedrock: "bedrock: AWS credentials from the standard chain (AWS_PROFILE, --profile, aws sso login, AWS_ACCESS_KEY_ID) and a region (AWS_REGION or --region); model access enabled in the Bedrock console",
  anthropic: "anthropic: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a proxy)",
  openai: "openai: set OPENAI_API_KEY; OPENAI_BASE_URL points it at any OpenAI-compatible server (Ollama, llama.cpp, vLLM)",
};

/** Models the catalog knows, per provider (for help text). */
export function knownModels(provider: ProviderName): string[] {
  return MODELS.filter((m) => m.provider === provider).map((m) => m.id);
}
