import {
  GetFoundationModelAvailabilityCommand,
  ListFoundationModelsCommand,
  ListInferenceProfilesCommand,
  type BedrockClient,
} from "@aws-sdk/client-bedrock";
import type { Target } from "../core/target.js";
import { createClient } from "./clients.js";

export type { BedrockClient };

/** A Bedrock control-plane client from the one factory; its SDK package loads only when one is asked for. */
export async function createBedrockClient(target: Target, region?: string): Promise<BedrockClient> {
  const { BedrockClient } = await import("@aws-sdk/client-bedrock");
  return createClient(BedrockClient, target, region ? { region } : {});
}

/**
 * The Bedrock control plane calls `noveli models --check` makes, one small function each. The
 * caller builds the client (src/aws/clients.ts) and bounds every call with its signal.
 */

export interface FoundationModel {
  modelId: string;
  /** ACTIVE or LEGACY (Bedrock's word for deprecated). */
  lifecycle: string;
  /** Callable on demand by this id (in-region); newer Claude models are only reached through inference profiles. */
  onDemand: boolean;
}

export interface InferenceProfile {
  id: string;
  status: string;
  /** The foundation model ids it routes to (from the models' ARNs). */
  modelIds: string[];
}

export interface ModelAccess {
  /** The account may invoke it (model access granted, agreement in place). */
  authorized: boolean;
  entitled: boolean;
  inRegion: boolean;
  agreement: string;
}

export async function listFoundationModels(client: BedrockClient, signal: AbortSignal): Promise<FoundationModel[]> {
  const output = await client.send(new ListFoundationModelsCommand({}), { abortSignal: signal });
  return (output.modelSummaries ?? []).flatMap((m) =>
    m.modelId ? [{ modelId: m.modelId, lifecycle: m.modelLifecycle?.status ?? "ACTIVE", onDemand: (m.inferenceTypesSupported ?? []).includes("ON_DEMAND") }] : [],
  );
}

export async function listInferenceProfiles(client: BedrockClient, signal: AbortSignal): Promise<InferenceProfile[]> {
  const profiles: InferenceProfile[] = [];
  let nextToken: string | undefined;
  // A bounded number of pages: an account has a few hundred system profiles at most.
  for (let page = 0; page < 20; page++) {
    const output = await client.send(new ListInferenceProfilesCommand({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal });
    for (const p of output.inferenceProfileSummaries ?? []) {
      if (!p.inferenceProfileId) continue;
      const modelIds = (p.models ?? []).flatMap((m) => {
        const id = m.modelArn?.split("/").pop();
        return id ? [id] : [];
      });
      profiles.push({ id: p.inferenceProfileId, status: p.status ?? "ACTIVE", modelIds });
    }
    nextToken = output.nextToken;
    if (!nextToken) break;
  }
  return profiles;
}

export async function foundationModelAccess(client: BedrockClient, modelId: string, signal: AbortSignal): Promise<ModelAccess> {
  const output = await client.send(new GetFoundationModelAvailabilityCommand({ modelId }), { abortSignal: signal });
  return {
    authorized: output.authorizationStatus !== "NOT_AUTHORIZED",
    entitled: output.entitlementAvailability !== "NOT_AVAILABLE",
    inRegion: output.regionAvailability !== "NOT_AVAILABLE",
    agreement: output.agreementAvailability?.status ?? "AVAILABLE",
  };
}
