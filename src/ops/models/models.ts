import type { CommandContext } from "../../context.js";
import { ConfigError, UsageError } from "../../errors.js";
import type { ProviderConfig, ProviderConfigOverrides } from "@noveli/providers";
import type { ModelCheckReport, ModelListers } from "./check.js";
import type { ModelRow } from "./rows.js";

/** What `noveli models` is asked. */
export interface ModelsInput {
  /** Ask each configured provider for its own model list and judge every id against it. Default false. */
  check: boolean;
  /** Providers to show and check, e.g. "anthropic,openai" (--provider). Default: NOVELI_PROVIDERS, else all three. */
  provider?: string;
}

export interface ModelsResult {
  /** Every catalog model of the chosen providers, with its prices and the selected ones marked. */
  rows: ModelRow[];
  /** When the catalog's prices were last checked (a date). */
  catalogChecked: string;
  /** With `check`: what each provider's own list says. */
  report?: ModelCheckReport;
}

/** How long one provider's model list may take (each Bedrock call included). */
const LIST_TIMEOUT_MS = 20_000;

/**
 * The catalog as rows; with `check`, each configured provider's own list is asked (OpenAI and
 * Anthropic `GET /v1/models`, Bedrock ListFoundationModels and ListInferenceProfiles).
 */
export async function runModels(ctx: CommandContext, input: ModelsInput): Promise<ModelsResult> {
  const providers = await import("@noveli/providers");
  const { modelRows } = await import("./rows.js");
  let config: ProviderConfig;
  try {
    const overrides: ProviderConfigOverrides = {};
    if (input.provider !== undefined) overrides.providers = providers.parseProviderList(input.provider, "--provider");
    if (ctx.globals.endpointUrl) overrides.endpointUrl = ctx.globals.endpointUrl;
    if (ctx.globals.region) overrides.region = ctx.globals.region;
    if (ctx.globals.profile) overrides.profile = ctx.globals.profile;
    const { hasSharedDefaultProfile } = await import("../../aws/shared-config.js");
    if (hasSharedDefaultProfile(process.env)) overrides.awsSharedDefaultProfile = true;
    config = providers.providerConfigFromEnv(process.env, overrides);
  } catch (error) {
    if (providers.isGenerationError(error)) throw new UsageError(error.message);
    throw error;
  }
  const selected = { bedrock: config.providers.bedrock.model, anthropic: config.providers.anthropic.model, openai: config.providers.openai.model };
  const rows = modelRows(selected, config.order);
  if (!input.check) return { rows, catalogChecked: providers.CATALOG_CHECKED };

  if (!config.order.some((name) => config.providers[name].configured)) {
    throw new ConfigError("no-provider", "no AI provider is configured: nothing to check", {
      hint: `configure at least one of:\n${config.order.map((name) => `  ${providers.CONFIGURE_HINTS[name]}`).join("\n")}`,
    });
  }
  const listers = await modelListers(config, ctx);
  const { checkModels } = await import("./check.js");
  const report = await ctx.reporter.phase("Asking each provider for its models", () => checkModels(config, listers));
  return { rows, catalogChecked: providers.CATALOG_CHECKED, report };
}

/** The SDK calls behind the check, each bounded by LIST_TIMEOUT_MS and the command's signal. */
async function modelListers(config: ProviderConfig, ctx: CommandContext): Promise<ModelListers> {
  const listing = await import("@noveli/providers/listing");
  const signal = () => AbortSignal.any([ctx.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
  const bedrockRegion = config.providers.bedrock.region;
  let bedrockClient: Promise<import("../../aws/bedrock.js").BedrockClient> | undefined;
  const bedrock = () => {
    bedrockClient ??= (async () => {
      // The embedded emulator (moto) has no Bedrock: say so rather than fail on an unknown route.
      if (ctx.globals.local) throw new Error("the local emulator has no Bedrock; use --endpoint-url or real AWS");
      const [{ createBedrockClient }, target] = await Promise.all([import("../../aws/bedrock.js"), ctx.target()]);
      return createBedrockClient(target, bedrockRegion);
    })();
    return bedrockClient;
  };
  const aws = await import("../../aws/bedrock.js");
  return {
    openai: (settings) => listing.listOpenAiModels(settings, { timeoutMs: LIST_TIMEOUT_MS, signal: signal() }),
    anthropic: (settings) => listing.listAnthropicModels(settings, { timeoutMs: LIST_TIMEOUT_MS, signal: signal() }),
    bedrock: {
      region: bedrockRegion,
      foundationModels: async () => aws.listFoundationModels(await bedrock(), signal()),
      inferenceProfiles: async () => aws.listInferenceProfiles(await bedrock(), signal()),
      access: async (modelId) => aws.foundationModelAccess(await bedrock(), modelId, signal()),
    },
  };
}
