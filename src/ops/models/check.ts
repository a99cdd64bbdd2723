import type { FoundationModel, InferenceProfile, ModelAccess } from "../../aws/bedrock.js";
import { isCatalogModel, MODELS } from "@noveli/providers/catalog";
import type { AnthropicSettings, OpenAiSettings, ProviderConfig } from "@noveli/providers/config";
import { oneLine } from "@noveli/providers/errors";
import { redact } from "@noveli/providers/redact";
import type { ProviderName } from "@noveli/providers/types";
import { bedrockAccessNeeded, isUsable, judgeModel, type Availability, type ProviderListing } from "./availability.js";

/**
 * `noveli models --check`: asks each configured provider for its own list of models and judges
 * every catalog id and every configured model against it. The lists come through `ModelListers`
 * (the SDK calls), so this stays free of clients and is tested with fakes.
 */

export interface ModelListers {
  openai(settings: OpenAiSettings): Promise<string[]>;
  anthropic(settings: AnthropicSettings): Promise<Extract<ProviderListing, { provider: "anthropic" }>["models"]>;
  bedrock: {
    foundationModels(): Promise<FoundationModel[]>;
    inferenceProfiles(): Promise<InferenceProfile[]>;
    access(modelId: string): Promise<ModelAccess>;
    readonly region: string | undefined;
  };
}

export interface ProviderCheck {
  provider: ProviderName;
  /** The model this configuration calls for the provider. */
  model: string;
  checked: boolean;
  /** Why it was not checked (no credentials, the list could not be read). */
  reason?: string;
}

export interface ModelCheck {
  provider: ProviderName;
  id: string;
  /** This configuration's model for the provider. */
  configured: boolean;
  inCatalog: boolean;
  availability: Availability;
}

export interface ModelCheckReport {
  providers: ProviderCheck[];
  models: ModelCheck[];
  /** Configured models that cannot be called (unknown, retired, not enabled, needs a profile), or whose provider could not be checked. */
  unusable: { provider: ProviderName; id: string; reason: string }[];
}

export async function checkModels(config: ProviderConfig, listers: ModelListers): Promise<ModelCheckReport> {
  // A provider may echo the key it was given in its error: none of it reaches the report.
  const secrets = [...config.secrets.map((s) => s.reveal()), ...[config.providers.openai.apiKey, config.providers.anthropic.apiKey].flatMap((k) => (k ? [k.reveal()] : []))];
  const providers: ProviderCheck[] = [];
  const models: ModelCheck[] = [];
  const unusable: ModelCheckReport["unusable"] = [];

  for (const name of config.order) {
    const settings = config.providers[name];
    if (!settings.configured) {
      providers.push({ provider: name, model: settings.model, checked: false, reason: settings.reason ?? "not configured" });
      continue;
    }
    const ids = [...new Set([...MODELS.filter((m) => m.provider === name).map((m) => m.id), settings.model])];
    let listing: ProviderListing;
    try {
      listing = await listingFor(name, config, ids, listers);
    } catch (error) {
      const reason = `could not read ${name}'s model list: ${oneLine(redact(error instanceof Error ? error.message : String(error), { secrets }))}`;
      providers.push({ provider: name, model: settings.model, checked: false, reason });
      unusable.push({ provider: name, id: settings.model, reason });
      continue;
    }
    providers.push({ provider: name, model: settings.model, checked: true });
    for (const id of ids) {
      const availability = judgeModel(listing, id);
      const configured = id === settings.model;
      models.push({ provider: name, id, configured, inCatalog: isCatalogModel(name, id), availability });
      if (configured && !isUsable(availability)) unusable.push({ provider: name, id, reason: `${availability.state}: ${availability.note ?? ""}`.replace(/: $/, "") });
    }
  }
  return { providers, models, unusable };
}

async function listingFor(name: ProviderName, config: ProviderConfig, ids: string[], listers: ModelListers): Promise<ProviderListing> {
  switch (name) {
    case "openai":
      return { provider: "openai", ids: await listers.openai(config.providers.openai) };
    case "anthropic":
      return { provider: "anthropic", models: await listers.anthropic(config.providers.anthropic) };
    case "bedrock": {
      const [foundationModels, profiles] = await Promise.all([listers.bedrock.foundationModels(), listers.bedrock.inferenceProfiles()]);
      const base = { provider: "bedrock" as const, region: listers.bedrock.region, foundationModels, profiles };
      const access: Record<string, ModelAccess> = {};
      for (const modelId of bedrockAccessNeeded(base, ids)) access[modelId] = await listers.bedrock.access(modelId);
      return { ...base, access };
    }
  }
}
