import type { FoundationModel, InferenceProfile, ModelAccess } from "../../aws/bedrock.js";
import { inferenceProfilesFor } from "@noveli/providers/catalog";

/**
 * Whether a model id is usable, judged from what the provider itself lists: OpenAI's and
 * Anthropic's `GET /v1/models`, Bedrock's foundation models, inference profiles and model access.
 * Pure: the lists are fetched by the caller.
 */

export type ProviderListing =
  | { provider: "openai"; ids: string[] }
  | { provider: "anthropic"; models: { id: string; lifecycle: "active" | "deprecated" | "retired"; retiresAt: string | null }[] }
  | { provider: "bedrock"; region: string | undefined; profiles: InferenceProfile[]; foundationModels: FoundationModel[]; access: Record<string, ModelAccess> };

export type AvailabilityState = "available" | "deprecated" | "retired" | "unknown" | "not-enabled" | "needs-profile";

export interface Availability {
  state: AvailabilityState;
  /** Why, in a few words, for anything but plainly available. */
  note?: string;
}

/** A model that can be called today (a deprecated one still can, with a warning). */
export function isUsable(availability: Availability): boolean {
  return availability.state === "available" || availability.state === "deprecated";
}

export function judgeModel(listing: ProviderListing, id: string): Availability {
  switch (listing.provider) {
    case "openai":
      return listing.ids.includes(id) ? { state: "available" } : { state: "unknown", note: "not in the models this key may use (GET /v1/models)" };
    case "anthropic": {
      const model = listing.models.find((m) => m.id === id);
      if (!model) return { state: "unknown", note: "Anthropic does not list this id (GET /v1/models)" };
      if (model.lifecycle === "retired") return { state: "retired", note: "retired: requests naming it fail" };
      if (model.lifecycle === "deprecated") return { state: "deprecated", note: model.retiresAt ? `deprecated, retires ${model.retiresAt.slice(0, 10)}` : "deprecated" };
      return { state: "available" };
    }
    case "bedrock":
      return judgeBedrockModel(listing, id);
  }
}

/** The foundation models whose access a Bedrock judgement needs (the caller fetches them). */
export function bedrockAccessNeeded(listing: Omit<Extract<ProviderListing, { provider: "bedrock" }>, "access">, ids: string[]): string[] {
  const needed = new Set<string>();
  for (const id of ids) {
    const profile = listing.profiles.find((p) => p.id === id);
    const foundation = profile ? profile.modelIds[0] : listing.foundationModels.find((m) => m.modelId === id)?.modelId;
    if (foundation) needed.add(foundation);
  }
  return [...needed];
}

function judgeBedrockModel(listing: Extract<ProviderListing, { provider: "bedrock" }>, id: string): Availability {
  const where = listing.region ? ` in ${listing.region}` : "";
  const profile = listing.profiles.find((p) => p.id === id);
  let foundation: FoundationModel | undefined;
  if (profile) {
    if (profile.status !== "ACTIVE") return { state: "unknown", note: `inference profile status ${profile.status}` };
    foundation = listing.foundationModels.find((m) => m.modelId === profile.modelIds[0]);
  } else {
    foundation = listing.foundationModels.find((m) => m.modelId === id);
    if (!foundation) return { state: "unknown", note: `Bedrock lists neither a foundation model nor an inference profile with this id${where}` };
    if (!foundation.onDemand) {
      const profiles = inferenceProfilesFor(id, listing.region).filter((p) => listing.profiles.some((listed) => listed.id === p));
      return { state: "needs-profile", note: `not callable on demand by its in-region id${profiles.length > 0 ? `: use ${profiles.join(" or ")}` : ": use an inference profile"}` };
    }
  }
  if (foundation) {
    const access = listing.access[foundation.modelId];
    if (access && !access.inRegion) return { state: "not-enabled", note: `${foundation.modelId} is not offered${where}` };
    if (access && (!access.authorized || !access.entitled)) {
      return { state: "not-enabled", note: `model access to ${foundation.modelId} is not granted for this account (Bedrock console, Model access)` };
    }
    if (foundation.lifecycle === "LEGACY") return { state: "deprecated", note: "legacy: Bedrock is retiring it" };
  }
  return { state: "available" };
}
